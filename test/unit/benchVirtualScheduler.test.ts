import { VirtualClock } from '../../dev/clock';
import { VirtualScheduler } from '../../bench/baseline';

describe('bench VirtualScheduler', () => {
  it('moves the clock only when every worker waits, to the earliest wake-up, waking in sleep order', async () => {
    // Prepare
    const clock = new VirtualClock(0);
    const scheduler = new VirtualScheduler(clock);
    const trace: string[] = [];
    const worker = (name: string, waits: number[]) => async (): Promise<void> => {
      for (const ms of waits) {
        trace.push(`${name} sleeps ${ms} at ${clock.now()}`);
        await scheduler.sleep(ms);
        // Real asynchronous work (an HTTP request) between waits: the clock must not move meanwhile.
        await new Promise<void>((resolve) => setImmediate(resolve));
        trace.push(`${name} woke at ${clock.now()}`);
      }
    };
    // Act
    await Promise.all([
      scheduler.spawn(worker('a', [5000, 1000])),
      scheduler.spawn(worker('b', [1000, 5000])),
      scheduler.spawn(worker('c', [5000])),
    ]);
    // Assess
    expect(trace).toEqual([
      'a sleeps 5000 at 0',
      'b sleeps 1000 at 0',
      'c sleeps 5000 at 0',
      'b woke at 1000',
      'b sleeps 5000 at 1000',
      'a woke at 5000',
      'a sleeps 1000 at 5000',
      'c woke at 5000',
      'b woke at 6000',
      'a woke at 6000',
    ]);
    expect(clock.now()).toBe(6000);
  });
});
