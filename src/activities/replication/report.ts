/**
 * The run's report, saved in the ledger (the readiness report and `npm run local` read it).
 */
import type { RunPair, RunReport } from '../../ledger/runReports';
import type { RunSummary } from '../../replication/contracts';
import type { ReplicationDeps } from './deps';

export async function saveRunReport(deps: ReplicationDeps, summary: RunSummary): Promise<void> {
  const ledger = await deps.ledger();
  await ledger.runReports.save(toRunReport(summary));
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
  };
}
