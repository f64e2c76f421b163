/**
 * A replication run: list the source, plan against the ledger and the targets, copy
 * what is missing in batches (bounded parallelism), report.
 *
 * One failed pair never aborts the run: copy orchestrations settle into outcomes. The
 * run fails only when the source cannot be listed or the ledger cannot be written, and
 * then with a reason. Progress is in the custom status.
 */
import type { OrchestrationContext, Task } from 'durable-functions';
import {
  activityAttempt,
  callActivity,
  inputOf,
  orchestratorTask,
  resultOf,
  retryDelayFor,
  type TypedTask,
} from '../durable/call';
import type { CopyOutcome, ListingProgress, PairRef, Plan, RunProgress, RunSummary } from '../replication/contracts';
import { addMs, batchInstanceId, batchLayout, chunk, freeLane } from '../replication/policy';
import { Activities, Orchestrators } from '../replication/registry';
import { isSettled, slidingWindow } from './slidingWindow';

/**
 * A run that fails as a whole (an activity out of retries, a bug) is told to telemetry before the
 * orchestration fails, so the failed-run alert fires and not only the dead man's switch.
 */
export function* replicateModelsOrchestrator(context: OrchestrationContext): Generator<Task, RunSummary, unknown> {
  const input = inputOf(context, Orchestrators.replicate) ?? { trigger: 'http' };
  const startedAt = context.df.currentUtcDateTime.toISOString();
  const failure: RunFailure = {};
  try {
    return yield* replicateModels(context, failure);
  } catch (e) {
    if (!input.dryRun) {
      const error = firstLine(e, 300);
      yield* callActivity(context, Activities.reportRunFailed, {
        runId: context.df.instanceId,
        trigger: input.trigger,
        startedAt,
        error,
        ...(failure.sourceUnreachable ? { sourceUnreachable: failure.sourceUnreachable } : {}),
      });
    }
    throw e;
  }
}

/** What the run knew of its failure: set when the source (the active primary) could not be listed. */
interface RunFailure {
  sourceUnreachable?: { region: string; reason: string; at: string };
}

const firstLine = (e: unknown, max: number): string =>
  (e instanceof Error ? e.message : String(e)).split('\n')[0]?.slice(0, max) || 'failed';

function* replicateModels(context: OrchestrationContext, failure: RunFailure): Generator<Task, RunSummary, unknown> {
  const input = inputOf(context, Orchestrators.replicate) ?? { trigger: 'http' };
  const runId = context.df.instanceId;
  const startedAt = context.df.currentUtcDateTime.toISOString();
  const progress: RunProgress = {
    phase: 'listing',
    total: 0,
    done: 0,
    copied: 0,
    failed: 0,
    batches: 0,
    batchesDone: 0,
  };
  context.df.setCustomStatus(progress);

  const config = yield* callActivity(context, Activities.loadRunConfig, { regions: input.regions, runId });
  // Blank target models left by an earlier run that died mid-copy are deleted first; its copies
  // that landed meanwhile are recorded as replicas (reported as recovered), never deleted.
  const swept = input.dryRun
    ? undefined
    : yield* callActivity(context, Activities.sweepBlankModels, { runId, scope: 'earlierRuns' });
  // A long listing pauses to respect the service's list rate and resumes where it stopped. The
  // items go to the ledger's listing scratch, not into this history. A source that cannot be
  // listed (out of retries) fails the run, recorded as the primary unreachable (docs/failover.md).
  try {
    for (
      let listing = yield* callActivity(context, Activities.listSourceModels, { runId, models: input.models });
      listing.resume;
    ) {
      yield context.df.createTimer(addMs(context.df.currentUtcDateTime, Math.max(1, listing.resume.retryAfterMs)));
      listing = yield* callActivity(context, Activities.listSourceModels, {
        runId,
        models: input.models,
        from: listing.resume.from,
      });
    }
  } catch (e) {
    failure.sourceUnreachable = {
      region: config.sourceRegion,
      reason: firstLine(e, 500),
      at: context.df.currentUtcDateTime.toISOString(),
    };
    throw e;
  }

  progress.phase = 'planning';
  context.df.setCustomStatus(progress);
  // Every target is listed at once, each at its own pace; a target that cannot be listed never
  // fails the run (nor holds up another region): its pairs are planned from the ledger alone and
  // the copies themselves meet the target's trouble pair by pair.
  const unlisted = yield* listTargets(context, runId, config.regions);
  const plan = yield* callActivity(context, Activities.planReplication, {
    runId,
    regions: config.regions,
    ...(input.models ? { models: input.models } : {}),
    ...(unlisted.length > 0 ? { unlisted } : {}),
    ...(input.dryRun ? { dryRun: true } : { recordVerified: true }),
  });

  const outcomes: CopyOutcome[] = [];
  if (!input.dryRun && plan.toCopy.length > 0) {
    // Items referenced by id go first (classifiers → plain models → composed models, see
    // replication/items.ts); each phase ends before the next starts. One phase for v2.
    const phases = splitPhases(plan.toCopy, plan.phaseSizes).map((pairs) => ({
      pairs,
      layout: batchLayout(pairs.length, config.maxParallel, config.batchSize),
    }));
    const batches = phases.flatMap((p, phase) => chunk(p.pairs, config.batchSize).map((pairs) => ({ pairs, phase })));
    Object.assign(progress, { phase: 'copying', total: plan.toCopy.length, batches: batches.length });
    context.df.setCustomStatus(progress);

    // Each batch in flight holds `perBatch` of the phase's `concurrentBatches × perBatch` lanes (copy start
    // slots, see CopySlot): only lanes some batch can hold, so no slot of the lane period goes unused.
    const position = new Map<number, number>();
    yield* slidingWindow(context, {
      items: batches,
      // A batch of the next phase starts only when the current phase is done.
      canStart: (batch, running) =>
        running.every((r) => r.phase === batch.phase) && running.length < phases[batch.phase].layout.concurrentBatches,
      start: (batch, index) => {
        const { perBatch, concurrentBatches } = phases[batch.phase].layout;
        const at = freeLane(position.values(), concurrentBatches);
        position.set(index, at);
        const slots = config.managementIntervalMs
          ? { base: at * perBatch, lanes: concurrentBatches * perBatch, intervalMs: config.managementIntervalMs }
          : undefined;
        return orchestratorTask(
          context,
          Orchestrators.batch,
          { runId, pairs: batch.pairs, parallel: perBatch, policy: config.copy, ...(slots ? { slots } : {}) },
          batchInstanceId(runId, index),
        );
      },
      settle: (task, batch, index) => {
        position.delete(index);
        if (!task.isFaulted) {
          outcomes.push(...resultOf(task).outcomes);
        } else {
          // A batch only fails on a bug; its pairs are reported as failed, never dropped.
          const message =
            task.result instanceof Error ? task.result.message.split('\n')[0] : 'batch orchestration failed';
          outcomes.push(...failedPairs(batch.pairs, outcomes, message, context.df.currentUtcDateTime.toISOString()));
        }
        progress.batchesDone += 1;
      },
      afterRound: () => {
        progress.done = outcomes.length;
        progress.copied = outcomes.filter((o) => o.outcome === 'copied').length;
        progress.failed = progress.done - progress.copied;
        context.df.setCustomStatus(progress);
      },
    });
  }

  // Pairs planning found no room for in their target (recorded failed by planning).
  if (!input.dryRun) outcomes.push(...targetFullOutcomes(plan, context.df.currentUtcDateTime.toISOString()));
  progress.phase = 'reporting';
  context.df.setCustomStatus(progress);
  // Every copy is settled: blank target models this run could not delete on the way go now.
  const sweptOwn =
    !input.dryRun && (outcomes.length > 0 || (swept?.recovered?.length ?? 0) > 0)
      ? yield* callActivity(context, Activities.sweepBlankModels, { runId, scope: 'thisRun' })
      : undefined;
  const recovered = [...(swept?.recovered ?? []), ...(sweptOwn?.recovered ?? [])];
  const copied = outcomes.filter((o) => o.outcome === 'copied' && !o.alreadyThere);
  const foundInTarget = outcomes.filter((o) => o.outcome === 'copied' && o.alreadyThere);
  const unverifiedReason = (region: string): string =>
    plan.unverifiedRegions?.find((u) => u.region === region)?.reason ?? 'the target could not be listed';
  const failed = outcomes.filter((o) => o.outcome === 'failed');
  const summary: RunSummary = {
    runId,
    trigger: input.trigger,
    dryRun: input.dryRun === true,
    startedAt,
    finishedAt: context.df.currentUtcDateTime.toISOString(),
    sourceRegion: config.sourceRegion,
    regions: config.regions,
    filters: { models: input.models, regions: input.regions },
    totals: {
      readyModels: plan.readyModels,
      pairs: plan.readyModels * config.regions.length,
      planned: plan.toCopy.length,
      copied: copied.length,
      alreadyReplicated: plan.alreadyReplicatedCount + foundInTarget.length,
      failed: failed.length,
      unverified: plan.unverified?.length ?? 0,
    },
    plan: input.dryRun ? plan : undefined,
    failures: failed.map((o) => ({
      sourceModelId: o.sourceModelId,
      region: o.region,
      reason: o.reason ?? { kind: 'internal', message: 'unknown' },
      attempts: o.attempts,
    })),
    copies: copied.map((o) => ({
      sourceModelId: o.sourceModelId,
      region: o.region,
      targetModelId: o.targetModelId ?? '',
    })),
    foundInTarget: foundInTarget.map((o) => ({
      sourceModelId: o.sourceModelId,
      region: o.region,
      targetModelId: o.targetModelId ?? '',
    })),
    unverified: (plan.unverified ?? []).map((u) => ({ ...u, reason: unverifiedReason(u.region) })),
    invalidModels: plan.invalid,
    creatingModels: plan.creating,
    notFoundModels: plan.notFound,
    unknownRegions: config.unknownRegions,
    ...(plan.unverifiedRegions ? { unverifiedRegions: plan.unverifiedRegions } : {}),
    ...(recovered.length > 0 ? { recovered } : {}),
  };
  // A dry run changes nothing, not even the list of reports: its plan is its output.
  if (!input.dryRun) yield* callActivity(context, Activities.saveRunReport, summary);
  progress.phase = 'done';
  context.df.setCustomStatus(progress);
  return summary;
}

/** The pairs planning ended as `targetFull`, as failed outcomes (the code and the numbers in the reason). */
function targetFullOutcomes(plan: Plan, when: string): CopyOutcome[] {
  return (plan.targetFull ?? []).map((p) => ({
    sourceModelId: p.sourceModelId,
    region: p.region,
    outcome: 'failed',
    reason: { kind: 'permanent', code: 'targetFull', message: p.message },
    attempts: 0,
    discarded: 0,
    startedAt: when,
    finishedAt: when,
  }));
}

/** The pairs of a failed batch that have no outcome yet, as failed. */
function failedPairs(pairs: PairRef[], outcomes: CopyOutcome[], message: string, when: string): CopyOutcome[] {
  return pairs
    .filter((pair) => !outcomes.some((o) => o.sourceModelId === pair.sourceModelId && o.region === pair.region))
    .map((pair) => ({
      ...pair,
      outcome: 'failed',
      reason: { kind: 'internal', message },
      attempts: 0,
      discarded: 0,
      startedAt: when,
      finishedAt: when,
    }));
}

/** `toCopy` cut into its consecutive phases. */
function splitPhases(pairs: PairRef[], sizes: readonly number[]): PairRef[][] {
  const out: PairRef[][] = [];
  let at = 0;
  for (const n of sizes) {
    if (n > 0) out.push(pairs.slice(at, at + n));
    at += n;
  }
  if (at < pairs.length) out.push(pairs.slice(at));
  return out;
}

/**
 * Lists every region's target into the listing scratch, all at once: each region's listing is a
 * chain of activity calls (a burst of pages each) and durable timers (the list rate's pauses,
 * and the back-off of the activity's retry policy, applied here: see `activityAttempt`).
 * Returns the regions whose listing failed (out of retries), with the reason.
 */
function* listTargets(
  context: OrchestrationContext,
  runId: string,
  regions: readonly string[],
): Generator<Task, Array<{ region: string; reason: string }>, unknown> {
  const def = Activities.listTargetModels;
  const failed: Array<{ region: string; reason: string }> = [];
  type Step = { region: string; task: Task; listing?: TypedTask<ListingProgress>; from?: string; attempt: number };
  const list = (region: string, from: string | undefined, attempt: number): Step => {
    const listing = activityAttempt(context, def, { runId, region, ...(from !== undefined ? { from } : {}) });
    return { region, task: listing, listing, attempt, ...(from !== undefined ? { from } : {}) };
  };
  const pause = (region: string, from: string | undefined, attempt: number, ms: number): Step => ({
    region,
    task: context.df.createTimer(addMs(context.df.currentUtcDateTime, Math.max(1, ms))),
    attempt,
    ...(from !== undefined ? { from } : {}),
  });
  let pending: Step[] = regions.map((r) => list(r, undefined, 1));
  while (pending.length > 0) {
    // Task.any over tasks already complete never resolves (see slidingWindow.ts): wait only when none is.
    if (!pending.some((p) => isSettled(p.task))) yield context.df.Task.any(pending.map((p) => p.task));
    const next: Step[] = [];
    for (const step of pending) {
      if (!isSettled(step.task)) {
        next.push(step);
      } else if (!step.listing) {
        next.push(list(step.region, step.from, step.attempt)); // a pause is over
      } else if (step.task.isFaulted) {
        const delay = def.retry ? retryDelayFor(def.retry, step.attempt) : undefined;
        if (delay !== undefined) {
          next.push(pause(step.region, step.from, step.attempt + 1, delay));
        } else {
          const e = step.task.result;
          failed.push({
            region: step.region,
            reason: (e instanceof Error ? e.message.split('\n')[0] : 'listing failed').slice(0, 500),
          });
        }
      } else {
        const resume = resultOf(step.listing).resume;
        if (resume) next.push(pause(step.region, resume.from, 1, resume.retryAfterMs));
      }
    }
    pending = next;
  }
  return failed;
}
