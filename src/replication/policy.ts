/**
 * Pure, deterministic decisions of the replication orchestrators: polling intervals,
 * batching and instance ids. No I/O, no clock: callers pass times in.
 */
import type { CopyPolicy, PairRef } from './contracts';
import { boundedInstanceId } from './instanceIds';

export const DEFAULT_COPY_POLICY: CopyPolicy = {
  pollInitialMs: 1_000,
  pollYoungCapMs: 5_000,
  youngForMs: 60_000,
  pollMaxMs: 15_000,
  deadlineMs: 60 * 60_000,
  maxAttempts: 4,
  retryBackoffMs: 5_000,
  verifyTimeoutMs: 2 * 60_000,
};

/** Growth of the polling interval between two "still running" answers. */
export const POLL_GROWTH = 1.4;

/**
 * How long to wait before the next status request of a copy.
 *
 * Starts near the documented 1 s and grows by {@link POLL_GROWTH}; while the copy is
 * young (observed copies take 5–25 s) the interval stays at most `pollYoungCapMs`, so a
 * finished copy is noticed within a few seconds with a handful of requests; older copies
 * back off to `pollMaxMs`. A `Retry-After` from the service always wins when it asks for
 * more patience.
 */
export function nextPollDelayMs(
  policy: CopyPolicy,
  pollsSoFar: number,
  elapsedMs: number,
  retryAfterMs?: number,
): number {
  const grown = policy.pollInitialMs * Math.pow(POLL_GROWTH, Math.max(0, pollsSoFar));
  const cap = elapsedMs < policy.youngForMs ? policy.pollYoungCapMs : policy.pollMaxMs;
  const interval = Math.round(Math.min(grown, Math.max(cap, policy.pollInitialMs)));
  return Math.max(interval, retryAfterMs ?? 0);
}

/** Back-off before attempt `attempt + 1` after a transient failure (attempt counts from 1). */
export function retryDelayMs(policy: CopyPolicy, attempt: number, retryAfterMs?: number): number {
  const backoff = policy.retryBackoffMs * Math.pow(2, Math.max(0, attempt - 1));
  return Math.max(Math.min(backoff, 5 * 60_000), retryAfterMs ?? 0);
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!(size >= 1)) throw new RangeError(`chunk size must be >= 1, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Deterministic ids: a re-run of an orchestrator episode (replay) and a re-delivered
 * start always name the same instances.
 */
export function batchInstanceId(runId: string, index: number): string {
  return boundedInstanceId([runId, 'batch', String(index)]);
}

export function copyInstanceId(runId: string, pair: PairRef): string {
  return boundedInstanceId([runId, 'copy', pair.region, pair.sourceModelId]);
}

/**
 * How many batch orchestrations run at once and how many copies each keeps in flight,
 * so that at most `maxParallel` copies are in flight in total.
 *
 * Copy starts are paced in lanes (see CopySlot): lane ℓ of L may start a copy once every
 * L × interval, and a batch holds its block of lanes until its last copy is done. With room
 * for whole batches (`maxParallel` ≥ 2 × `batchSize`) each batch gets one lane per pair: it
 * starts all its copies in one pass over its block, which takes a contiguous stretch of each
 * lane period, and hands the block on before the block's next stretch comes round — no lane
 * waits a whole period with nothing to start. (With fewer lanes than pairs, a batch's second
 * pass leaves most of its block idle for a period: at 256 in flight that cost a full sync
 * about a third of its makespan.) Otherwise at least two batches run at once — one more than
 * the window needs — so that while one drains its last copies the others keep the window busy.
 */
export function batchLayout(
  pairCount: number,
  maxParallel: number,
  batchSize: number,
): { batches: number; concurrentBatches: number; perBatch: number } {
  const batches = Math.ceil(pairCount / batchSize);
  if (batches <= 1) return { batches, concurrentBatches: 1, perBatch: Math.max(1, Math.min(maxParallel, batchSize)) };
  if (maxParallel >= 2 * batchSize)
    return { batches, concurrentBatches: Math.min(batches, Math.floor(maxParallel / batchSize)), perBatch: batchSize };
  const concurrentBatches = Math.max(
    1,
    Math.min(batches, maxParallel, Math.max(2, Math.ceil(maxParallel / batchSize) + 1)),
  );
  const perBatch = Math.max(1, Math.min(batchSize, Math.floor(maxParallel / concurrentBatches)));
  return { batches, concurrentBatches, perBatch };
}

export function addMs(date: Date, ms: number): Date {
  return new Date(date.getTime() + ms);
}

/** The first start time ≥ `nowMs` of a copy slot (see CopySlot in contracts.ts). */
export function nextSlotMs(nowMs: number, slot: { lane: number; lanes: number; intervalMs: number }): number {
  const period = slot.lanes * slot.intervalMs;
  const offset = slot.lane * slot.intervalMs;
  const k = Math.ceil((nowMs - offset) / period);
  return k * period + offset;
}

/** The lowest lane in `0 … count − 1` not in `used`. */
export function freeLane(used: Iterable<number>, count: number): number {
  const taken = new Set(used);
  for (let lane = 0; lane < count; lane++) if (!taken.has(lane)) return lane;
  throw new Error(`no free lane among ${count}`);
}
