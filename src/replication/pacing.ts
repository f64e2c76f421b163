/**
 * Pacing of management calls (authorize, copy, delete) per resource, without sleeping.
 *
 * The service allows a few management requests per second per resource (S0: 5). Rather
 * than provoke 429s, the activities ask a process-wide pacer for a slot: the earliest
 * time ≥ now that is at least 1/rps away from every slot already used or reserved on each
 * resource the call touches (one slot on several resources for a call that touches
 * several, like authorize-on-target + copy-on-source). A slot in the future is
 * **reserved** under a key (the pair and attempt) and the activity returns at once with
 * the wait; the orchestrator waits with a durable timer and calls again, and the same key
 * gets the same slot. Activities never sleep: in production a sleeping activity holds a
 * worker, and on the local host's virtual clock time does not move while one runs.
 *
 * Pacing is per process: several instances of the app each pace on their own, so
 * 429 + Retry-After handling remains the backstop (`holdOff` pushes later slots back).
 *
 * Pure: no clock, no I/O — callers pass times in.
 */

interface Reservation {
  at: number;
  resources: string[];
}

export type PaceDecision = { go: true } | { go: false; waitMs: number };

export class ManagementPacer {
  readonly intervalMs: number;
  /** Per resource: times of slots used or reserved (ascending). */
  private readonly slots = new Map<string, number[]>();
  private readonly reservations = new Map<string, Reservation>();
  /** Per resource: no slot before this time (after a 429's Retry-After). */
  private readonly heldUntil = new Map<string, number>();

  constructor(requestsPerSecond: number) {
    if (!(requestsPerSecond > 0)) throw new RangeError(`requestsPerSecond must be > 0, got ${requestsPerSecond}`);
    this.intervalMs = 1000 / requestsPerSecond;
  }

  /**
   * May the call named `key`, touching `resources`, be made at `nowMs`? Go when its slot
   * has come (the slot is then used); otherwise how long to wait for the slot reserved
   * for it (the same slot every time this key asks again).
   */
  acquire(key: string, resources: readonly string[], nowMs: number): PaceDecision {
    this.prune(nowMs);
    const reserved = this.reservations.get(key);
    if (reserved) {
      if (reserved.at <= nowMs) {
        this.reservations.delete(key);
        return { go: true };
      }
      return { go: false, waitMs: Math.ceil(reserved.at - nowMs) };
    }
    const at = this.earliestSlot(resources, nowMs);
    for (const r of resources) insertSorted(this.slotsOf(r), at);
    if (at <= nowMs) return { go: true };
    this.reservations.set(key, { at, resources: [...resources] });
    return { go: false, waitMs: Math.ceil(at - nowMs) };
  }

  /** The service said 429 with Retry-After: no new slot on `resource` before `untilMs`. */
  holdOff(resource: string, untilMs: number): void {
    this.heldUntil.set(resource, Math.max(this.heldUntil.get(resource) ?? 0, untilMs));
  }

  /** Reservations waiting for their slot (for tests and diagnostics). */
  get pending(): number {
    return this.reservations.size;
  }

  private earliestSlot(resources: readonly string[], nowMs: number): number {
    let t = nowMs;
    for (const r of resources) t = Math.max(t, this.heldUntil.get(r) ?? 0);
    // Move t past every slot closer than the interval, on every resource, until none is.
    for (let moved = true; moved;) {
      moved = false;
      for (const r of resources) {
        for (const s of this.slotsOf(r)) {
          if (s > t - this.intervalMs && s < t + this.intervalMs) {
            t = s + this.intervalMs;
            moved = true;
          } else if (s >= t + this.intervalMs) break;
        }
      }
    }
    return t;
  }

  private slotsOf(resource: string): number[] {
    let list = this.slots.get(resource);
    if (!list) this.slots.set(resource, (list = []));
    return list;
  }

  /** Slots further in the past than one interval can no longer conflict; reservations nobody came back for expire after a minute. */
  private prune(nowMs: number): void {
    for (const [r, list] of this.slots) {
      let drop = 0;
      while (drop < list.length && list[drop] <= nowMs - this.intervalMs) drop += 1;
      if (drop > 0) list.splice(0, drop);
      if (list.length === 0) this.slots.delete(r);
    }
    for (const [key, res] of this.reservations) if (res.at < nowMs - 60_000) this.reservations.delete(key);
    for (const [r, until] of this.heldUntil) if (until <= nowMs) this.heldUntil.delete(r);
  }
}

function insertSorted(list: number[], value: number): void {
  let i = list.length;
  while (i > 0 && list[i - 1] > value) i -= 1;
  list.splice(i, 0, value);
}

/**
 * Pacing of list pages per resource: at most `limit` requests in any window of `windowMs`
 * (S0: 10 list requests per second). A listing is one request after the other (each page's
 * `nextLink` comes from the one before), so unlike management calls there is nothing to
 * reserve: a listing takes up to `limit` pages at once, then returns with the wait until the
 * oldest of them leaves the window, and the orchestration resumes it after a durable timer.
 * Bursts instead of evenly spaced slots: one activity call per `limit` pages, not per page.
 *
 * The window is a little longer than the service's (`windowMs` default 1 100 ms for a 1 s
 * limit), so latency between here and the service never lets a burst exceed the limit there.
 * Per process, like {@link ManagementPacer}; a 429's Retry-After (`holdOff`) is the backstop.
 *
 * Pure: no clock, no I/O — callers pass times in.
 */
export class WindowPacer {
  /** Per resource: times of the requests in the current window (ascending). */
  private readonly recent = new Map<string, number[]>();
  private readonly heldUntil = new Map<string, number>();

  constructor(
    readonly limit: number,
    readonly windowMs = 1100,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be an integer ≥ 1, got ${limit}`);
    if (!(windowMs > 0)) throw new RangeError(`windowMs must be > 0, got ${windowMs}`);
  }

  /** May a request on `resource` go at `nowMs`? Go (and it is counted), or how long to wait. */
  take(resource: string, nowMs: number): PaceDecision {
    const held = this.heldUntil.get(resource);
    if (held !== undefined) {
      if (held > nowMs) return { go: false, waitMs: Math.ceil(held - nowMs) };
      this.heldUntil.delete(resource);
    }
    const times = (this.recent.get(resource) ?? []).filter((t) => t > nowMs - this.windowMs);
    if (times.length >= this.limit) {
      this.recent.set(resource, times);
      return { go: false, waitMs: Math.max(1, Math.ceil(times[times.length - this.limit] + this.windowMs - nowMs)) };
    }
    times.push(nowMs);
    this.recent.set(resource, times);
    return { go: true };
  }

  /** The service said 429 with Retry-After: no request on `resource` before `untilMs`. */
  holdOff(resource: string, untilMs: number): void {
    this.heldUntil.set(resource, Math.max(this.heldUntil.get(resource) ?? 0, untilMs));
  }
}

/**
 * The list pacer for `DR_MANAGEMENT_RPS` = `rps`: 2 × rps list pages a second (S0: list 10/s,
 * management 5/s), taken in bursts of up to that many, with a 10 % longer window as margin.
 */
export function listPacerFor(rps: number): WindowPacer {
  const perSecond = 2 * rps;
  const limit = Math.max(1, Math.round(perSecond));
  return new WindowPacer(limit, Math.ceil(((1000 * limit) / perSecond) * 1.1));
}
