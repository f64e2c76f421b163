/**
 * Custom Vision burst: N `TrainingCompleted` notifications through the app's queue
 * function (local host fed from an Azurite queue, virtual clock), measured for wall time,
 * CPU and peak memory. Runs in its own process (`run.ts` spawns it): the local host
 * loads the app once per process, and the replication bench runs without queue listeners.
 *
 * What it covers: the queue trigger, parsing, the iteration records in the ledger, and
 * duplicates (every 10th notification is sent twice). CV_EXPORT_PLATFORMS is empty, so no
 * backup orchestration is started (that path needs the Custom Vision emulator; see README).
 *
 *   tsx bench/customVision.ts N   → one JSON line on stdout
 */
import { VirtualClock } from '../dev/clock';
import { startLocalStack } from '../dev/stack';
import { hash32 } from './stats';
import { ResourceMeter, childPids } from './stats';

export interface CvBurstFigures {
  notifications: number;
  invocations: number;
  failedInvocations: number;
  recorded: number;
  poisoned: number;
  wallMs: number;
  cpuMs: number;
  childCpuMs?: number;
  peakRssMb: number;
  peakHeapMb: number;
}

function guid(n: number, salt: string): string {
  const h = (k: number): string => hash32(`${salt}${n}:${k}`, 7).toString(16).padStart(8, '0');
  const s = `${h(0)}${h(1)}${h(2)}${h(3)}`;
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-a${s.slice(17, 20)}-${s.slice(20, 32)}`;
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 1000);
  const queue = 'cv-bench-notifications';
  const stack = await startLocalStack({
    clock: new VirtualClock('2026-11-21T00:00:00Z'),
    env: { CV_NOTIFICATION_QUEUE: queue, DR_TASK_HUB: 'ModelDrBench' },
    logger: () => undefined,
    host: { timerSchedules: false, crossCheck: false, queues: { batchSize: 32 } },
  });
  try {
    let invocations = 0;
    let failed = 0;
    stack.host.events.on('functionInvoked', (e) => {
      if (e.type !== 'functionInvoked' || e.trigger !== 'queue') return;
      invocations += 1;
      if (!e.ok) failed += 1;
    });
    const messages: string[] = [];
    for (let i = 0; i < count; i++) {
      const body = JSON.stringify({
        version: '1.0',
        type: 'Training',
        Content: { projectId: guid(i % 50, 'p'), iterationId: guid(i, 'i'), trainingStatus: 'TrainingCompleted' },
      });
      messages.push(body);
      if (i % 10 === 9 && messages.length < count) messages.push(body); // a duplicate delivery
    }
    const burst = messages.slice(0, count);
    const meter = new ResourceMeter(childPids);
    meter.start();
    const client = stack.host.queues.client(queue);
    await client.createIfNotExists();
    for (let i = 0; i < burst.length; i += 50)
      await Promise.all(burst.slice(i, i + 50).map((m) => client.sendMessage(m)));
    await stack.host.runUntilIdle({ advanceTime: false });
    const resources = meter.stop();
    const poison = await stack.host.queues
      .client(`${queue}-poison`)
      .getProperties()
      .then(
        (p) => p.approximateMessagesCount ?? 0,
        () => 0,
      );
    const figures: CvBurstFigures = {
      notifications: burst.length,
      invocations,
      failedInvocations: failed,
      recorded: invocations - failed,
      poisoned: poison,
      ...resources,
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    await stack.close();
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`cv burst failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
