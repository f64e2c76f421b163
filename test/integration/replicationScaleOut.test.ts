/**
 * Scale-out: held copy authorizations live in one process's memory, so the next attempt of a
 * pair may run on an instance that does not hold it. The app accepts the re-authorization: on
 * v3.1/v4 the first authorization burned the target id, and the fallback-id path copies the pair
 * under a fallback id (the mapping recorded); nothing is left reserved. Every attempt here runs
 * on "another instance" (the held-authorization store of this process never returns one), and
 * the copy activities run at least once (their first result is lost).
 */
import * as deps from '../../src/activities/replication/deps';
import { VirtualClock } from '../../dev/clock';
import type { FormRecognizerEmulator } from '../../dev/emulators/formRecognizer';
import { useLocalStack } from '../support/stack';
import {
  SOURCE,
  TARGETS,
  expectSettled,
  issuedAuthorizations,
  ledgerOf,
  plainSourceModel,
  run,
  versionReset,
} from './replicationHarness';

jest.spyOn(deps, 'inMemoryHeldAuthorizations').mockImplementation(() => ({
  take: () => undefined,
  put: () => undefined,
  dropExpired: () => undefined,
}));

describe('replication across app instances: held authorizations are not shared', () => {
  const clock = new VirtualClock('2026-11-21T00:00:00Z');
  const stack = useLocalStack({
    clock,
    logger: () => undefined,
    host: {
      timerSchedules: false,
      atLeastOnce: [
        { activity: 'startCopy', count: 3 },
        { activity: 'finishCopy', count: 2 },
      ],
    },
  });

  it.each(['2023-07-31', '2024-11-30'] as const)(
    'DR_API_VERSION=%s: a copy POST that failed transiently is retried with a new authorization; the burned id falls back',
    async (version) => {
      const emulator = (await stack.reset(versionReset(version))) as FormRecognizerEmulator;
      const model = plainSourceModel(emulator);
      // The source answers the first copy POST 503 before handling it: the authorization is unused,
      // its target id reserved (burned), and the instance that retries does not hold it.
      emulator.faults.add(SOURCE, { kind: 'status', status: 503, call: 'copy', times: 1 });

      const summary = await run(stack, { models: [model], regions: ['eastus'] });

      expect(summary.totals).toMatchObject({ copied: 1, failed: 0 });
      const [copy] = summary.copies;
      expect(copy.targetModelId).not.toBe(model);
      expect(copy.targetModelId.startsWith(`${model.slice(0, 40)}`)).toBe(true);
      expect(issuedAuthorizations(emulator, TARGETS.eastus)).toBe(2);
      const replica = await (await ledgerOf(stack)).replicas.get(model, 'eastus');
      expect(replica).toMatchObject({ state: 'replicated', targetModelId: copy.targetModelId });
      await expectSettled(stack, summary);

      // The next run finds the pair replicated under its fallback id: nothing is copied again.
      const next = await run(stack, { models: [model], regions: ['eastus'] });
      expect(next.totals).toMatchObject({ planned: 0, alreadyReplicated: 1 });
    },
  );
});
