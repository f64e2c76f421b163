/**
 * Driving the host: waiting until nothing can run, and on a virtual clock moving time to the
 * next durable timer or timer-function occurrence (never while work is in flight).
 */
import type { Clock } from '../clock';
import type { RunOptions, WaitOptions } from './api';
import { HostInvariantError, isTerminal, type DurableEngine, type InstanceStatus } from './engine';
import type { QueueListener } from './queueTriggers';
import { RegistrationError } from './registry';
import type { TimerTriggers } from './timerTriggers';
import type { WorkTracker } from './work';

export interface VirtualLike extends Clock {
  advanceTo(t: number | Date): number;
  onAdvance?(listener: (now: number) => void): () => void;
}

export function asVirtual(clock: Clock): VirtualLike | undefined {
  return clock.virtual && typeof (clock as Partial<VirtualLike>).advanceTo === 'function'
    ? (clock as VirtualLike)
    : undefined;
}

export interface Driver {
  /** Fires the durable timers and timer functions due now. */
  fireDue(): void;
  runUntilIdle(opts?: RunOptions): Promise<void>;
  advanceTo(time: Date | number | string): Promise<void>;
  waitForInstance(instanceId: string, opts?: WaitOptions): Promise<InstanceStatus>;
}

export function createDriver(parts: {
  engine: DurableEngine;
  timers: TimerTriggers;
  work: WorkTracker;
  listeners: readonly QueueListener[];
  clock: Clock;
  virtual: VirtualLike | undefined;
}): Driver {
  const { engine, timers, work, listeners, clock, virtual } = parts;
  const fireDue = (): void => {
    engine.fireDueTimers();
    timers.fireDue();
  };

  const throwIfFatal = (): void => {
    if (engine.fatalErrors.length > 0)
      throw engine.fatalErrors[0] instanceof HostInvariantError
        ? engine.fatalErrors[0]
        : new HostInvariantError(engine.fatalErrors[0].message);
  };

  /** Waits until no work is known and no queue has a visible message; fires timers already due. */
  const settle = async (): Promise<void> => {
    for (;;) {
      await work.whenIdle();
      const due = engine.nextTimerDue();
      if (due !== undefined && due <= clock.now()) {
        fireDue();
        continue;
      }
      const found = await Promise.all(listeners.map((l) => l.hasVisibleMessages().catch(() => false)));
      if (found.some(Boolean) || work.busy) continue;
      return;
    }
  };

  const step = async (target: number | undefined, includeSchedules: boolean): Promise<boolean> => {
    if (!virtual) return false;
    const candidates = [engine.nextTimerDue(), includeSchedules ? timers.nextDue() : undefined].filter(
      (x): x is number => x !== undefined,
    );
    const next = candidates.length ? Math.min(...candidates) : undefined;
    if (next === undefined || (target !== undefined && next > target)) {
      if (target !== undefined && target > clock.now()) {
        virtual.advanceTo(target);
        fireDue();
      }
      return false;
    }
    virtual.advanceTo(Math.max(next, clock.now()));
    fireDue();
    return true;
  };

  const runUntilIdle = async (opts: RunOptions = {}): Promise<void> => {
    const advance = opts.advanceTime ?? !!virtual;
    const until = opts.until === undefined ? undefined : +opts.until;
    const max = opts.maxTimerSteps ?? 100_000;
    for (let i = 0; ; i++) {
      await settle();
      throwIfFatal();
      if (!advance || !virtual) return;
      if (i >= max)
        throw new Error(
          `runUntilIdle: still scheduling timers after ${max} steps (virtual time ${new Date(clock.now()).toISOString()}).`,
        );
      if (!(await step(until, false))) {
        await settle();
        throwIfFatal();
        return;
      }
    }
  };

  const advanceTo = async (time: Date | number | string): Promise<void> => {
    if (!virtual) throw new Error('advance()/advanceTo() need a VirtualClock.');
    const target = typeof time === 'number' ? time : new Date(time).getTime();
    for (;;) {
      await settle();
      throwIfFatal();
      if (!(await step(target, true))) break;
    }
    await settle();
    throwIfFatal();
  };

  const waitForInstance = async (instanceId: string, opts: WaitOptions = {}): Promise<InstanceStatus> => {
    const done = (): InstanceStatus | undefined => {
      const s = engine.getStatus(instanceId);
      if (!s) throw new RegistrationError(`No instance with ID '${instanceId}' found.`);
      return isTerminal(s.runtimeStatus) ? s : undefined;
    };
    if (virtual) {
      for (let i = 0; ; i++) {
        await settle();
        throwIfFatal();
        const s = done();
        if (s) return s;
        if (i > 100_000 || !(await step(undefined, false))) {
          const st = engine.getStatus(instanceId);
          throw new Error(
            `Instance '${instanceId}' is ${st?.runtimeStatus} and nothing else can run at virtual time ${new Date(clock.now()).toISOString()} ` +
              '(it waits for an external event, or for work the host does not know of).',
          );
        }
      }
    }
    const first = done();
    if (first) return first;
    return new Promise<InstanceStatus>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const off = engine.onStatusChange((id) => {
        if (id !== instanceId) return;
        try {
          const s = done();
          if (s) finish(() => resolve(s));
        } catch (err) {
          finish(() => reject(err as Error));
        }
      });
      const finish = (f: () => void): void => {
        off();
        if (timer) clearTimeout(timer);
        f();
      };
      if (opts.timeoutMs !== undefined)
        timer = setTimeout(
          () => finish(() => reject(new Error(`Instance '${instanceId}' did not finish within ${opts.timeoutMs} ms.`))),
          opts.timeoutMs,
        );
    });
  };

  return { fireDue, runUntilIdle, advanceTo, waitForInstance };
}
