/**
 * Counts the work the host knows of (queued episodes, activities, HTTP requests, queue
 * messages, timer-function runs). The virtual clock only moves when the count is zero.
 */
export class WorkTracker {
  private count = 0;
  private waiters: Array<() => void> = [];
  private scheduled = false;

  get busy(): boolean {
    return this.count > 0;
  }

  get pending(): number {
    return this.count;
  }

  begin(): void {
    this.count++;
  }

  end(): void {
    if (this.count <= 0) throw new Error('WorkTracker.end() without begin()');
    this.count--;
    if (this.count === 0) this.scheduleNotify();
  }

  /** Runs `fn` as one unit of work. */
  async track<T>(fn: () => Promise<T>): Promise<T> {
    this.begin();
    try {
      return await fn();
    } finally {
      this.end();
    }
  }

  /**
   * Resolves once no work is counted, checked after a macrotask turn so that work
   * started by promise callbacks in the meantime is seen.
   */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.scheduleNotify();
    });
  }

  private scheduleNotify(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.count !== 0) return;
      const ws = this.waiters;
      this.waiters = [];
      for (const w of ws) w();
    });
  }
}

/** A counting semaphore for bounded concurrency. */
export class Semaphore {
  private active = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError(`concurrency limit must be >= 1, got ${limit}`);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      const next = this.queue.shift();
      if (next) next();
    }
  }

  get inFlight(): number {
    return this.active;
  }
}
