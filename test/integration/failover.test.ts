/**
 * Failover, reverse replication and failback through the local host, Azurite and the emulator,
 * for every API version (docs/failover.md): an unplanned failover while the primary refuses
 * connections (zero requests to it), routing by an id in any member, a model trained during the
 * outage protected by a run from the new primary (the old primary unverified, never failed),
 * failback as a planned failover with its final sync, and every member holding each lineage
 * exactly once. New activities run at least once.
 */
import { VirtualClock } from '../../dev/clock';
import type { FormRecognizerEmulator } from '../../dev/emulators/formRecognizer';
import { useLocalStack } from '../support/stack';
import { findSecret } from '../../src/ledger/secretGuard';
import {
  API_VERSIONS,
  SOURCE,
  TARGETS,
  isV2,
  itemsOf,
  ledgerOf,
  readySourceIds,
  run,
  versionReset,
  type TestApiVersion,
} from './replicationHarness';

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

const MEMBERS = { westus2: SOURCE, eastus: TARGETS.eastus, westeurope: TARGETS.westeurope } as const;

describe('failover, reverse replication and failback', () => {
  const clock = new VirtualClock('2026-12-01T00:00:00Z');
  const stack = useLocalStack({
    clock,
    logger: () => undefined,
    host: {
      timerSchedules: false,
      atLeastOnce: [
        { activity: 'failoverReadiness', count: 4 },
        { activity: 'switchPrimary', count: 4 },
        { activity: 'saveFailoverRecord', count: 4 },
        { activity: 'startCopy', count: 2 },
        { activity: 'finishCopy', count: 2 },
      ],
    },
  });

  async function call(method: string, path: string, body?: unknown): Promise<Reply> {
    const res = await fetch(`${stack.host.baseUrl}${path}`, {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  async function failover(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const started = await call('POST', '/api/failovers', body);
    expect(started).toMatchObject({ status: 202 });
    const id = started.body.id as string;
    expect(started.body.statusUrl).toMatch(new RegExp(`/api/failovers/${id}$`));
    const ended = await stack.host.durable.waitForInstance(id);
    if (ended.runtimeStatus !== 'Completed')
      throw new Error(`failover ${id} ended ${ended.runtimeStatus}: ${JSON.stringify(ended.output)}`);
    const status = await call('GET', `/api/failovers/${id}`);
    expect(status.status).toBe(200);
    return status.body;
  }

  /** Ready, non-blank copyable items per member (v2.1 copies get new ids: a duplicate shows as one more). */
  function counts(emulator: FormRecognizerEmulator): Record<string, number> {
    return Object.fromEntries(
      Object.entries(MEMBERS).map(([region, resource]) => [
        region,
        itemsOf(emulator, resource).filter((m) => m.ready && !m.blank).length,
      ]),
    );
  }

  function addModel(
    emulator: FormRecognizerEmulator,
    version: TestApiVersion,
    resource: string,
    modelId: string,
  ): string {
    if (isV2(version)) return emulator.addModel(resource, { modelId }).modelId;
    emulator.addDocumentModel(resource, { modelId, apiVersion: version });
    return modelId;
  }

  describe.each(API_VERSIONS)('DR_API_VERSION=%s', (version) => {
    it('unplanned failover with the primary down, a model trained during the outage protected, failback: one copy of each lineage per member', async () => {
      const emulator = (await stack.reset(versionReset(version))) as FormRecognizerEmulator;
      const ready = readySourceIds(emulator);
      const first = await run(stack);
      expect(first.totals.failed).toBe(0);
      const n = ready.length;
      expect(counts(emulator)).toEqual({ westus2: n, eastus: n, westeurope: n });

      // The source region goes down: every request to it has its connection dropped.
      emulator.faults.add(SOURCE, { kind: 'drop', times: 1_000_000 });
      const before = emulator.requestLog.filter((r) => r.resource === SOURCE).length;

      const done = await failover({ to: 'eastus', mode: 'unplanned' });
      expect(done).toMatchObject({ status: 'completed' });
      const record = done.record as Record<string, unknown>;
      expect(record).toMatchObject({ mode: 'unplanned', from: 'westus2', to: 'eastus', status: 'completed' });
      expect(record.withoutCopy).toEqual([]);
      expect(typeof record.achievedRtoSeconds).toBe('number');
      expect(emulator.requestLog.filter((r) => r.resource === SOURCE).length).toBe(before);

      // Routing: asked by the id in any member, it names eastus and the id there.
      const model = ready.find((m) => !m.startsWith('classifier:'))!;
      const eastusId = itemsOf(emulator, TARGETS.eastus).find((m) => m.copiedFrom === model)?.modelId ?? model;
      for (const asked of [model, eastusId]) {
        const route = await call('GET', `/api/routing/${encodeURIComponent(asked)}`);
        expect(route.status).toBe(200);
        expect(route.body.now).toMatchObject({ region: 'eastus', modelId: eastusId });
        expect((route.body.alternates as Array<{ region: string }>).map((a) => a.region).sort()).toEqual([
          'westeurope',
          'westus2',
        ]);
      }
      const ledger = await ledgerOf(stack);
      const published = await ledger.routing.get();
      expect(published?.document.primary).toBe('eastus');
      expect(findSecret(published?.document)).toBeUndefined();
      expect(JSON.stringify(published?.document)).not.toMatch(/key|sig=|token/i);

      // A model trained in eastus during the outage; a run from the new primary protects it.
      const fresh = addModel(emulator, version, TARGETS.eastus, 'trained-in-outage');
      const during = await run(stack);
      expect(during.sourceRegion).toBe('eastus');
      expect(during.totals.failed).toBe(0);
      expect(during.copies).toEqual([expect.objectContaining({ region: 'westeurope' })]);
      expect(during.unverified.some((u) => u.region === 'westus2')).toBe(true);
      expect(emulator.requestLog.filter((r) => r.resource === SOURCE).length).toBeGreaterThan(before);
      expect(counts(emulator)).toEqual({ westus2: n, eastus: n + 1, westeurope: n + 1 });

      // The source comes back; failback = a planned failover to westus2 with its final sync.
      emulator.faults.clear(SOURCE);
      const back = await failover({ to: 'westus2', mode: 'planned' });
      expect(back).toMatchObject({ status: 'completed' });
      const backRecord = back.record as Record<string, unknown>;
      expect(backRecord.finalSync).toMatchObject({ copied: 1, failed: 0 });
      expect(counts(emulator)).toEqual({ westus2: n + 1, eastus: n + 1, westeurope: n + 1 });

      // A run from home afterwards copies nothing: every member holds each lineage exactly once.
      const after = await run(stack);
      expect(after.sourceRegion).toBe('westus2');
      expect(after.totals).toMatchObject({ copied: 0, failed: 0, unverified: 0 });
      expect(counts(emulator)).toEqual({ westus2: n + 1, eastus: n + 1, westeurope: n + 1 });
      const freshRoute = await call('GET', `/api/routing/${encodeURIComponent(fresh)}`);
      expect(freshRoute.body.now).toMatchObject({ region: 'westus2' });
      expect(freshRoute.body.lineage).toMatchObject({ origin: 'eastus', modelId: fresh });

      // The failover lookup names the right id in every member, for the lineage born in eastus too.
      const replicas = await call('GET', `/api/models/${encodeURIComponent(`eastus@${fresh}`)}/replicas`);
      expect(replicas.status).toBe(200);
      expect(replicas.body.source).toMatchObject({ region: 'eastus', modelId: fresh });
      const byRegion = Object.fromEntries(
        (replicas.body.replicas as Array<{ region: string; targetModelId: string; state: string }>).map((r) => [
          r.region,
          r,
        ]),
      );
      expect(Object.keys(byRegion).sort()).toEqual(['westeurope', 'westus2']);
      for (const region of ['westeurope', 'westus2'] as const) {
        expect(byRegion[region].state).toBe('replicated');
        const held = itemsOf(emulator, MEMBERS[region]).map((m) => m.modelId);
        expect(held).toContain(byRegion[region].targetModelId);
      }

      const list = await call('GET', '/api/failovers?limit=5');
      expect((list.body.failovers as unknown[]).length).toBe(2);
    }, 240_000);
  });

  it('400 names each problem; two concurrent POST /api/failovers: exactly one 202', async () => {
    await stack.reset(versionReset('2024-11-30'));
    const bad = await call('POST', '/api/failovers', { to: 'mars', mode: 'sideways', extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^extra: unknown field/),
        expect.stringMatching(/^to: 'mars' is not a member/),
        expect.stringMatching(/^mode: must be one of/),
      ]),
    );
    const primary = await call('POST', '/api/failovers', { to: 'westus2', mode: 'planned' });
    expect(primary.body.problems).toEqual([expect.stringMatching(/already the primary/)]);

    const replies = await Promise.all([
      call('POST', '/api/failovers', { to: 'eastus', mode: 'unplanned', dryRun: true }),
      call('POST', '/api/failovers', { to: 'westeurope', mode: 'unplanned', dryRun: true }),
    ]);
    expect(replies.map((r) => r.status).sort()).toEqual([202, 409]);
    const refused = replies.find((r) => r.status === 409)!;
    const accepted = replies.find((r) => r.status === 202)!;
    expect(refused.body.error).toContain(accepted.body.id as string);
    await stack.host.durable.waitForInstance(accepted.body.id as string);
    const ledger = await ledgerOf(stack);
    expect((await ledger.primary.read('westus2')).state.primary).toBe('westus2');
  });

  it('planned failover refused while a model has no verified copy in `to`, then forced', async () => {
    const emulator = (await stack.reset(versionReset('2024-11-30'))) as FormRecognizerEmulator;
    await run(stack);
    const extra = addModel(emulator, '2024-11-30', SOURCE, 'not-copyable-yet');
    emulator.faults.add(SOURCE, {
      kind: 'copyFails',
      code: 'ResourceResolverError',
      message: 'Could not fetch information for Cognitive resource.',
      times: 100,
      when: (r) => r.modelId === extra,
    });
    const refused = await failover({ to: 'eastus', mode: 'planned' });
    expect(refused.status).toBe('refused');
    expect((refused.record as Record<string, unknown>).refusedModels).toEqual([extra]);
    expect((await (await ledgerOf(stack)).primary.read('westus2')).state.primary).toBe('westus2');

    const forced = await failover({ to: 'eastus', mode: 'planned', force: true });
    expect(forced.status).toBe('completed');
    expect((forced.record as Record<string, unknown>).withoutCopy).toEqual([extra]);
    expect((await (await ledgerOf(stack)).primary.read('westus2')).state.primary).toBe('eastus');
  });
});
