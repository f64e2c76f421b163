/**
 * Orchestrator unit tests with fake activities: the real orchestrators and the real
 * durable-functions replay engine in the local host (in-memory instance store, virtual
 * clock), with every activity replaced by a function of the test. No storage, no emulator.
 */
import { VirtualClock } from '../../dev/clock';
import { createLocalHost, type LocalHost } from '../../dev/host';
import type { CustomVisionActivities } from '../../src/activities/customVisionBackup';
import type { ReplicationActivities } from '../../src/activities/replication';
import { CvActivities, CvOrchestrators } from '../../src/customVisionBackup/registry';
import { bindActivities, bindOrchestrator } from '../../src/durable/register';
import { copyModelOrchestrator } from '../../src/orchestrators/copyModel';
import { customVisionBackupOrchestrator } from '../../src/orchestrators/customVisionBackup';
import { replicateBatchOrchestrator } from '../../src/orchestrators/replicateBatch';
import { replicateModelsOrchestrator } from '../../src/orchestrators/replicateModels';
import { Activities, Orchestrators } from '../../src/replication/registry';

export type FakeActivities = Partial<ReplicationActivities & CustomVisionActivities>;

export interface FakeHost {
  host: LocalHost;
  clock: VirtualClock;
  /** Activity calls in order: name and input. */
  calls: Array<{ name: string; input: unknown }>;
  close(): Promise<void>;
}

function complete<D extends Record<string, { name: string }>>(
  defs: D,
  fakes: FakeActivities,
  calls: FakeHost['calls'],
): Record<keyof D, (input: unknown, context: unknown) => unknown> {
  const out = {} as Record<keyof D, (input: unknown, context: unknown) => unknown>;
  for (const key of Object.keys(defs) as Array<keyof D & string>) {
    const fake = (fakes as Record<string, ((input: unknown, context: unknown) => unknown) | undefined>)[key];
    out[key] = (input, context) => {
      calls.push({ name: key, input });
      if (!fake) throw new Error(`activity ${key} was not expected`);
      return fake(input, context);
    };
  }
  return out;
}

export async function startFakeHost(fakes: FakeActivities, start = '2026-05-01T00:00:00Z'): Promise<FakeHost> {
  const clock = new VirtualClock(start);
  const calls: FakeHost['calls'] = [];
  const replication = complete(Activities, fakes, calls) as unknown as ReplicationActivities;
  const customVision = complete(CvActivities, fakes, calls) as unknown as CustomVisionActivities;
  const host = await createLocalHost({
    load: () => {
      bindOrchestrator(Orchestrators.replicate, replicateModelsOrchestrator);
      bindOrchestrator(Orchestrators.batch, replicateBatchOrchestrator);
      bindOrchestrator(Orchestrators.copy, copyModelOrchestrator);
      bindOrchestrator(CvOrchestrators.backup, customVisionBackupOrchestrator);
      bindActivities(Activities, () => replication);
      bindActivities(CvActivities, () => customVision);
    },
    clock,
    httpPort: 0,
    timerSchedules: false,
    queueListeners: false,
    logger: () => undefined,
  });
  return { host, clock, calls, close: () => host.close() };
}
