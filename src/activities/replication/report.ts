/**
 * The run's report, saved in the ledger (the readiness report and `npm run local` read it),
 * and the run's telemetry: `ModelDr.RunCompleted`, then the health of every region from the
 * ledger (`ModelDr.ReplicaHealth` and the `modeldr.replica.*` gauges). Emitted here, in an
 * activity, because orchestrators replay.
 */
import { publishRouting } from '../failover';
import { loadReadModel, membersOf } from '../../readModel';
import type { RunPair, RunReport } from '../../ledger/runReports';
import type { RunFailedInput, RunSummary } from '../../replication/contracts';
import { emitReplicaHealth, emitRunCompleted, type RunCounts } from '../../telemetry/emit';
import type { ReplicationDeps } from './deps';

export async function saveRunReport(deps: ReplicationDeps, summary: RunSummary): Promise<void> {
  const ledger = await deps.ledger();
  await ledger.runReports.save(toRunReport(summary));
  // A run that copied something changed a mapping: clients read the new one (docs/failover.md).
  if (!summary.dryRun && summary.totals.copied > 0) await publishRouting(deps, `run:${summary.runId}`);
  const t = deps.telemetry;
  if (!t.enabled) return;
  emitRunCompleted(t, {
    runId: summary.runId,
    trigger: summary.trigger,
    apiVersion: deps.settings.apiVersion,
    ...runCounts(summary),
    durationMs: Date.parse(summary.finishedAt) - Date.parse(summary.startedAt),
  });
  // The same read model as /api/health and the dashboard (drills included): the events cannot disagree with them.
  const model = await loadReadModel(ledger, {
    regions: deps.settings.targets.map((x) => x.region),
    rpoHours: deps.settings.health.rpoHours,
    now: deps.clock.now(),
    // The standbys of the active primary, as in GET /api/report (after a failover: the home member too).
    members: membersOf(deps.settings),
  });
  emitReplicaHealth(t, model.health.replicas, summary.runId);
}

/**
 * A run that failed as a whole (its orchestration threw): `ModelDr.RunCompleted` with outcome
 * failed. A run that could not list its source (the active primary) also saves its report, with
 * `sourceUnreachable` and no pairs: the read model counts the app unhealthy until a run lists the
 * primary again. Idempotent: the report is built from the input alone.
 */
export async function reportRunFailed(deps: ReplicationDeps, input: RunFailedInput): Promise<void> {
  if (input.sourceUnreachable) await (await deps.ledger()).runReports.save(sourceUnreachableReport(input));
  const t = deps.telemetry;
  if (!t.enabled) return;
  emitRunCompleted(t, {
    runId: input.runId,
    trigger: input.trigger,
    apiVersion: deps.settings.apiVersion,
    copied: 0,
    alreadyReplicated: 0,
    failed: 0,
    unverified: 0,
    invalid: 0,
    durationMs: deps.clock.now() - Date.parse(input.startedAt),
    runFailed: true,
  });
}

/** The report of a run that failed listing its source: no pairs, the primary's region and why. */
export function sourceUnreachableReport(input: RunFailedInput): RunReport {
  const u = input.sourceUnreachable;
  if (!u) throw new Error('sourceUnreachableReport: the run did not fail listing its source');
  return {
    runId: input.runId,
    trigger: input.trigger,
    startedAt: input.startedAt,
    finishedAt: u.at,
    dryRun: false,
    filters: {},
    totals: { planned: 0, copied: 0, alreadyReplicated: 0, failed: 0, skipped: 0, unverified: 0 },
    pairs: [],
    invalidModels: [],
    creatingModels: [],
    sourceUnreachable: { region: u.region, reason: u.reason },
  };
}

/**
 * The run's counts for `ModelDr.RunCompleted`. `unverified`: pairs in a region the run could
 * not verify that it neither copied nor failed (counted already replicated from the ledger
 * alone); they are not counted in `alreadyReplicated`. A summary that counts them itself
 * (`totals.unverified`) is taken as it is.
 */
export function runCounts(summary: RunSummary): RunCounts {
  const t = summary.totals as RunSummary['totals'] & { unverified?: number };
  const invalid = summary.invalidModels.length;
  if (typeof t.unverified === 'number')
    return {
      copied: t.copied,
      alreadyReplicated: t.alreadyReplicated,
      failed: t.failed,
      unverified: t.unverified,
      invalid,
    };
  let unverified = 0;
  for (const u of summary.unverifiedRegions ?? []) {
    const settled =
      summary.copies.filter((c) => c.region === u.region).length +
      summary.failures.filter((f) => f.region === u.region).length;
    unverified += Math.max(0, t.readyModels - settled);
  }
  unverified = Math.min(unverified, t.alreadyReplicated);
  return {
    copied: t.copied,
    alreadyReplicated: t.alreadyReplicated - unverified,
    failed: t.failed,
    unverified,
    invalid,
  };
}

export function toRunReport(summary: RunSummary): RunReport {
  const pairs: RunPair[] = [
    ...summary.copies.map((c): RunPair => ({
      sourceModelId: c.sourceModelId,
      region: c.region,
      outcome: 'copied',
      targetModelId: c.targetModelId,
    })),
    ...summary.foundInTarget.map((c): RunPair => ({
      sourceModelId: c.sourceModelId,
      region: c.region,
      outcome: 'alreadyReplicated',
      targetModelId: c.targetModelId,
    })),
    ...summary.unverified.map((u): RunPair => ({
      sourceModelId: u.sourceModelId,
      region: u.region,
      outcome: 'unverified',
      targetModelId: u.targetModelId,
      reason: u.reason,
      ...(u.lastVerifiedAt !== undefined ? { verifiedAt: u.lastVerifiedAt } : {}),
    })),
    ...(summary.plan?.toCopy ?? []).map((p): RunPair => ({ ...p, outcome: 'planned' })),
    ...summary.failures.map((f): RunPair => ({
      sourceModelId: f.sourceModelId,
      region: f.region,
      outcome: 'failed',
      reason: `${f.reason.kind}${f.reason.code ? ` ${f.reason.code}` : ''}: ${f.reason.message}`,
    })),
  ];
  return {
    runId: summary.runId,
    trigger: summary.trigger,
    startedAt: summary.startedAt,
    finishedAt: summary.finishedAt,
    dryRun: summary.dryRun,
    filters: {
      ...(summary.filters.models ? { models: summary.filters.models } : {}),
      ...(summary.filters.regions ? { regions: summary.filters.regions } : {}),
    },
    totals: {
      planned: summary.totals.planned,
      copied: summary.totals.copied,
      alreadyReplicated: summary.totals.alreadyReplicated,
      failed: summary.totals.failed,
      skipped: summary.invalidModels.length + summary.creatingModels.length,
      unverified: summary.totals.unverified,
    },
    pairs,
    invalidModels: summary.invalidModels.map((m) => m.modelId),
    notCopyable: summary.invalidModels.map((m) => ({
      modelId: m.modelId,
      reason: m.notCopyable?.message ?? `${m.modelId} is invalid in the source: it cannot be copied`,
    })),
    creatingModels: summary.creatingModels.map((m) => m.modelId),
    ...(summary.unverifiedRegions?.length
      ? { unverifiedRegions: summary.unverifiedRegions.map((u) => ({ region: u.region, reason: u.reason })) }
      : {}),
    ...(summary.recovered?.length
      ? {
          recovered: summary.recovered.map((r) => ({
            sourceModelId: r.sourceModelId,
            region: r.region,
            targetModelId: r.targetModelId,
            startedByRun: r.startedByRun,
          })),
        }
      : {}),
  };
}
