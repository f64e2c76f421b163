/**
 * The competitor baseline: what a competent engineer writes in an afternoon. List the
 * source (a throttled page is retried after its Retry-After), then copy every (model,
 * target) pair through a plain promise pool of C workers: authorize on the target, start
 * the copy on the source, poll the copy result every 5 s; any 429 is retried after its
 * Retry-After, up to 10 times per request; no pacing, no ledger, no resumption.
 *
 * A plain script over our `FormRecognizerV2Client` against its own emulator on its own
 * virtual clock. Concurrent workers share that clock through a tiny scheduler: a worker
 * that waits registers its wake-up time; when every worker is waiting, the clock moves to
 * the earliest wake-up and those workers resume (in the order they went to sleep).
 */
import { VirtualClock } from '../dev/clock';
import type { FormRecognizerEmulator } from '../dev/emulators/formRecognizer';
import { ThrottledError, isFormRecognizerError } from '../src/formRecognizer';
import { requestFigures, type RequestFigures } from './replication';
import type { Scenario } from './scenario';
import { startScriptStack } from './scriptStack';

export const BASELINE_POLL_MS = 5_000;
/** Retries of one request answered 429 before the pair is given up. */
export const BASELINE_MAX_THROTTLED_RETRIES = 10;

export interface BaselineResult {
  concurrency: number;
  startMs: number;
  endMs: number;
  copies: number;
  /** Pairs given up: a request still throttled after 10 retries, a non-retryable error, or a failed copy. */
  failed: number;
  /** Failed pairs by reason: `throttled`, `copyFailed`, or the error kind. */
  failedBy: Record<string, number>;
  /** 429s the workers saw (each followed by a wait of its Retry-After, unless out of retries). */
  throttled: number;
  /** Every request the emulator served (the ground truth; its 429 count equals `throttled`). */
  requests: RequestFigures;
}

/**
 * Deterministic virtual time for concurrent async workers on one VirtualClock. A worker is
 * running (between `spawn` and its end) except while in `sleep`; the clock only moves when
 * no worker is running.
 */
export class VirtualScheduler {
  private running = 0;
  private seq = 0;
  private readonly sleepers: Array<{ at: number; seq: number; wake: () => void }> = [];

  constructor(private readonly clock: VirtualClock) {}

  /** Starts `work` on the next microtask: workers spawned together are all counted before any of them waits. */
  spawn<T>(work: () => Promise<T>): Promise<T> {
    this.running += 1;
    return Promise.resolve()
      .then(work)
      .finally(() => {
        this.running -= 1;
        this.step();
      });
  }

  sleep(ms: number): Promise<void> {
    return new Promise<void>((wake) => {
      this.sleepers.push({ at: this.clock.now() + Math.max(0, ms), seq: this.seq++, wake });
      this.running -= 1;
      this.step();
    });
  }

  private step(): void {
    if (this.running > 0 || this.sleepers.length === 0) return;
    const at = Math.min(...this.sleepers.map((s) => s.at));
    this.clock.advanceTo(at);
    const due = this.sleepers.filter((s) => s.at <= at).sort((a, b) => a.seq - b.seq);
    for (const s of due) this.sleepers.splice(this.sleepers.indexOf(s), 1);
    this.running += due.length;
    for (const s of due) s.wake();
  }
}

class PairFailed extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

export async function runBaseline(
  scenario: Scenario,
  startAt: number,
  concurrency: number,
): Promise<BaselineResult & { emulator: FormRecognizerEmulator }> {
  const { clock, emulator, source, targets } = await startScriptStack(scenario, startAt);
  const scheduler = new VirtualScheduler(clock);
  const startMs = clock.now();
  let copies = 0;
  let throttled = 0;
  const failedBy: Record<string, number> = {};

  /** Retries a 429 after its Retry-After (1 s when absent), at most 10 times. */
  const withRetry = async <T>(call: () => Promise<T>): Promise<T> => {
    for (let retries = 0; ; retries++) {
      try {
        return await call();
      } catch (e) {
        if (!(e instanceof ThrottledError)) throw e;
        throttled += 1;
        if (retries >= BASELINE_MAX_THROTTLED_RETRIES) throw new PairFailed('throttled');
        await scheduler.sleep(e.retryAfterMs ?? 1000);
      }
    }
  };

  const models = await scheduler.spawn(async () => {
    const ids: string[] = [];
    for (let next: string | undefined, first = true; first || next; first = false) {
      const page = await withRetry(() => source.listModelsPage(next));
      for (const m of page.models) if (m.status === 'ready') ids.push(m.modelId);
      next = page.nextLink;
    }
    return ids;
  });

  const pairs = models.flatMap((modelId) => targets.map((target) => ({ modelId, target })));
  const copyPair = async ({ modelId, target }: (typeof pairs)[number]): Promise<void> => {
    const authorization = await withRetry(() => target.authorizeCopy());
    const operation = await withRetry(() => source.startCopy(modelId, authorization));
    for (;;) {
      await scheduler.sleep(BASELINE_POLL_MS);
      const result = await withRetry(() => source.getCopyResult(operation));
      if (result.status === 'succeeded') return;
      if (result.status !== 'notStarted' && result.status !== 'running') throw new PairFailed('copyFailed');
    }
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pairs.length) {
      const pair = pairs[next++];
      try {
        await copyPair(pair);
        copies += 1;
      } catch (e) {
        const reason = e instanceof PairFailed ? e.reason : isFormRecognizerError(e) ? e.kind : undefined;
        if (reason === undefined) throw e;
        failedBy[reason] = (failedBy[reason] ?? 0) + 1;
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(concurrency, Math.max(1, pairs.length)) }, () => scheduler.spawn(worker)),
  );

  const failed = Object.values(failedBy).reduce((a, b) => a + b, 0);
  return {
    concurrency,
    startMs,
    endMs: clock.now(),
    copies,
    failed,
    failedBy,
    throttled,
    requests: requestFigures(emulator.requestLog),
    emulator,
  };
}
