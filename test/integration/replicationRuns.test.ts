/**
 * What a replication run copies and reports: new models, invalid and creating ones, dry runs,
 * model and region filters. Local host + Azurite + emulator on a virtual clock.
 */
import { VirtualClock } from '../../dev/clock';
import { QUIET_STACK, useLocalStack } from '../support/stack';
import { ReplicaRepository } from '../../src/ledger/replicas';
import { SOURCE, TARGETS, expectSettled, ledgerBlobs, ledgerOf, readySourceIds, run } from './replicationHarness';

describe('replication runs: what gets copied and reported', () => {
  const clock = new VirtualClock('2026-11-21T00:00:00Z');
  const stack = useLocalStack({ clock, ...QUIET_STACK });

  it('copies a model added to the source later on the next run, and only that one', async () => {
    const emulator = await stack.reset();
    const first = await run(stack);
    expect(first.totals.failed).toBe(0);

    emulator.addModel(SOURCE, { modelId: 'late-model', modelName: 'late arrival' });
    const second = await run(stack);

    expect(second.totals.planned).toBe(2);
    expect(second.copies.map((c) => `${c.region}/${c.sourceModelId}`).sort()).toEqual([
      'eastus/late-model',
      'westeurope/late-model',
    ]);
    expect(second.totals.alreadyReplicated).toBe(first.totals.copied);
    for (const region of ['eastus', 'westeurope'] as const) {
      const copy = emulator.models(TARGETS[region]).find((m) => m.copiedFrom?.modelId === 'late-model');
      expect(copy).toMatchObject({ status: 'ready', modelName: 'late arrival' });
      expect(copy?.modelId).not.toBe('late-model'); // a new id in every target
    }
    await expectSettled(stack, second);
  });

  it('rides out a passing ledger failure inside a copy: the step is retried, the pair is copied, not failed', async () => {
    // Prepare: the first two replica writes after a verified copy fail like storage that is briefly down.
    const emulator = await stack.reset();
    const original = ReplicaRepository.prototype.markReplicated;
    let failuresLeft = 2;
    const spy = jest.spyOn(ReplicaRepository.prototype, 'markReplicated').mockImplementation(function (
      this: ReplicaRepository,
      ...args
    ) {
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        return Promise.reject(new Error('storage unavailable (503)'));
      }
      return original.apply(this, args);
    });
    try {
      // Act
      const summary = await run(stack);
      // Assess
      expect(failuresLeft).toBe(0);
      expect(summary.totals.failed).toBe(0);
      expect(summary.totals.copied).toBe(readySourceIds(emulator).length * 2);
      await expectSettled(stack, summary);
    } finally {
      spy.mockRestore();
    }
  });

  it('reports invalid and creating models without copying them', async () => {
    const emulator = await stack.reset();
    emulator.addModel(SOURCE, { modelId: 'still-training', status: 'creating' });
    const invalid = emulator
      .models(SOURCE)
      .filter((m) => m.status === 'invalid')
      .map((m) => m.modelId);
    expect(invalid.length).toBeGreaterThan(0);

    const summary = await run(stack);

    expect(summary.invalidModels.map((m) => m.modelId)).toEqual(invalid);
    expect(summary.creatingModels.map((m) => m.modelId)).toEqual(['still-training']);
    const copied = new Set(summary.copies.map((c) => c.sourceModelId));
    expect(copied.has('still-training')).toBe(false);
    for (const id of invalid) expect(copied.has(id)).toBe(false);
    expect([...copied].sort()).toEqual(readySourceIds(emulator));
    // Nothing was even attempted for them.
    expect(
      emulator.requestLog.filter(
        (r) => r.call === 'copy' && (invalid.includes(r.modelId ?? '') || r.modelId === 'still-training'),
      ),
    ).toEqual([]);
    const report = await (await ledgerOf(stack)).runReports.get(summary.runId);
    expect(report?.invalidModels).toEqual(invalid);
    expect(report?.creatingModels).toEqual(['still-training']);
    await expectSettled(stack, summary);
  });

  it('a dry run returns the plan and changes nothing: no target model, no ledger write', async () => {
    const emulator = await stack.reset();
    const ready = readySourceIds(emulator);

    const summary = await run(stack, { dryRun: true });

    expect(summary.dryRun).toBe(true);
    expect(summary.totals).toMatchObject({ planned: ready.length * 2, copied: 0, failed: 0 });
    expect(summary.plan?.toCopy.map((p) => `${p.region}/${p.sourceModelId}`).sort()).toEqual(
      ['eastus', 'westeurope'].flatMap((r) => ready.map((id) => `${r}/${id}`)).sort(),
    );
    expect(emulator.models(TARGETS.eastus)).toEqual([]);
    expect(emulator.models(TARGETS.westeurope)).toEqual([]);
    expect(emulator.requestLog.filter((r) => ['authorize', 'copy', 'deleteModel'].includes(r.call ?? ''))).toEqual([]);
    expect([...(await ledgerBlobs(stack, { records: true })).keys()]).toEqual([]);
  });

  it('a dry run after a real run plans only what is missing', async () => {
    const emulator = await stack.reset();
    await run(stack, { regions: ['eastus'] });
    const before = await ledgerBlobs(stack, { records: true });

    const summary = await run(stack, { dryRun: true });

    const ready = readySourceIds(emulator);
    expect(summary.plan?.alreadyReplicated).toHaveLength(ready.length);
    expect(summary.plan?.toCopy.every((p) => p.region === 'westeurope')).toBe(true);
    expect(summary.plan?.toCopy).toHaveLength(ready.length);
    expect(await ledgerBlobs(stack, { records: true })).toEqual(before);
    expect(emulator.models(TARGETS.westeurope)).toEqual([]);
  });

  it('copies only the models and regions a run asks for, and names the unknown ones', async () => {
    const emulator = await stack.reset();
    const [first, second] = readySourceIds(emulator);

    const summary = await run(stack, { models: [first, second, 'no-such-model'], regions: ['westeurope', 'mars'] });

    expect(summary.regions).toEqual(['westeurope']);
    expect(summary.unknownRegions).toEqual(['mars']);
    expect(summary.notFoundModels).toEqual(['no-such-model']);
    expect(summary.copies.map((c) => `${c.region}/${c.sourceModelId}`).sort()).toEqual(
      [`westeurope/${first}`, `westeurope/${second}`].sort(),
    );
    expect(emulator.models(TARGETS.eastus)).toEqual([]);
    expect(
      emulator
        .models(TARGETS.westeurope)
        .map((m) => m.copiedFrom?.modelId)
        .sort(),
    ).toEqual([first, second].sort());
    await expectSettled(stack, summary);

    // The rest is copied by an unfiltered run; the filtered pairs are not copied twice.
    const rest = await run(stack);
    expect(rest.totals.alreadyReplicated).toBe(2);
    expect(rest.copies.some((c) => c.region === 'westeurope' && [first, second].includes(c.sourceModelId))).toBe(false);
    await expectSettled(stack, rest);
  });

  it('a reset undoes the settings the previous reset overrode (no leak between tests)', async () => {
    await stack.reset({ env: { DR_COPY_DEADLINE_MINUTES: '1440', DR_MAX_PARALLEL: '1' } });
    expect(process.env.DR_COPY_DEADLINE_MINUTES).toBe('1440');

    await stack.reset();

    expect(stack.env.DR_COPY_DEADLINE_MINUTES).toBeUndefined();
    expect(process.env.DR_COPY_DEADLINE_MINUTES).toBeUndefined();
    expect(process.env.DR_MAX_PARALLEL).toBeUndefined();
  });
});
