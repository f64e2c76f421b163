/**
 * No key and no copy access token anywhere a person or another system can read: durable
 * history (inputs, outputs, custom status, every event), HTTP responses, logs, ledger blobs.
 * The host runs with a function key and a system key configured, which must not leak either.
 *
 * The access tokens the emulator issues are captured on their way to the app (a `fetch`
 * wrapper that reads the copyAuthorization answers); the keys come from the stack's settings.
 */
import { VirtualClock } from '../../dev/clock';
import type { LogEntry } from '../../dev/host';
import { MemoryTelemetry } from '../../src/telemetry';
import { QUIET_STACK, useLocalStack } from '../support/stack';
import { SOURCE, collectingLogger, ledgerBlobs, readySourceIds, run } from './replicationHarness';

const realFetch = globalThis.fetch;
const issuedTokens = new Set<string>();

/** Wraps fetch for the app's copy clients (built after this is installed): remembers every access token issued. */
function captureAccessTokens(): void {
  globalThis.fetch = async (
    input: Parameters<typeof fetch>[0],
    init?: Parameters<typeof fetch>[1],
  ): Promise<Response> => {
    const res = await realFetch(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (/copyAuthorization/i.test(url) && res.ok) {
      const text = await res.clone().text();
      const token = /"accessToken"\s*:\s*"([^"]+)"/.exec(text)?.[1];
      if (token) issuedTokens.add(token);
    }
    return res;
  };
}

describe('replication keeps keys and access tokens out of history, responses, logs and the ledger', () => {
  const clock = new VirtualClock('2026-11-21T00:00:00Z');
  const logs = collectingLogger();
  const telemetry = new MemoryTelemetry();
  const responses: string[] = [];
  const secrets = new Set<string>();

  // Declared first: fetch is wrapped before the stack starts and restored before it closes.
  beforeAll(() => captureAccessTokens());
  afterAll(() => {
    globalThis.fetch = realFetch;
  });
  // With function keys configured, as in Azure: the function key and the task hub's system key are secrets too.
  const FUNCTION_KEY = 'secrets-test-function-key-5f1c9a';
  const SYSTEM_KEY = 'secrets-test-system-key-a83b2e';
  const stack = useLocalStack({
    ...QUIET_STACK,
    clock,
    logger: logs.logger,
    telemetry,
    host: { timerSchedules: false, functionKey: FUNCTION_KEY, systemKey: SYSTEM_KEY },
  });

  function rememberKeys(): void {
    secrets.add(FUNCTION_KEY);
    secrets.add(SYSTEM_KEY);
    for (const [name, value] of Object.entries(stack.env)) {
      if (value && (/_KEY($|_)/.test(name) || name === 'AzureWebJobsStorage')) secrets.add(value);
    }
    const accountKey = /AccountKey=([^;]+)/.exec(stack.env.AzureWebJobsStorage ?? '')?.[1];
    if (accountKey) secrets.add(accountKey);
  }

  async function http(
    method: string,
    path: string,
    body?: string,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    // The key alternately in the query and in the header: neither may come back or reach a log.
    const inQuery = responses.length % 2 === 0;
    const url = `${stack.host.baseUrl}/api/${path}${inQuery ? `${path.includes('?') ? '&' : '?'}code=${FUNCTION_KEY}` : ''}`;
    const typed: Record<string, string> = body !== undefined ? { 'Content-Type': 'application/json' } : {};
    const res = await realFetch(url, {
      method,
      body,
      headers: inQuery ? typed : { ...typed, 'x-functions-key': FUNCTION_KEY },
    });
    const text = await res.text();
    responses.push(`${res.status} ${JSON.stringify([...res.headers.entries()])} ${text}`);
    return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  /** Everything readable, as one text per place. */
  async function everythingReadable(): Promise<Array<[string, string]>> {
    const places: Array<[string, string]> = [];
    for (const instance of stack.host.durable.list()) {
      const status = stack.host.durable.getStatus(instance.instanceId, {
        showHistory: true,
        showHistoryOutput: true,
        showInput: true,
      });
      places.push([`history of ${instance.instanceId}`, JSON.stringify(status)]);
      places.push([
        `raw history of ${instance.instanceId}`,
        JSON.stringify(stack.host.durable.history(instance.instanceId)),
      ]);
    }
    responses.forEach((r, i) => places.push([`HTTP response ${i}`, r]));
    logs.entries.forEach((e: LogEntry, i) => places.push([`log ${i} (${e.category})`, JSON.stringify(e)]));
    for (const [name, text] of await ledgerBlobs(stack)) places.push([`ledger blob ${name}`, text]);
    places.push(['telemetry events', JSON.stringify(telemetry.events)]);
    places.push(['telemetry metrics', JSON.stringify(telemetry.metrics)]);
    return places;
  }

  async function expectNoSecret(): Promise<void> {
    expect(issuedTokens.size).toBeGreaterThan(0);
    const all = [...secrets, ...issuedTokens];
    const leaks: string[] = [];
    for (const [where, text] of await everythingReadable()) {
      for (const secret of all) if (text.includes(secret)) leaks.push(`${where} holds ${secret.slice(0, 4)}…`);
    }
    expect(leaks).toEqual([]);
  }

  it('a run over HTTP with renewals, transient failures and deletes', async () => {
    const emulator = await stack.reset();
    rememberKeys();
    const [first, second] = readySourceIds(emulator);
    emulator.faults.add(SOURCE, {
      kind: 'copyFails',
      code: '2024',
      message: 'Could not retrieve authorization metadata.',
      when: (r) => r.modelId === first,
    });
    emulator.faults.add(SOURCE, {
      kind: 'copyFails',
      code: 'InternalServerError',
      message: 'An unexpected error occurred.',
      when: (r) => r.modelId === second,
    });
    emulator.faults.add(SOURCE, {
      kind: 'status',
      status: 400,
      code: '1002',
      message: "The 'expirationDateTimeTicks' of the copy authorization has expired.",
      call: 'copy',
    });
    emulator.faults.add(SOURCE, { kind: 'status', status: 500, call: 'copyResult', times: 2 });

    const started = await http('POST', 'replications', '{}');
    expect(started.status).toBe(202);
    const id = started.json.id as string;
    await http('GET', `replications/${encodeURIComponent(id)}`);
    await stack.host.durable.waitForInstance(id);
    const done = await http('GET', `replications/${encodeURIComponent(id)}`);
    expect(done.json.runtimeStatus).toBe('Completed');
    await http('GET', `models/${encodeURIComponent(first)}/replicas`);
    await http('GET', 'report');
    await http('POST', 'replications', '{"models": ["x"], "nope": 1}');

    // The scan sees what it should: the copies' target ids are in history, responses, logs and the ledger.
    const summary = done.json.summary as { copies: Array<{ targetModelId: string }> };
    const text = (await everythingReadable()).map(([, t]) => t).join('\n');
    expect(summary.copies.length).toBeGreaterThan(0);
    for (const c of summary.copies) expect(text).toContain(c.targetModelId);
    await expectNoSecret();
  });

  it('a planned failover and its final sync, the routing routes and document, the failover records', async () => {
    const emulator = await stack.reset();
    rememberKeys();
    const [first] = readySourceIds(emulator);
    const run = await http('POST', 'replications', '{}');
    await stack.host.durable.waitForInstance(run.json.id as string);
    const started = await http('POST', 'failovers', JSON.stringify({ to: 'eastus', mode: 'planned' }));
    expect(started.status).toBe(202);
    const id = started.json.id as string;
    await stack.host.durable.waitForInstance(id);
    expect((await http('GET', `failovers/${encodeURIComponent(id)}`)).json.status).toBe('completed');
    await http('GET', 'failovers?limit=5');
    await http('GET', 'routing');
    expect((await http('GET', 'drgroup')).json.primary).toBe('eastus');
    expect((await http('GET', `routing/${encodeURIComponent(first)}`)).status).toBe(200);
    await http('POST', 'failovers', JSON.stringify({ to: 'nowhere', mode: 'planned', force: 'yes' }));
    const blobs = await ledgerBlobs(stack);
    expect([...blobs.keys()]).toEqual(expect.arrayContaining(['routing/current.json', 'state/primary.json']));
    await expectNoSecret();
  });

  it('a target with a wrong key and an unknown resource: failures and their reasons hold no secret', async () => {
    const wrongKey = 'f00dfeedf00dfeedf00dfeedf00dfeed';
    const emulator = await stack.reset({
      env: { DR_TARGET_KEY_EASTUS: wrongKey },
      targetOptions: {
        westeurope: {
          resourceId:
            '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/gone',
        },
      },
    });
    rememberKeys();
    expect(secrets.has(wrongKey)).toBe(true);
    const ready = readySourceIds(emulator);

    const summary = await run(stack);

    expect(summary.totals).toMatchObject({ copied: 0, failed: ready.length * 2 });
    expect(
      summary.failures
        .filter((f) => f.region === 'eastus')
        .every((f) => /401|denied|unauthenticated/i.test(`${f.reason.code} ${f.reason.message}`)),
    ).toBe(true);
    await http('GET', 'report');
    await http('GET', `models/${encodeURIComponent(ready[0])}/replicas`);

    await expectNoSecret();
  });

  it('service messages holding an account key and a SAS: the run completes and is listed, and the secrets are nowhere (issue 25 item 1)', async () => {
    const accountKey = 'SvcLeakedAccountKey0123456789abcdefABCDEF==';
    const signature = 'SvcLeakedSasSignature9876543210zyxw%3D';
    const semicolonSig = 'SvcLeakedSemicolonSig42';
    const nameKey = 'SvcLeakedNameKey0123456789ABCDEF==';
    const emulator = await stack.reset();
    rememberKeys();
    secrets.add(accountKey);
    secrets.add(signature);
    secrets.add(semicolonSig);
    secrets.add(nameKey);
    const [first, second] = readySourceIds(emulator);
    // A model whose name (service text, no error involved) quotes a connection string: listed, copied, never stored raw.
    const named = '00000000-0000-4000-8000-0000000000c3';
    emulator.addModel(SOURCE, { modelId: named, modelName: `pasted AccountKey=${nameKey};EndpointSuffix=x` });
    // A permanent copy failure whose service message quotes a connection string and a SAS URL.
    emulator.faults.add(SOURCE, {
      kind: 'copyFails',
      code: 'InvalidRequest',
      message:
        `Source unreadable: DefaultEndpointsProtocol=https;AccountName=src;AccountKey=${accountKey};EndpointSuffix=core.windows.net ` +
        `(https://src.blob.core.windows.net/models/m.json?sv=2022-11-02&sig=${signature})`,
      when: (r) => r.modelId === first,
      times: 10,
    });
    // A refusal of the copy request itself, with a SAS in its `;sig=` form.
    emulator.faults.add(SOURCE, {
      kind: 'status',
      status: 400,
      code: 'InvalidArgument',
      message: `Invalid source model location model.json;sig=${semicolonSig}`,
      call: 'copy',
      when: (r) => r.modelId === second,
      times: 10,
    });

    const started = await http('POST', 'replications', '{}');
    expect(started.status).toBe(202);
    const id = started.json.id as string;
    await stack.host.durable.waitForInstance(id);
    const done = await http('GET', `replications/${encodeURIComponent(id)}`);

    // The run is not failed by its own failures' text: it completes, reports the failed pairs and is listed.
    expect(done.json.runtimeStatus).toBe('Completed');
    const summary = done.json.summary as { failures: Array<{ sourceModelId: string; reason: { message: string } }> };
    const failed = summary.failures.map((f) => f.sourceModelId);
    expect(failed).toEqual(expect.arrayContaining([first, second]));
    expect(failed).not.toContain(named);
    expect(summary.failures.find((f) => f.sourceModelId === first)?.reason.message).toContain('AccountKey=[redacted]');
    const listed = await http('GET', 'replications');
    expect((listed.json.runs as Array<{ runId: string }>).map((r) => r.runId)).toContain(id);
    const data = await http('GET', 'dashboard/data');
    expect(JSON.stringify(data.json)).toContain(id);
    await http('GET', 'report');
    await http('GET', `models/${encodeURIComponent(first)}/replicas`);

    await expectNoSecret();
  });
});
