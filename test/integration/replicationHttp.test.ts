/**
 * The replication HTTP API and the schedule, over real HTTP to the local host:
 * start a run, read its status, the failover lookup of a model's replicas, the readiness
 * report; the timer skipping while a run is in progress.
 */
import { VirtualClock } from '../../dev/clock';
import { DurableEngine } from '../../dev/host/engine';
import { QUIET_STACK, useLocalStack } from '../support/stack';
import type { RunSummary } from '../../src/replication/contracts';
import { SOURCE, TARGETS, collectingLogger, expectSettled, readySourceIds, run } from './replicationHarness';

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

describe('replication HTTP API and schedule', () => {
  const clock = new VirtualClock('2026-11-21T00:00:00Z');
  const logs = collectingLogger();
  const stack = useLocalStack({ ...QUIET_STACK, clock, logger: logs.logger });

  async function call(method: string, path: string, body?: string): Promise<Reply> {
    const res = await fetch(`${stack.host.baseUrl}/api/${path}`, {
      method,
      body,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    };
  }

  function replicationRuns(): string[] {
    return stack.host.durable
      .list()
      .filter((s) => s.name === 'replicateModels')
      .map((s) => s.instanceId);
  }

  it('POST /api/replications → 202 with Location; GET shows Running, then Completed with summary and progress', async () => {
    const emulator = await stack.reset();
    const ready = readySourceIds(emulator);

    const started = await call('POST', 'replications', JSON.stringify({ regions: ['eastus'] }));

    expect(started.status).toBe(202);
    const id = started.body.id as string;
    const location = started.headers.get('location');
    expect(location).toBe(`${stack.host.baseUrl}/api/replications/${encodeURIComponent(id)}`);
    expect(started.body.statusUrl).toBe(location);

    const running = await call('GET', `replications/${encodeURIComponent(id)}`);
    expect(running.status).toBe(200);
    expect(['Pending', 'Running']).toContain(running.body.runtimeStatus);
    expect(running.body.summary).toBeUndefined();

    // A second start while the first runs: 409 naming the run in progress.
    const conflict = await call('POST', 'replications', '{}');
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ id, error: expect.stringContaining(id) });
    expect(replicationRuns()).toEqual([id]);

    await stack.host.durable.waitForInstance(id);
    const done = await fetch(location as string).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as Record<string, unknown>,
    }));
    expect(done.status).toBe(200);
    expect(done.body.runtimeStatus).toBe('Completed');
    expect(done.body.progress).toMatchObject({
      phase: 'done',
      total: ready.length,
      done: ready.length,
      copied: ready.length,
      failed: 0,
    });
    const summary = done.body.summary as RunSummary;
    expect(summary).toMatchObject({
      runId: id,
      trigger: 'http',
      regions: ['eastus'],
      totals: { copied: ready.length, failed: 0 },
    });
    await expectSettled(stack, summary);

    // Once it is over, a new run may start.
    const again = await call('POST', 'replications', JSON.stringify({ dryRun: true }));
    expect(again.status).toBe(202);
    expect(again.body.dryRun).toBe(true);
    await stack.host.durable.waitForInstance(again.body.id as string);
  });

  it('shows per-pair progress while copying', async () => {
    await stack.reset();
    const started = await call('POST', 'replications', '');
    expect(started.status).toBe(202);
    const id = started.body.id as string;
    // Let listing and planning finish and the copies start, without moving the clock.
    await stack.host.runUntilIdle({ advanceTime: false });

    const running = await call('GET', `replications/${encodeURIComponent(id)}`);
    expect(running.body.runtimeStatus).toBe('Running');
    expect(running.body.progress).toMatchObject({ phase: 'copying', total: 10, done: 0 });

    await stack.host.durable.waitForInstance(id);
  });

  it.each([
    ['not JSON', '{models:', /body: not valid JSON/],
    ['not an object', '[1,2]', /body: must be a JSON object/],
    ['an unknown field', '{"model": ["a"]}', /model: unknown field/],
    ['models not an array', '{"models": "a"}', /models: must be an array of strings/],
    ['an empty models list', '{"models": []}', /models: must not be empty/],
    ['a bad model id', '{"models": ["../etc"]}', /models\[0\]: '..\/etc' is not a model id/],
    ['an unconfigured region', '{"regions": ["mars"]}', /regions\[0\]: 'mars' is not a configured target region/],
    ['a non-boolean dryRun', '{"dryRun": "yes"}', /dryRun: must be true or false/],
  ])('POST /api/replications with %s → 400 naming the problem', async (_name, body, problem) => {
    await stack.reset();
    const before = replicationRuns().length;

    const res = await call('POST', 'replications', body);

    expect(res.status).toBe(400);
    expect(res.body.problems).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
    expect(replicationRuns()).toHaveLength(before);
  });

  it('GET /api/replications/{id} → 404 for an unknown run and for an instance that is not a run', async () => {
    const emulator = await stack.reset();
    const [model] = readySourceIds(emulator);
    expect((await call('GET', 'replications/no-such-run')).status).toBe(404);

    const summary = await run(stack, { models: [model], regions: ['eastus'] });
    const copyInstance = stack.host.durable
      .list()
      .find((s) => s.name === 'copyModelToRegion' && s.instanceId.startsWith(summary.runId));
    expect(copyInstance).toBeDefined();
    expect((await call('GET', `replications/${encodeURIComponent(copyInstance?.instanceId ?? '')}`)).status).toBe(404);
  });

  it('GET /api/replications/{id} → 500, not 404, when the status query itself fails', async () => {
    await stack.reset();
    const original = DurableEngine.prototype.getStatus;
    const spy = jest.spyOn(DurableEngine.prototype, 'getStatus').mockImplementation(function (
      this: DurableEngine,
      id: string,
    ) {
      if (id === 'status-store-down') throw new Error('task hub storage unavailable');
      return original.call(this, id);
    });
    try {
      const res = await call('GET', 'replications/status-store-down');
      expect(res.status).toBe(500);
    } finally {
      spy.mockRestore();
    }
  });

  it('GET /api/models/{id}/replicas → per region target model id, state and lastVerifiedAt; 404 for an unknown model', async () => {
    const emulator = await stack.reset();
    const [model] = readySourceIds(emulator);
    const summary = await run(stack, { models: [model] });
    clock.advance(90_000);

    const res = await call('GET', `models/${encodeURIComponent(model)}/replicas`);

    expect(res.status).toBe(200);
    const replicas = res.body.replicas as Array<Record<string, unknown>>;
    expect(replicas.map((r) => r.region)).toEqual(['eastus', 'westeurope']);
    for (const r of replicas) {
      const region = r.region as keyof typeof TARGETS;
      const copy = summary.copies.find((c) => c.region === region);
      expect(r).toMatchObject({
        state: 'replicated',
        targetModelId: copy?.targetModelId,
        lastVerifiedAt: expect.any(String),
        endpoint: stack.emulator?.resource(TARGETS[region]).endpoint,
      });
      expect(r.ageSeconds).toBeGreaterThanOrEqual(90);
      expect(emulator.models(TARGETS[region]).find((m) => m.modelId === r.targetModelId)?.copiedFrom?.modelId).toBe(
        model,
      );
    }
    expect(res.body.source).toMatchObject({ region: 'westus2' });

    const unknown = await call('GET', 'models/no-such-model/replicas');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatch(/no-such-model/);
  });

  it('GET /api/models/{id}/replicas → 400, not 500, for an id too long to be a model id', async () => {
    await stack.reset();
    const res = await call('GET', `models/${'m'.repeat(1100)}/replicas`);
    expect(res.status).toBe(400);
    expect(res.body.problems).toEqual([expect.stringContaining('sourceModelId')]);
  });

  it('GET /api/report → model × region matrix with replicated, missing and failed cells', async () => {
    const emulator = await stack.reset();
    const [broken, ...fine] = readySourceIds(emulator);
    emulator.faults.add(SOURCE, {
      kind: 'copyFails',
      code: 'ResourceResolverError',
      message: "Could not fetch information for Cognitive resource with Id 'x'.",
      when: (req) => req.modelId === broken,
    });
    await run(stack, { regions: ['eastus'] });

    const res = await call('GET', 'report');

    expect(res.status).toBe(200);
    const rows = res.body.rows as Array<{
      sourceModelId: string;
      cells: Record<string, { status: string; targetModelId?: string; lastError?: { message: string } }>;
      ready: boolean;
    }>;
    expect(rows.map((r) => r.sourceModelId).sort()).toEqual([broken, ...fine].sort());
    const brokenRow = rows.find((r) => r.sourceModelId === broken);
    expect(brokenRow?.cells.eastus).toMatchObject({
      status: 'failed',
      lastError: { message: expect.stringMatching(/ResourceResolverError/) },
    });
    expect(brokenRow?.cells.westeurope.status).toBe('missing');
    for (const id of fine) {
      const row = rows.find((r) => r.sourceModelId === id);
      expect(row?.cells.eastus).toMatchObject({ status: 'replicated', targetModelId: expect.any(String) });
      expect(row?.cells.westeurope.status).toBe('missing');
      expect(row?.ready).toBe(false);
    }
    expect(res.body.totals).toMatchObject({
      models: fine.length + 1,
      replicated: fine.length,
      failed: 1,
      missing: fine.length + 1,
      readyModels: 0,
    });
    expect(res.body.notCopyable).toEqual(
      emulator
        .models(SOURCE)
        .filter((m) => m.status !== 'ready')
        .map((m) => expect.objectContaining({ modelId: m.modelId })),
    );

    // After a full run every cell is replicated.
    await run(stack);
    const after = await call('GET', 'report');
    expect(after.body.totals).toMatchObject({
      replicated: (fine.length + 1) * 2,
      missing: 0,
      failed: 0,
      readyModels: fine.length + 1,
    });
  });

  it('the timer firing while a run is in progress logs and skips', async () => {
    await stack.reset();
    const before = new Set(replicationRuns());

    await stack.host.timers.fire('replicationSchedule');
    const started = replicationRuns().filter((id) => !before.has(id));
    expect(started).toHaveLength(1);
    await stack.host.timers.fire('replicationSchedule');

    expect(replicationRuns().filter((id) => !before.has(id))).toEqual(started);
    expect(
      logs.entries.some(
        (e) =>
          e.category === 'replicationSchedule' && /still .*skipped/.test(e.message) && e.message.includes(started[0]),
      ),
    ).toBe(true);
    const status = await stack.host.durable.waitForInstance(started[0]);
    expect(status.runtimeStatus).toBe('Completed');
    expect((status.output as RunSummary).trigger).toBe('schedule');

    // Once the run is over the next occurrence starts a new one.
    await stack.host.timers.fire('replicationSchedule');
    expect(replicationRuns().filter((id) => !before.has(id))).toHaveLength(2);
    await stack.host.runUntilIdle();
  });
});
