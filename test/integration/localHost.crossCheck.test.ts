/**
 * Regression guard for durable-functions upgrades: the host mirrors the library's task
 * numbering, and after every episode compares the tasks it considers open with the keys
 * of `context.df.taskOrchestratorExecutor.openTasks`. Here the library's numbering is
 * deliberately shifted to prove that a mismatch fails loudly.
 */
import dfPackage from 'durable-functions/package.json';
import { VirtualClock } from '../../dev/clock';
import { createLocalHost, HostInvariantError, type LocalHost } from '../../dev/host';

interface ExecutorPrototype {
  trackOpenTask(this: { sequenceNumber: number }, task: { id: unknown; children?: unknown[] }): void;
}

describe('local host: open-task cross-check', () => {
  let host: LocalHost;
  let proto: ExecutorPrototype;
  let original: ExecutorPrototype['trackOpenTask'];

  beforeAll(async () => {
    host = await createLocalHost({
      clock: new VirtualClock('2026-01-01T00:00:00Z'),
      httpPort: 0,
      load: async () => {
        await import('../fixtures/hostApp');
      },
      env: { NIGHTLY_SCHEDULE: '0 0 2 * * *', NOTIFY_QUEUE: 'unused' },
      queueListeners: false,
      logger: () => undefined,
    });
    const mod = jest.requireActual<{ TaskOrchestrationExecutor: { prototype: ExecutorPrototype } }>(
      'durable-functions/lib/src/orchestrations/TaskOrchestrationExecutor',
    );
    proto = mod.TaskOrchestrationExecutor.prototype;
    original = proto.trackOpenTask;
  });

  afterAll(async () => {
    proto.trackOpenTask = original;
    await host?.close();
  });

  it('is exercised on every successful episode with durable-functions 3.5.0', async () => {
    expect(dfPackage.version).toBe('3.5.0');
    const before = host.stats();
    const id = await host.durable.startNew('Main', { instanceId: 'guard-main', input: { name: 'Grace' } });
    host.durable.raiseEvent(id, 'Approval', true);
    expect((await host.durable.waitForInstance(id)).runtimeStatus).toBe('Completed');
    const after = host.stats();
    const episodes = after.episodes - before.episodes;
    const checks = after.crossChecks - before.crossChecks;
    expect(episodes).toBeGreaterThan(40);
    // Only the deliberately failing first attempt of FlakyChild skips the check (it failed).
    expect(episodes - checks).toBe(1);
  });

  it('fails loudly when the library numbers tasks differently from the host', async () => {
    // Simulate an upgrade that takes one extra sequence number per new task.
    proto.trackOpenTask = function (
      this: { sequenceNumber: number },
      task: { id: unknown; children?: unknown[] },
    ): void {
      if (task.id === false && !task.children) this.sequenceNumber++;
      original.call(this, task);
    };
    const id = await host.durable.startNew('Child', { instanceId: 'guard-shifted', input: 'x' });
    const wait = host.durable.waitForInstance(id);
    await expect(wait).rejects.toThrow(HostInvariantError);
    await expect(wait).rejects.toThrow(
      /Open-task mismatch after episode 1 of 'Child' \(instance 'guard-shifted'\): the host has \[0\], the replay engine has \[1\]/,
    );
    expect(host.events.log.some((e) => e.type === 'hostError')).toBe(true);
  });
});
