/**
 * Replication under faults: expired, reused and invalid authorizations, transient and
 * permanent copy failures, encryption downgrade, throttling, 5xx on every call, activities
 * re-executed after their side effect, a timer firing during a run, a listing failing
 * mid-pagination. Every run must end with each pair copied exactly once or failed with its
 * reason, and no blank target model left behind (`expectSettled`).
 */
import { VirtualClock } from '../../dev/clock';
import { defaultResourceSpecs, type CallKind, type FormRecognizerEmulator } from '../../dev/emulators/formRecognizer';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { SOURCE, TARGETS, expectSettled, failureOf, ledgerOf, readySourceIds, run } from './replicationHarness';

const DAY_MS = 24 * 3600_000;

describe('replication under faults', () => {
  let stack: LocalStack;
  const clock = new VirtualClock('2026-11-21T00:00:00Z');

  beforeAll(async () => {
    stack = await startLocalStack({ clock, logger: () => undefined, host: { timerSchedules: false } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** Copy POSTs the source answered 202 for (accepted copies), by source model. */
  function acceptedCopies(emulator: FormRecognizerEmulator, modelId: string): number {
    return emulator.requestLog.filter((r) => r.call === 'copy' && r.status === 202 && r.modelId === modelId).length;
  }

  it('an authorization that expired before the copy POST arrived (a 25 h stall) is never used again: the pair fails with the reason, the next run copies it', async () => {
    const emulator = await stack.reset();
    const [model] = readySourceIds(emulator);
    // The first copy POST arrives 25 h after its authorization was issued: the clock jumps
    // inside the request (a zero-length delay re-reads the clock), so the source sees an
    // expired authorization and answers the documented 400 1002.
    emulator.faults.add(SOURCE, {
      kind: 'delay',
      ms: 0,
      call: 'copy',
      when: () => {
        clock.advance(DAY_MS + 3600_000);
        return true;
      },
    });

    const summary = await run(stack, { models: [model], regions: ['eastus'] });

    expect(emulator.requestLog.filter((r) => r.call === 'copy').map((r) => r.status)).toEqual([400]);
    // The stall also overran the pair's 60-minute deadline: it stops, naming the expiry.
    expect(failureOf(summary, model, 'eastus')).toMatchObject({ attempts: 1, reason: { kind: 'deadline', code: '1002', message: expect.stringMatching(/expired/) } });
    await expectSettled(stack, summary);
    expect(emulator.models(TARGETS.eastus)).toEqual([]); // the expired authorization's blank model is gone

    const next = await run(stack, { models: [model], regions: ['eastus'] });
    expect(next.copies).toEqual([expect.objectContaining({ sourceModelId: model, region: 'eastus' })]);
    expect(acceptedCopies(emulator, model)).toBe(1);
    await expectSettled(stack, next);
  });

  it('the documented 400 1002 "expired" answer to a copy POST leads to a new authorization and one copy', async () => {
    const emulator = await stack.reset();
    const [model] = readySourceIds(emulator);
    emulator.faults.add(SOURCE, { kind: 'status', status: 400, code: '1002', message: "The 'expirationDateTimeTicks' of the copy authorization has expired.", call: 'copy' });

    const summary = await run(stack, { models: [model], regions: ['eastus'] });

    expect(summary.copies).toEqual([expect.objectContaining({ sourceModelId: model, region: 'eastus' })]);
    expect(emulator.requestLog.filter((r) => r.call === 'authorize')).toHaveLength(2);
    expect(acceptedCopies(emulator, model)).toBe(1);
    await expectSettled(stack, summary);
  });

  it('a long throttling episode (hours of Retry-After) never sends an expired authorization', async () => {
    const emulator = await stack.reset({ env: { DR_COPY_DEADLINE_MINUTES: '1440' } });
    const [model] = readySourceIds(emulator);
    // 20 hours of 429s with Retry-After: 1 h on the copy POST.
    emulator.faults.add(SOURCE, { kind: 'throttle', retryAfterSeconds: 3600, call: 'copy', times: 20 });

    const summary = await run(stack, { models: [model], regions: ['eastus'] });

    expect(summary.copies).toEqual([expect.objectContaining({ sourceModelId: model, region: 'eastus' })]);
    const posts = emulator.requestLog.filter((r) => r.call === 'copy');
    expect(posts.filter((r) => r.status === 429)).toHaveLength(20);
    expect(posts.filter((r) => r.status === 400)).toEqual([]);
    expect(acceptedCopies(emulator, model)).toBe(1);
    // Honoured Retry-After: consecutive throttled POSTs are at least an hour apart.
    for (let i = 1; i < posts.length; i++) expect(posts[i].time - posts[i - 1].time).toBeGreaterThanOrEqual(3600_000);
    await expectSettled(stack, summary);
  });

  it('an authorization found expired after a throttling episode on the copy result is renewed', async () => {
    const emulator = await stack.reset({ env: { DR_COPY_DEADLINE_MINUTES: '1440' } });
    const [model] = readySourceIds(emulator);
    // The first copy is accepted but then fails as if its authorization had expired while
    // its result could not be read for hours.
    emulator.faults.add(SOURCE, { kind: 'throttle', retryAfterSeconds: 1800, call: 'copyResult', times: 8 });
    emulator.faults.add(SOURCE, { kind: 'copyFails', code: 'AuthorizationError', message: 'Authorization failure due to missing or invalid authorization claims.' });

    const summary = await run(stack, { models: [model], regions: ['eastus'] });

    expect(summary.copies).toEqual([expect.objectContaining({ sourceModelId: model, region: 'eastus' })]);
    expect(acceptedCopies(emulator, model)).toBe(2);
    await expectSettled(stack, summary);
  });

  it('a reused authorization ("2024") is replaced by a new one', async () => {
    const emulator = await stack.reset();
    const [model] = readySourceIds(emulator);
    emulator.faults.add(SOURCE, {
      kind: 'copyFails',
      code: '2024',
      message: 'Could not retrieve authorization metadata. If this issue persists use a different target model to copy into.',
    });

    const summary = await run(stack, { models: [model], regions: ['eastus'] });

    expect(summary.copies).toEqual([expect.objectContaining({ sourceModelId: model, region: 'eastus' })]);
    expect(emulator.requestLog.filter((r) => r.call === 'authorize')).toHaveLength(2);
    expect(emulator.requestLog.filter((r) => r.call === 'deleteModel' && r.status === 204)).toHaveLength(1);
    await expectSettled(stack, summary);
  });

  it('a transient copy failure is retried with a new authorization, then succeeds', async () => {
    const emulator = await stack.reset();
    const ready = readySourceIds(emulator);
    emulator.faults.add(SOURCE, { kind: 'copyFails', code: 'InternalServerError', message: 'An unexpected error occurred.', times: 3 });

    const summary = await run(stack);

    expect(summary.totals).toMatchObject({ copied: ready.length * 2, failed: 0 });
    await expectSettled(stack, summary);
  });

  it('a copy that keeps failing transiently gives up after the bounded attempts, with the reason', async () => {
    const emulator = await stack.reset();
    const [model] = readySourceIds(emulator);
    emulator.faults.add(SOURCE, { kind: 'copyFails', code: 'InternalServerError', message: 'An unexpected error occurred.', times: Infinity });

    const summary = await run(stack, { models: [model], regions: ['eastus'] });

    const failure = failureOf(summary, model, 'eastus');
    expect(failure?.reason.message).toMatch(/InternalServerError/);
    expect(failure?.attempts).toBe(4);
    await expectSettled(stack, summary);
    const record = await (await ledgerOf(stack)).replicas.get(model, 'eastus');
    expect(record).toMatchObject({ state: 'failed', lastError: expect.objectContaining({ message: expect.stringMatching(/InternalServerError/) }) });
  });

  it('an unknown target resource (ResourceResolverError) fails its pairs at once; other regions are copied', async () => {
    const emulator = await stack.reset({
      targetOptions: { eastus: { resourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-gone/providers/Microsoft.CognitiveServices/accounts/fr-gone' } },
    });
    const ready = readySourceIds(emulator);

    const summary = await run(stack);

    expect(summary.copies.filter((c) => c.region === 'westeurope')).toHaveLength(ready.length);
    expect(summary.failures.map((f) => f.sourceModelId).sort()).toEqual(ready);
    for (const f of summary.failures) {
      expect(f.region).toBe('eastus');
      expect(f.reason).toMatchObject({ kind: 'permanent', code: 'ResourceResolverError' });
      expect(f.attempts).toBe(1);
    }
    await expectSettled(stack, summary);
    expect(emulator.models(TARGETS.eastus)).toEqual([]);
  });

  describe('encrypted source → unencrypted targets', () => {
    const encryptedSource = () => defaultResourceSpecs().map((r) => (r.name === SOURCE ? { ...r, encrypted: true } : r));

    it('without allowDegrade: fails with the downgrade reason, nothing left behind', async () => {
      const emulator = await stack.reset({ resources: encryptedSource() });
      const ready = readySourceIds(emulator);

      const summary = await run(stack);

      expect(summary.totals).toMatchObject({ copied: 0, failed: ready.length * 2 });
      for (const f of summary.failures) {
        expect(f.reason).toMatchObject({ kind: 'permanent', code: 'DataProtectionTransformServiceError' });
        expect(f.reason.message).toMatch(/downgrade/i);
        expect(f.attempts).toBe(1);
      }
      await expectSettled(stack, summary);
    });

    it('with allowDegrade on one target: that target gets copies, the other fails', async () => {
      const emulator = await stack.reset({ resources: encryptedSource(), targetOptions: { eastus: { allowDegrade: true } } });
      const ready = readySourceIds(emulator);

      const summary = await run(stack);

      expect(summary.copies.map((c) => c.region)).toEqual(ready.map(() => 'eastus'));
      expect(summary.failures.map((f) => f.region)).toEqual(ready.map(() => 'westeurope'));
      await expectSettled(stack, summary);
    });
  });

  it('bursts of 429 with Retry-After on every call, with the S0 rate limits on', async () => {
    const emulator = await stack.reset({ emulator: { rateLimits: true } });
    const ready = readySourceIds(emulator);
    const calls: CallKind[] = ['list', 'authorize', 'copy', 'copyResult', 'getModel', 'deleteModel'];
    for (const resource of [SOURCE, TARGETS.eastus, TARGETS.westeurope]) {
      for (const call of calls) emulator.faults.add(resource, { kind: 'throttle', retryAfterSeconds: 7, call, times: 3 });
    }

    const summary = await run(stack);

    expect(summary.totals).toMatchObject({ copied: ready.length * 2, failed: 0 });
    expect(emulator.requestLog.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(3 * 5);
    await expectSettled(stack, summary);
  });

  it('5xx on every kind of call (list, authorize, copy, copyResult, getModel, delete) still ends settled', async () => {
    const emulator = await stack.reset();
    const ready = readySourceIds(emulator);
    const calls: CallKind[] = ['list', 'authorize', 'copy', 'copyResult', 'getModel', 'deleteModel'];
    for (const resource of [SOURCE, TARGETS.eastus, TARGETS.westeurope]) {
      for (const call of calls) {
        emulator.faults.add(resource, { kind: 'status', status: 500, call, times: 2 });
        emulator.faults.add(resource, { kind: 'status', status: 503, call, times: 1, retryAfterSeconds: 2 });
      }
    }
    // Make some deletes happen: the first copy of two models fails and leaves a blank model to delete.
    emulator.faults.add(SOURCE, { kind: 'copyFails', code: 'InternalServerError', message: 'An unexpected error occurred.', times: 2 });

    const summary = await run(stack);

    expect(summary.totals).toMatchObject({ copied: ready.length * 2, failed: 0 });
    for (const call of calls) expect(emulator.requestLog.some((r) => r.call === call && r.status >= 500)).toBe(true);
    await expectSettled(stack, summary);
  });

  it('the source listing failing on its 2nd page is retried as a whole: no model lost, none doubled', async () => {
    const emulator = await stack.reset();
    for (let i = 0; i < 40; i++) emulator.addModel(SOURCE, { modelId: `bulk-${String(i).padStart(2, '0')}` });
    const ready = readySourceIds(emulator);
    expect(ready.length).toBeGreaterThan(30);
    emulator.faults.add(SOURCE, { kind: 'status', status: 503, call: 'list', when: (req) => req.path.includes('nextLink'), times: 2 });

    const summary = await run(stack, { regions: ['eastus'] });

    expect(summary.totals.readyModels).toBe(ready.length);
    expect(summary.copies.map((c) => c.sourceModelId).sort()).toEqual(ready);
    expect(emulator.requestLog.filter((r) => r.call === 'list' && r.resource === SOURCE && r.status === 503)).toHaveLength(2);
    await expectSettled(stack, summary);
  });

  it('a source that cannot be listed fails the run with a reason and copies nothing', async () => {
    const emulator = await stack.reset();
    emulator.faults.add(SOURCE, { kind: 'status', status: 503, call: 'list', when: (req) => req.path.includes('nextLink') || req.path.includes('op=full'), times: Infinity });

    const id = await stack.host.durable.startNew('replicateModels', { input: { trigger: 'local' } });
    const status = await stack.host.durable.waitForInstance(id);

    expect(status.runtimeStatus).toBe('Failed');
    expect(JSON.stringify(status.output)).toMatch(/listModels|503|ServiceUnavailable/);
    expect(emulator.models(TARGETS.eastus)).toEqual([]);
    expect(emulator.requestLog.filter((r) => r.call === 'authorize')).toEqual([]);
  });

  it('a target that cannot be listed does not fail the run: its pairs are planned from the ledger, nothing copied twice', async () => {
    const emulator = await stack.reset();
    const first = await run(stack);
    expect(first.totals.failed).toBe(0);
    emulator.faults.add(TARGETS.eastus, { kind: 'status', status: 503, call: 'list', times: Infinity });

    const second = await run(stack);

    expect(second.unverifiedRegions).toEqual([{ region: 'eastus', reason: expect.stringMatching(/could not be listed.*503/) }]);
    expect(second.totals).toMatchObject({ copied: 0, failed: 0, alreadyReplicated: first.totals.copied });
    await expectSettled(stack, second);
  });
});
