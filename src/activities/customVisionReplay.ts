/**
 * `POST /api/customvision/replay`: puts notifications that could not be processed back on the
 * notification queue, at most `max` per call — first the poison queue (`<queue>-poison`: messages
 * that failed transiently `maxDequeueCount` times), then, when asked, rejected records whose reason
 * is retryable (`configuration`, `transient`: the message was fine, a setting or the storage was not).
 *
 * Safe to repeat, and to call concurrently: a poison message is received hidden from other callers
 * and deleted after it is re-sent; a rejected record is claimed with a conditional write
 * (`replayClaimedAt`, If-Match its ETag) before it is re-sent — so of any number of concurrent
 * callers exactly one sends it — and marked `replayedAt` after (skipped afterwards). A crash after
 * the send re-sends one message twice once the claim is stale, which changes nothing (processing
 * is idempotent); a crash between claim and send delays the record until the claim is stale. A rejected record is replayed
 * from its stored text: SAS-redacted, which loses nothing needed — a `modelUri` is used without its
 * query (the app reads the blob with its own credential), the ids and statuses are kept.
 */
import type { RejectedNotification } from '../ledger/rejectedNotifications';
import type { ReplayRequest } from '../http/customVisionReplayRequest';
import type { AppLogger } from '../runtime/logger';
import type { CustomVisionDeps } from './customVisionDeps';

/** The notification queue and its poison queue (over the `AzureWebJobsStorage` connection). */
export interface ReplayQueues {
  readonly notificationQueue: string;
  readonly poisonQueue: string;
  /** Up to `n` (≤ 32) poison messages, hidden from others for a while; text exactly as stored. */
  receivePoison(n: number): Promise<Array<{ id: string; popReceipt: string; text: string }>>;
  deletePoison(id: string, popReceipt: string): Promise<void>;
  /** Sends the text as it is (host.json `messageEncoding: none`). */
  send(text: string): Promise<void>;
}

export interface ReplayReport {
  moved: number;
  poison: { queue: string; moved: number; ids: string[] };
  rejected?: { moved: number; ids: string[]; reasons: string[]; skipped: Array<{ id: string; why: string }> };
  /** True when `max` was reached: call again for more. */
  more: boolean;
}

/** Why a rejected record cannot be replayed (undefined: it can). */
export function notReplayable(r: RejectedNotification): string | undefined {
  if (r.replayedAt !== undefined) return 'already replayed';
  if (r.raw.truncated) return 'its stored text is truncated';
  if (r.raw.text.startsWith('[withheld')) return 'its text was withheld';
  if (r.raw.text.trim() === '') return 'no text was kept';
  return undefined;
}

export async function replayNotifications(
  deps: CustomVisionDeps,
  queues: ReplayQueues,
  request: ReplayRequest,
  log: AppLogger,
): Promise<ReplayReport> {
  const report: ReplayReport = { moved: 0, poison: { queue: queues.poisonQueue, moved: 0, ids: [] }, more: false };
  while (report.moved < request.max) {
    const batch = await queues.receivePoison(Math.min(32, request.max - report.moved));
    if (batch.length === 0) break;
    for (const m of batch) {
      // Send first, then delete: a crash in between duplicates the message (harmless), never loses it.
      await queues.send(m.text);
      await queues.deletePoison(m.id, m.popReceipt);
      report.poison.ids.push(m.id);
      report.poison.moved += 1;
      report.moved += 1;
    }
  }
  if (request.includeRejected) {
    const rejected = {
      moved: 0,
      ids: [] as string[],
      reasons: [...request.reasons],
      skipped: [] as Array<{ id: string; why: string }>,
    };
    report.rejected = rejected;
    const reasons = new Set<string>(request.reasons);
    const store = await deps.rejected();
    const room = request.max - report.moved;
    if (room > 0) {
      const entries = await store.entries({
        limit: room,
        accept: (r) => reasons.has(r.reason.code) && r.replayedAt === undefined,
      });
      for (const { key, record } of entries) {
        const why = notReplayable(record);
        if (why) {
          rejected.skipped.push({ id: record.id, why });
          continue;
        }
        // Claimed first (a conditional write): of concurrent callers only one re-sends a record. A
        // crash between claim and send leaves the claim, taken again once it is stale.
        if (!(await store.claimReplay(key))) {
          rejected.skipped.push({ id: record.id, why: 'being replayed by another call (or already replayed)' });
          continue;
        }
        await queues.send(record.raw.text);
        await store.markReplayed(key);
        rejected.ids.push(record.id);
        rejected.moved += 1;
        report.moved += 1;
      }
    }
  }
  report.more = report.moved >= request.max;
  log.log(
    `replay: ${report.poison.moved} message(s) from ${queues.poisonQueue}${report.rejected ? ` and ${report.rejected.moved} rejected record(s) (${report.rejected.reasons.join(', ')})` : ''} put back on ${queues.notificationQueue}`,
  );
  return report;
}
