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

/** Adds `lastDrill` to every report cell with a drill record (rows of `{sourceModelId, cells: {region: cell}}`). */
export function withLastDrills<R extends { rows: Array<{ sourceModelId: string; cells: Record<string, object> }> }>(
  report: R,
  drills: readonly DrillRecord[],
): R {
  const byPair = new Map(drills.map((d) => [`${d.region}\u0000${d.sourceModelId}`, d]));
  return {
    ...report,
    rows: report.rows.map((row) => ({
      ...row,
      cells: Object.fromEntries(
        Object.entries(row.cells).map(([region, cell]) => {
          const d = byPair.get(`${region}\u0000${row.sourceModelId}`);
          return [region, d ? { ...cell, lastDrill: lastDrillOf(d) } : cell];
        }),
      ),
    })),
  };
}
