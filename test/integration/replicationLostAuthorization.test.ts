/**
 * Lost authorization answers (v2.1): the target created a blank model but the answer to
 * `copyAuthorization` was dropped after the request was handled, so the app never learned its
 * id. The intent recorded before the call lets the sweep find that model (created within the
 * call's window, never ready, unknown to the ledger) and delete it — and nothing it cannot tell
 * is its own. The copy activities run at least once (their first result is lost).
 */
import { VirtualClock } from '../../dev/clock';
import type { FormRecognizerEmulator } from '../../dev/emulators/formRecognizer';
import { useLocalStack } from '../support/stack';
import { SOURCE, TARGETS, itemsOf, ledgerOf, plainSourceModel, run } from './replicationHarness';

describe('replication after a lost copyAuthorization answer (v2.1)', () => {
  const clock = new VirtualClock('2026-11-21T00:00:00Z');
  const stack = useLocalStack({
    clock,
    logger: () => undefined,
    host: {
      timerSchedules: false,
      atLeastOnce: [
        { activity: 'startCopy', count: 4 },
        { activity: 'finishCopy', count: 2 },
      ],
    },
  });

  it('two dropped answers: the run and the sweeps leave no blank model of ours; a foreign blank model stays', async () => {
    const emulator = (await stack.reset({ env: { DR_API_VERSION: 'v2.1' } })) as FormRecognizerEmulator;
    const model = plainSourceModel(emulator);
    // Someone else's blank model and a ready model, from well before the run.
    emulator.addModel(TARGETS.eastus, { modelId: 'foreign-blank', status: 'creating' });
    emulator.addModel(TARGETS.eastus, { modelId: 'foreign-ready', status: 'ready' });
    clock.advance(30 * 60_000);
    // The target handles two authorize calls (creating their blank models) and the answers are lost.
    emulator.faults.add(TARGETS.eastus, { kind: 'drop', phase: 'after', call: 'authorize', times: 2 });

    const summary = await run(stack, { models: [model], regions: ['eastus'] });

    expect(summary.totals).toMatchObject({ copied: 1, failed: 0 });
    const dropped = emulator.requestLog.filter((r) => r.call === 'authorize' && r.fault === 'drop');
    expect(dropped).toHaveLength(2);
    const items = itemsOf(emulator, TARGETS.eastus);
    const [copy] = summary.copies;
    expect(items.map((m) => m.modelId).sort()).toEqual([copy.targetModelId, 'foreign-blank', 'foreign-ready'].sort());
    expect(items.find((m) => m.modelId === copy.targetModelId)).toMatchObject({ ready: true, copiedFrom: model });
    const ledger = await ledgerOf(stack);
    expect(await ledger.copyIntents.listAll()).toEqual([]);
    expect(await ledger.pendingTargets.listAll()).toEqual([]);

    // The next run's sweep changes nothing more: the foreign models are never ours to delete.
    await run(stack, { models: [model], regions: ['eastus'] });
    expect(
      itemsOf(emulator, TARGETS.eastus)
        .map((m) => m.modelId)
        .sort(),
    ).toEqual([copy.targetModelId, 'foreign-blank', 'foreign-ready'].sort());
    expect(emulator.models(SOURCE).length).toBeGreaterThan(0);
  });
});
