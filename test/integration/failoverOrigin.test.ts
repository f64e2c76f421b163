/**
 * A `409 ModelExists` on the lineage's origin inside the copy step (docs/failover.md): after a
 * failover, a run copying back into the origin member meets the original under the same id (it
 * carries no lineage tags: it *is* the origin). The copy step records it present, verified — not a
 * conflict, not a second copy — through the local host, Azurite and the emulator (2023-07-31 and
 * 2024-11-30: the caller chooses ids). Planning already treats the origin as present when it sees
 * it in its listing; here the ledger holds a failed record of the pair, so the pair reaches the
 * copy step.
 */
import { VirtualClock } from '../../dev/clock';
import type { FormRecognizerEmulator } from '../../dev/emulators/formRecognizer';
import { useLocalStack } from '../support/stack';
import { SOURCE, TARGETS, itemsOf, ledgerOf, run, versionReset } from './replicationHarness';

describe('409 ModelExists on the lineage origin in the copy step', () => {
  const clock = new VirtualClock('2026-12-01T00:00:00Z');
  const stack = useLocalStack({
    clock,
    logger: () => undefined,
    host: { timerSchedules: false, atLeastOnce: [{ activity: 'startCopy', count: 2 }] },
  });

  it.each(['2023-07-31', '2024-11-30'] as const)(
    '%s: the original is recorded present, not a conflict',
    async (version) => {
      const emulator = (await stack.reset(versionReset(version))) as FormRecognizerEmulator;
      expect((await run(stack)).totals.failed).toBe(0);
      const model = itemsOf(emulator, SOURCE).find(
        (m) => m.ready && !m.blank && !m.composed && !m.modelId.startsWith('classifier:'),
      )!.modelId;
      const held = itemsOf(emulator, SOURCE).filter((m) => m.ready && !m.blank).length;

      const res = await fetch(`${stack.host.baseUrl}/api/failovers`, {
        method: 'POST',
        body: JSON.stringify({ to: 'eastus', mode: 'unplanned' }),
        headers: { 'Content-Type': 'application/json' },
      });
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as { id: string };
      expect((await stack.host.durable.waitForInstance(id)).runtimeStatus).toBe('Completed');

      // The ledger holds a failed attempt of the pair (model → westus2, its origin): planning sends it to the copy step.
      const ledger = await ledgerOf(stack);
      await ledger.replicas.markFailed({
        sourceModelId: model,
        region: 'westus2',
        sourceRegion: 'eastus',
        targetResourceId: 'earlier-attempt',
        runId: 'earlier-run',
        error: { kind: 'transient', message: 'connection dropped' },
      });

      const before = emulator.requestLog.length;
      const summary = await run(stack);
      expect(summary.sourceRegion).toBe('eastus');
      expect(summary.totals.failed).toBe(0);
      expect(summary.failures).toEqual([]);
      // The copy step asked westus2 for an authorization under the origin id and met the original.
      expect(
        emulator.requestLog
          .slice(before)
          .some((r) => r.resource === SOURCE && r.call === 'authorize' && r.status === 409),
      ).toBe(true);
      // No second copy: westus2 holds what it held; the pair is replicated under the origin id.
      expect(itemsOf(emulator, SOURCE).filter((m) => m.ready && !m.blank).length).toBe(held);
      expect(itemsOf(emulator, TARGETS.eastus).some((m) => m.modelId === model)).toBe(true);
      const record = await ledger.replicas.get(model, 'westus2');
      expect(record).toMatchObject({ state: 'replicated', targetModelId: model });
    },
    240_000,
  );
});
