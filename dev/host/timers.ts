/**
 * Durable timers: the pending fire times of every instance's open timer tasks, and on the real
 * clock one Node timer armed for the earliest. On a virtual clock nothing is armed; the host
 * advances the clock to `nextDue()` when it is idle and then fires what is due.
 */
import type { Clock } from '../clock';
import type { Instance } from './instanceStore';
import { isTerminal } from './types';

export interface DueTimer {
  key: string;
  instanceId: string;
  executionId: string;
  taskId: number;
  fireAt: number;
}

export class TimerQueue {
  private readonly timers = new Map<string, DueTimer>();
  private realTimer: NodeJS.Timeout | undefined;
  private closed = false;

  /** `fire` delivers every timer due now (the engine's `fireDueTimers`). */
  constructor(
    private readonly clock: Clock,
    private readonly fire: () => void,
  ) {}

  /** The earliest fire time of a pending (not canceled) durable timer. */
  nextDue(): number | undefined {
    let min: number | undefined;
    for (const t of this.timers.values()) if (min === undefined || t.fireAt < min) min = t.fireAt;
    return min;
  }

  /** Removes and returns the timers due at `now`, earliest first. */
  takeDue(now: number): DueTimer[] {
    const due = [...this.timers.values()]
      .filter((t) => t.fireAt <= now)
      .sort((a, b) => a.fireAt - b.fireAt || a.taskId - b.taskId);
    for (const t of due) this.timers.delete(t.key);
    return due;
  }

  add(inst: Instance, taskId: number, fireAt: number): void {
    if (isTerminal(inst.status)) return;
    const key = timerKey(inst.id, inst.executionId, taskId);
    this.timers.set(key, { key, instanceId: inst.id, executionId: inst.executionId, taskId, fireAt });
    if (!this.clock.virtual) this.arm();
    else if (fireAt <= this.clock.now()) setImmediate(() => this.fire());
  }

  /** Forgets the pending timers of the instance's open tasks and clears them. */
  dropOpenTasks(inst: Instance): void {
    for (const t of inst.open.values())
      if (t.kind === 'timer') this.timers.delete(timerKey(inst.id, inst.executionId, t.id));
    inst.open.clear();
    this.arm();
  }

  /** Cancels a timer task and, for a long timer, every piece of it. */
  cancel(inst: Instance, originalId: number): void {
    const long = inst.longTimers.get(originalId);
    if (long) long.canceled = true;
    for (const t of inst.open.values()) {
      if (t.kind !== 'timer' || t.canceled) continue;
      if (t.id === originalId || (long && t.long === long)) {
        t.canceled = true;
        this.timers.delete(timerKey(inst.id, inst.executionId, t.id));
      }
    }
    this.arm();
  }

  /** On the real clock: (re)arms one Node timer for the earliest pending fire time. */
  arm(): void {
    if (this.clock.virtual || this.closed) return;
    if (this.realTimer) clearTimeout(this.realTimer);
    this.realTimer = undefined;
    const next = this.nextDue();
    if (next === undefined) return;
    const delay = Math.min(Math.max(0, next - this.clock.now()), 2_000_000_000);
    this.realTimer = setTimeout(() => {
      this.realTimer = undefined;
      this.fire();
    }, delay);
  }

  close(): void {
    this.closed = true;
    if (this.realTimer) clearTimeout(this.realTimer);
    this.realTimer = undefined;
    this.timers.clear();
  }
}

function timerKey(instanceId: string, executionId: string, taskId: number): string {
  return `${instanceId}\u0000${executionId}\u0000${taskId}`;
}
