/**
 * The failover orchestration's input, its activities' shapes (durable history: never a key,
 * token or SAS). Pure types. See docs/failover.md.
 */
import type { FailoverMode, FailoverReadiness, FailoverRecord } from '../ledger/failovers';

export type { FailoverMode, FailoverReadiness, FailoverRecord } from '../ledger/failovers';

/**
 * What a failover starts from: the request's fields of its record — `from` is the primary when it
 * was requested, `requestedAt` when the request arrived (the client function's clock: the start of
 * the RTO).
 */
export type FailoverInput = Pick<FailoverRecord, 'id' | 'mode' | 'from' | 'to' | 'dryRun' | 'force' | 'requestedAt'>;

export interface ReadinessInput {
  id: string;
  to: string;
  /** List the primary too (planned and test; never unplanned: no call to the old primary). */
  listPrimary: boolean;
}

export interface SwitchInput {
  id: string;
  mode: FailoverMode;
  /** The primary the failover was decided on (absent: the current one). */
  from?: string;
  to: string;
  requestedAt: string;
}

export type SwitchResult =
  | {
      switched: true;
      epoch: number;
      switchedAt: string;
      routingPublishedAt: string;
      routed: number;
      withoutCopy: string[];
    }
  | { switched: false; reason: string };

export interface FailoverOutput {
  status: FailoverRecord['status'];
  record: FailoverRecord;
}

export type { FailoverMode as Mode };
export type { FailoverReadiness as Readiness };
