/**
 * The last drill of a pair as the report and `GET /api/models/{id}/replicas` show it:
 * `{outcome, at, differences?}` (differences name fields; values only when recorded), the
 * reason of a failed drill, and whether it was compared with a recorded source result.
 */
import type { DrillRecord } from '../ledger/drills';
import type { DrillDifference } from './compare';
import type { DrillOutcome, DrillReason } from './contracts';

export interface LastDrill {
  outcome: DrillOutcome;
  at: string;
  differences?: DrillDifference[];
  reason?: DrillReason;
  comparedWithRecordedSource?: boolean;
}

export function lastDrillOf(r: DrillRecord): LastDrill {
  return {
    outcome: r.outcome,
    at: r.at,
    ...(r.differences ? { differences: r.differences } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
    ...(r.comparedWithRecordedSource ? { comparedWithRecordedSource: true } : {}),
  };
}
