/**
 * Timer-triggered functions: on demand (`fire`) and on their NCRONTAB schedule, on the
 * host's clock. On a virtual clock a schedule never moves time by itself: an occurrence
 * fires when the clock reaches it (`advance`/`advanceTo` step to it exactly; a longer jump
 * fires it once, late, with `isPastDue: true`, like a host that was down).
 */
import type { Clock } from '../clock';
import { createInvocationContext, errorMessage, type InvocationDeps } from './invocation';
import { parseSchedule, type Schedule } from './ncrontab';
import type { FunctionDescription } from './registry';
import { resolveSettings } from './settings';
import type { WorkTracker } from './work';
import type { HostEvent } from './engine';

/** The timer object the handler receives (camelCased, as the Node worker passes it). */
export interface TimerInfo {
  schedule: { adjustForDST: boolean };
  scheduleStatus: { last: string; next: string; lastUpdated: string };
  isPastDue: boolean;
}

interface Entry {
  fn: FunctionDescription;
  schedule: Schedule;
  next: number;
  last: number | undefined;
}

export class TimerTriggers {
  private readonly entries = new Map<string, Entry>();
  private realTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    functions: FunctionDescription[],
    private readonly clock: Clock,
    private readonly deps: InvocationDeps,
    private readonly work: WorkTracker,
    private readonly emit: (e: HostEvent) => void,
    private readonly schedulesEnabled: boolean,
  ) {
    const now = clock.now();
    for (const fn of functions.filter((f) => f.kind === 'timer')) {
      const expr = resolveSettings(
        String((fn.trigger as { schedule?: unknown }).schedule ?? ''),
        `Timer function '${fn.name}' schedule`,
      );
      const schedule = parseSchedule(expr);
      this.entries.set(fn.name.toLowerCase(), { fn, schedule, next: schedule.next(now), last: undefined });
    }
  }

  /** Starts the schedules; fires `runOnStartup` functions. */
  start(): void {
    for (const e of this.entries.values()) {
      if ((e.fn.trigger as { runOnStartup?: boolean }).runOnStartup) void this.invoke(e, false).catch(() => undefined);
    }
    this.arm();
  }

  names(): string[] {
    return [...this.entries.values()].map((e) => e.fn.name);
  }

  /** The next scheduled occurrence of a timer function. */
  nextOccurrence(name: string): Date {
    return new Date(this.mustGet(name).next);
  }

  /** Earliest scheduled occurrence across timer functions (undefined when schedules are off). */
  nextDue(): number | undefined {
    if (!this.schedulesEnabled) return undefined;
    let min: number | undefined;
    for (const e of this.entries.values()) if (min === undefined || e.next < min) min = e.next;
    return min;
  }

  /** Runs the function now, as the portal's "Test/Run" or the admin endpoint would. */
  async fire(name: string, options: { isPastDue?: boolean } = {}): Promise<void> {
    await this.invoke(this.mustGet(name), options.isPastDue ?? false);
  }

  /** Fires every occurrence due at the clock's time (once per function). */
  fireDue(): void {
    if (!this.schedulesEnabled || this.closed) return;
    const now = this.clock.now();
    for (const e of this.entries.values()) {
      if (e.next > now) continue;
      const isPastDue = now > e.next;
      e.next = e.schedule.next(now);
      void this.invoke(e, isPastDue).catch(() => undefined);
    }
    this.arm();
  }

  close(): void {
    this.closed = true;
    if (this.realTimer) clearTimeout(this.realTimer);
    this.realTimer = undefined;
  }

  private mustGet(name: string): Entry {
    const e = this.entries.get(name.toLowerCase());
    if (!e)
      throw new Error(`No timer function named '${name}'. Timer functions: ${this.names().join(', ') || '(none)'}.`);
    return e;
  }

  private async invoke(e: Entry, isPastDue: boolean): Promise<void> {
    const now = this.clock.now();
    const info: TimerInfo = {
      schedule: { adjustForDST: true },
      scheduleStatus: {
        last: new Date(e.last ?? now).toISOString(),
        next: new Date(e.next).toISOString(),
        lastUpdated: new Date(now).toISOString(),
      },
      isPastDue,
    };
    e.last = now;
    await this.work.track(async () => {
      const context = createInvocationContext(e.fn, this.deps);
      try {
        await e.fn.handler(info, context);
        this.emit({
          type: 'functionInvoked',
          time: new Date(this.clock.now()).toISOString(),
          name: e.fn.name,
          trigger: 'timer',
          ok: true,
        });
      } catch (err) {
        context.error(`Executed '${e.fn.name}' (Failed): ${errorMessage(err)}`);
        this.emit({
          type: 'functionInvoked',
          time: new Date(this.clock.now()).toISOString(),
          name: e.fn.name,
          trigger: 'timer',
          ok: false,
          error: errorMessage(err),
        });
        throw err;
      }
    });
  }

  private arm(): void {
    if (this.clock.virtual || !this.schedulesEnabled || this.closed) return;
    if (this.realTimer) clearTimeout(this.realTimer);
    const next = this.nextDue();
    if (next === undefined) return;
    this.realTimer = setTimeout(() => this.fireDue(), Math.min(Math.max(0, next - this.clock.now()), 2_000_000_000));
    this.realTimer.unref();
  }
}
