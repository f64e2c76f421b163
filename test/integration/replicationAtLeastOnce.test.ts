/**
 * Activities re-executed after their side effect (the durable engine delivers at least
 * once): the host loses the first result of some invocations and runs them again. Its own
 * file: a module registry loads the app's registrations once, so one stack per file.
 */
import { VirtualClock } from '../../dev/clock';
import { useLocalStack } from '../support/stack';
import {
  API_VERSIONS,
  SOURCE,
  expectSettled,
  isV2,
  issuedAuthorizations,
  plainSourceModel,
  readySourceIds,
  run,
  versionReset,
  isPlainCopy,
} from './replicationHarness';

describe('replication with activities re-executed after their side effect', () => {
  const clock = new VirtualClock('2026-11-21T00:00:00Z');
  const stack = useLocalStack({
    clock,
    logger: () => undefined,
    host: {
      timerSchedules: false,
      atLeastOnce: [
        { activity: 'startCopy', count: 6 },
        { activity: 'finishCopy', count: 6 },
        { activity: 'discardTarget', count: 2 },
        { activity: 'recordCopyFailure', count: 2 },
        { activity: 'saveRunReport', count: 1 },
      ],
    },
  });

  describe.each(API_VERSIONS)('DR_API_VERSION=%s', (version) => {
    it('startCopy and finishCopy run twice: one accepted copy per pair, no blank model', async () => {
      const emulator = await stack.reset(versionReset(version));
      const ready = readySourceIds(emulator);
      // Two model copies fail and are renewed, so discardTarget runs (twice) as well. (2024-11-30:
      // not its classifier copies, whose burned ids would leave the composed model without it.)
      emulator.faults.add(SOURCE, {
        kind: 'copyFails',
        ...(isV2(version)
          ? { code: '2024', message: 'Could not retrieve authorization metadata.' }
          : {
              code: 'AuthorizationFailed',
              message: 'Authorization failed: the copy authorization has already been used.',
            }),
        times: 2,
        when: isPlainCopy,
      });

      const summary = await run(stack);

      expect(summary.totals).toMatchObject({ copied: ready.length * 2, failed: 0 });
      const accepted = emulator.requestLog.filter((r) => r.call === 'copy' && r.status === 202);
      expect(accepted).toHaveLength(ready.length * 2 + 2);
      expect(issuedAuthorizations(emulator)).toBe(ready.length * 2 + 2);
      await expectSettled(stack, summary);
    });

    it('recordCopyFailure re-executed: the failure is recorded once, with its reason', async () => {
      const emulator = await stack.reset(versionReset(version));
      const model = plainSourceModel(emulator);
      emulator.faults.add(SOURCE, {
        kind: 'copyFails',
        code: 'ResourceResolverError',
        message: "Could not fetch information for Cognitive resource with Id 'x'.",
        times: 1,
      });

      const summary = await run(stack, { models: [model], regions: ['eastus'] });

      expect(summary.failures).toEqual([
        expect.objectContaining({
          sourceModelId: model,
          region: 'eastus',
          attempts: 1,
          reason: expect.objectContaining({ code: 'ResourceResolverError' }),
        }),
      ]);
      await expectSettled(stack, summary);
    });
  });
});
