/**
 * Pacing that holds across app instances: on Azure the copy activities of one run execute on
 * several instances whose per-process pacers know nothing of each other. Simulated here in the
 * worst case: every activity runs on "a fresh instance" (the process pacer always says go). The
 * orchestrators' start slots (CopySlot: one lane per copy in flight, lane ℓ starts only at
 * (k × lanes + ℓ) / DR_MANAGEMENT_RPS) keep the management calls under the S0 limits anyway.
 * The copy activities run at least once (their first result is lost).
 */
import { VirtualClock } from '../../dev/clock';
import type { FormRecognizerEmulator } from '../../dev/emulators/formRecognizer';
import { ManagementPacer } from '../../src/replication/pacing';
import { useLocalStack } from '../support/stack';
import { API_VERSIONS, expectSettled, readySourceIds, run, versionReset } from './replicationHarness';

describe('replication pacing across instances', () => {
  const clock = new VirtualClock('2026-11-21T00:00:00Z');
  const stack = useLocalStack({
    clock,
    logger: () => undefined,
    host: {
      timerSchedules: false,
      atLeastOnce: [
        { activity: 'startCopy', count: 3 },
        { activity: 'finishCopy', count: 3 },
      ],
    },
  });

  afterEach(() => jest.restoreAllMocks());

  it.each(API_VERSIONS)(
    'DR_API_VERSION=%s: no management 429 although no process paces, with the S0 rate limits on',
    async (version) => {
      jest.spyOn(ManagementPacer.prototype, 'acquire').mockReturnValue({ go: true });
      const emulator = (await stack.reset(
        versionReset(version, {
          emulator: { rateLimits: true },
          env: { DR_MANAGEMENT_RPS: '4', DR_MAX_PARALLEL: '10' },
        }),
      )) as FormRecognizerEmulator;
      const ready = readySourceIds(emulator);

      const summary = await run(stack);

      expect(summary.totals).toMatchObject({ copied: ready.length * 2, failed: 0 });
      const managementCalls: readonly string[] = ['authorize', 'copy', 'deleteModel'];
      const management = emulator.requestLog.filter((r) => r.call !== undefined && managementCalls.includes(r.call));
      expect(management.filter((r) => r.status === 429)).toEqual([]);
      // Starts (copy POSTs on the one source) are spaced at least 1 / DR_MANAGEMENT_RPS apart.
      const starts = management.filter((r) => r.call === 'copy').map((r) => r.time);
      for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual(250);
      await expectSettled(stack, summary);
    },
  );
});
