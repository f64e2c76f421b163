/**
 * Restore drills. `drillModels` plans (models with a sample × regions with a verified replica),
 * keeps the run within `DR_DRILL_MAX_PAGES`, and drills the models in windows of bounded
 * parallelism through one `drillModel` sub-orchestration each; one failed drill never aborts
 * the run. `drillModel` analyzes the sample with the lineage's origin (its member, its id there)
 * once and with every replica, waits on a durable timer when the analyze pacer has no slot yet
 * (S0_ANALYZE_RPS per resource), polls each analyze with durable timers (honouring Retry-After),
 * and records the outcomes (compared with the last recorded source result when the origin could
 * not be analyzed).
 */
import type { OrchestrationContext, Task } from 'durable-functions';
import { callActivity, inputOf, orchestratorTask, resultOf } from '../durable/call';
import { isSettled } from './slidingWindow';
import {
  DRILL_MAX_PACED_WAITS,
  DRILL_MAX_THROTTLED_STARTS,
  DRILL_POLL,
  type AnalyzeEnd,
  type AnalyzeTarget,
  type DrillModelOutput,
  type DrillRunSummary,
  type PairDrill,
} from '../drills/contracts';
import { admitWithinBudget } from '../drills/budget';
import { DrillActivities, DrillOrchestrators } from '../drills/registry';

function addMs(date: Date, ms: number): Date {
  return new Date(date.getTime() + ms);
}

const waitOf = (retryAfterMs: number | undefined): number =>
  Math.min(DRILL_POLL.maxWaitMs, Math.max(500, retryAfterMs ?? DRILL_POLL.defaultWaitMs));

export function* drillModelsOrchestrator(context: OrchestrationContext): Generator<Task, DrillRunSummary, unknown> {
  const input = inputOf(context, DrillOrchestrators.run) ?? { trigger: 'http' };
  const runId = context.df.instanceId;
  const startedAt = context.df.currentUtcDateTime.toISOString();
  context.df.setCustomStatus({ phase: 'planning' });
  const plan = yield* callActivity(context, DrillActivities.planDrills, { ...input, runId });

  // The page budget (the run's, within what is left of the day's): see drills/budget.ts.
  const { admitted, skipped: skippedForPageBudget } = admitWithinBudget(plan.models, plan.maxPages);

  const pairs: PairDrill[] = [];
  let pagesAnalyzed = 0;
  for (let i = 0; i < admitted.length; i += plan.maxParallel) {
    const window = admitted.slice(i, i + plan.maxParallel);
    context.df.setCustomStatus({ phase: 'drilling', models: admitted.length, done: i });
    const tasks = window.map((model, j) =>
      orchestratorTask(context, DrillOrchestrators.model, { runId, model }, `${runId}:m${i + j}`),
    );
    // Every drill of the window settles before any is read: `Task.all` fails fast on the first
    // failed one, which would report siblings still running as failed (they may pass).
    while (tasks.some((t) => !isSettled(t))) yield context.df.Task.any(tasks.filter((t) => !isSettled(t)));
    window.forEach((model, j) => {
      const t = tasks[j];
      if (t.isCompleted && !t.isFaulted) {
        const out: DrillModelOutput = resultOf(t);
        pairs.push(...out.pairs);
        pagesAnalyzed += out.pagesAnalyzed;
      } else {
        for (const r of model.replicas)
          pairs.push({
            sourceModelId: model.sourceModelId,
            region: r.region,
            outcome: 'failed',
            reason: { code: 'DrillFailed', message: 'the drill could not be completed (see the run history)' },
          });
      }
    });
  }
  const count = (o: PairDrill['outcome']): number => pairs.filter((p) => p.outcome === o).length;
  const summary: DrillRunSummary = {
    runId,
    trigger: input.trigger,
    startedAt,
    finishedAt: context.df.currentUtcDateTime.toISOString(),
    pairs,
    noSample: plan.noSample,
    skippedForPageBudget,
    pagesAnalyzed,
    maxPages: plan.maxPages,
    ...(plan.day ? { day: plan.day } : {}),
    totals: {
      passed: count('passed'),
      mismatch: count('mismatch'),
      failed: count('failed'),
      noSample: plan.noSample.length,
      skipped: skippedForPageBudget.length,
    },
  };
  context.df.setCustomStatus({ phase: 'done', models: admitted.length, done: admitted.length });
  return summary;
}

/**
 * One analyze, from start to end: paced starts wait for their slot, throttled starts wait
 * Retry-After, polls wait Retry-After (durable timers).
 */
function* analyze(
  context: OrchestrationContext,
  runId: string,
  sample: string,
  at: AnalyzeTarget,
  modelId: string,
): Generator<Task, { end: AnalyzeEnd; pages: number }, unknown> {
  let started;
  for (let attempt = 0, paced = 0; ;) {
    started = yield* callActivity(context, DrillActivities.startAnalyze, { runId, sample, at, modelId });
    if (started.kind === 'wait') {
      // Paced at the analyze rate: wait exactly for the reserved slot (a durable timer, no sleeping activity).
      if (++paced > DRILL_MAX_PACED_WAITS)
        return { end: { kind: 'failed', reason: { code: 'Paced', message: 'no analyze slot came free' } }, pages: 0 };
      yield context.df.createTimer(
        addMs(context.df.currentUtcDateTime, Math.min(DRILL_POLL.maxWaitMs, Math.max(1, started.waitMs))),
      );
      continue;
    }
    if (started.kind !== 'throttled') break;
    if (attempt++ >= DRILL_MAX_THROTTLED_STARTS)
      return { end: { kind: 'failed', reason: { code: '429', message: 'analyze stayed throttled' } }, pages: 0 };
    yield context.df.createTimer(addMs(context.df.currentUtcDateTime, waitOf(started.retryAfterMs)));
  }
  if (started.kind === 'failed') return { end: { kind: 'failed', reason: started.reason }, pages: 0 };
  let wait = started.retryAfterMs;
  for (let poll = 0; poll < DRILL_POLL.maxPolls; poll++) {
    yield context.df.createTimer(addMs(context.df.currentUtcDateTime, waitOf(wait)));
    const s = yield* callActivity(context, DrillActivities.pollAnalyze, {
      at,
      operationLocation: started.operationLocation,
    });
    if (s.kind === 'succeeded') return { end: { kind: 'succeeded', result: s.result }, pages: s.result.pages };
    if (s.kind === 'failed') return { end: { kind: 'failed', reason: s.reason }, pages: 0 };
    wait = s.retryAfterMs;
  }
  return {
    end: {
      kind: 'failed',
      reason: { code: 'Timeout', message: `the analyze did not end after ${DRILL_POLL.maxPolls} polls` },
    },
    pages: 0,
  };
}

export function* drillModelOrchestrator(context: OrchestrationContext): Generator<Task, DrillModelOutput, unknown> {
  const { runId, model } = inputOf(context, DrillOrchestrators.model);
  // The source model is analyzed once per run, then each replica; one at a time per model
  // (the run's window bounds the models in flight; the start activity paces the analyze POSTs
  // per resource at the service's analyze rate, across runs).
  // The reference is the lineage's origin; a plan from before lineages (no `origin`, durable
  // history of a run in flight across the upgrade) keeps meaning the DR_SOURCE_* resource.
  const origin = model.origin;
  const source = origin
    ? yield* analyze(context, runId, model.sample, { kind: 'region', region: origin.region }, origin.modelId)
    : yield* analyze(context, runId, model.sample, { kind: 'source' }, model.sourceModelId);
  let pagesAnalyzed = source.pages;
  const replicas: Array<{ region: string; targetModelId: string; end: AnalyzeEnd }> = [];
  for (const r of model.replicas) {
    const a = yield* analyze(context, runId, model.sample, { kind: 'region', region: r.region }, r.targetModelId);
    pagesAnalyzed += a.pages;
    replicas.push({ region: r.region, targetModelId: r.targetModelId, end: a.end });
  }
  const pairs = yield* callActivity(context, DrillActivities.recordDrills, {
    runId,
    sourceModelId: model.sourceModelId,
    ...(model.sourceModelVersion ? { sourceModelVersion: model.sourceModelVersion } : {}),
    ...(origin ? { origin } : {}),
    sample: model.sample,
    source: source.end,
    replicas,
  });
  return { pairs, pagesAnalyzed };
}
