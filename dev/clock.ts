/**
 * Clocks shared by the local host, the service emulators and activities run locally.
 *
 * The real clock is wall time. The virtual clock only moves when told to: the local
 * host advances it to the next due durable timer when nothing else can run, so a
 * 24-hour authorization expiry or a 10-day timer is tested in milliseconds. Emulators
 * derive their state (copy progress, authorization expiry, rate-limit windows) from
 * `now()`, so they follow whichever clock they are given.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** True when time only moves when advanced (tests, benchmarks). */
  readonly virtual: boolean;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  virtual: false,
};

export type ClockListener = (nowMs: number) => void;

export class VirtualClock implements Clock {
  readonly virtual = true;
  private current: number;
  private readonly listeners = new Set<ClockListener>();

  constructor(start: Date | number | string = '2026-01-01T00:00:00Z') {
    this.current = typeof start === 'number' ? start : new Date(start).getTime();
    if (!Number.isFinite(this.current)) throw new RangeError(`VirtualClock: invalid start time ${String(start)}`);
  }

  now(): number {
    return this.current;
  }

  /** Moves time forward by `ms` (never backwards). */
  advance(ms: number): number {
    if (!(ms >= 0)) throw new RangeError(`VirtualClock.advance: ms must be >= 0, got ${ms}`);
    return this.advanceTo(this.current + ms);
  }

  /** Moves time forward to `t` if it is later than now; returns the new time. */
  advanceTo(t: number | Date): number {
    const target = typeof t === 'number' ? t : t.getTime();
    if (target > this.current) {
      this.current = target;
      for (const l of this.listeners) l(this.current);
    }
    return this.current;
  }

  /** Called after every move; returns an unsubscribe function. */
  onAdvance(listener: ClockListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
