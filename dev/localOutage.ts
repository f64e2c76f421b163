/**
 * `npm run local -- --outage-demo`: the whole recovery story on the emulators, through the app's
 * own HTTP API (docs/failover.md): the source emulator goes down → unplanned failover to the
 * first target (zero requests to the old primary) → a model is trained there → a run protects
 * it (the old primary unverified) → the source comes back → failback (a planned failover, whose
 * final sync copies the new model home) → every member holds each lineage exactly once.
 */
import type { FormRecognizerEmulator } from './emulators/formRecognizer';
import type { LocalStack } from './stack';
import type { RunSummary } from '../src/replication/contracts';
import type { ModelRoute } from '../src/ledger/routing';
import type { ReportBody } from '../src/readModel';

type Out = (s: string) => void;

/** Ready, non-blank copyable items of an emulated resource. */
function itemCount(emulator: FormRecognizerEmulator, resource: string): number {
  return (
    emulator.models(resource).filter((m) => m.status === 'ready' && !m.blank).length +
    emulator.documentModels(resource).filter((m) => !m.prebuilt).length +
    emulator.classifiers(resource).length
  );
}

export function renderRouting(models: readonly ModelRoute[]): string {
  const rows = models.map((m) => [
    m.lineage.length > 40 ? `${m.lineage.slice(0, 39)}…` : m.lineage,
    m.now ? `${m.now.region} ${m.now.modelId}` : '— no usable copy',
    m.alternates.map((a) => `${a.region}:${a.state}`).join(' '),
  ]);
  const head = ['model (lineage)', 'call now', 'alternates'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

export async function outageDemo(
  stack: LocalStack,
  out: Out,
  headers: Record<string, string>,
  /** Renders `GET /api/report` as `npm run local`'s table (the read model's verdicts). */
  renderReport: (report: ReportBody) => string,
): Promise<boolean> {
  const emulator = stack.emulator;
  if (!emulator) {
    out('outage demo: needs the emulator (DR_SOURCE_ENDPOINT is set): skipped');
    return false;
  }
  const [source, first, ...others] = emulator.resources;
  const members = [source, first, ...others];
  const api = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${stack.host.baseUrl}/api/${path}`, {
      method,
      headers: { ...headers, 'Content-Type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status >= 400) throw new Error(`${method} /api/${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const failover = async (to: string, mode: string): Promise<Record<string, unknown>> => {
    const started = await api('POST', 'failovers', { to, mode });
    await stack.host.durable.waitForInstance(started.id as string);
    const done = await api('GET', `failovers/${encodeURIComponent(started.id as string)}`);
    for (const s of (done.steps as Array<{ name: string; outcome: string; detail?: string }>) ?? [])
      out(`    ${s.name.padEnd(16)} ${s.outcome}${s.detail ? `  ${s.detail}` : ''}`);
    return done;
  };
  const routing = async (): Promise<void> => {
    const r = await api('GET', 'routing');
    out(`  routing (primary ${String(r.primary)}):`);
    out(renderRouting(r.models as ModelRoute[]).replace(/^/gm, '    '));
  };
  const run = async (): Promise<RunSummary> => {
    const started = await api('POST', 'replications', {});
    const status = await stack.host.durable.waitForInstance(started.id as string);
    return status.output as RunSummary;
  };
  const requestsTo = (resource: string): number => emulator.requestLog.filter((r) => r.resource === resource).length;

  out(`\n== outage demo: ${source.region} (primary) goes down ==`);
  const outage = emulator.faults.add(source.name, { kind: 'drop', times: Number.MAX_SAFE_INTEGER });
  const before = requestsTo(source.name);
  out(`1. unplanned failover to ${first.region}`);
  const unplanned = await failover(first.region, 'unplanned');
  const record = unplanned.record as { achievedRtoSeconds?: number; routed?: number } | undefined;
  out(
    `   ${String(unplanned.status)}: ${record?.routed ?? 0} model(s) routed to ${first.region}, RTO ${record?.achievedRtoSeconds ?? '?'} s, ${requestsTo(source.name) - before} request(s) to ${source.region}`,
  );
  await routing();

  const family = stack.app.current().settings.apiFamily;
  const trained =
    family === 'formRecognizerV2'
      ? emulator.addModel(first.name, { modelId: crypto.randomUUID() }).modelId
      : (emulator.addDocumentModel(first.name, {
          modelId: 'trained-during-outage',
          apiVersion: stack.app.current().settings.apiVersion,
        }),
        'trained-during-outage');
  out(`2. a model is trained in ${first.region} during the outage: ${trained}`);
  const during = await run();
  out(
    `3. run from the new primary ${during.sourceRegion}: ${during.totals.copied} copied, ${during.totals.failed} failed, ${during.totals.unverified} unverified (${[...new Set(during.unverified.map((u) => u.region))].join(', ') || 'none'})`,
  );
  // The report by the active roles: eastus is primary, westus2 a standby holding the origins (unverified: down).
  out(`  readiness (primary ${first.region}; ${source.region} a standby):`);
  out(renderReport((await api('GET', 'report')) as unknown as ReportBody).replace(/^/gm, '    '));

  outage.remove();
  out(`4. ${source.region} is back; failback = planned failover to ${source.region}`);
  const back = await failover(source.region, 'planned');
  const sync = (back.record as { finalSync?: { copied: number } } | undefined)?.finalSync;
  out(`   ${String(back.status)}: the final sync copied ${sync?.copied ?? 0} model(s) into ${source.region}`);
  await routing();

  out(`  readiness (primary ${source.region} again):`);
  out(renderReport((await api('GET', 'report')) as unknown as ReportBody).replace(/^/gm, '    '));

  const counts = members.map((m) => [m.region, itemCount(emulator, m.name)] as const);
  const same = counts.every(([, n]) => n === counts[0][1]);
  out(
    `5. models per member: ${counts.map(([r, n]) => `${r} ${n}`).join(', ')} — ${same ? 'every member holds each lineage exactly once' : 'MEMBERS DIFFER'}`,
  );
  return same && unplanned.status === 'completed' && back.status === 'completed';
}
