/**
 * Custom Vision project DR: one copy of one source project into one DR region.
 *
 * begin (decide: copy, or the DR copy is up to date) → export + import in one activity (the
 * token never leaves it; a source that is training or read-only is waited out on a durable
 * timer) → wait for `Succeeded` (durable timers: first at the export's estimate, then doubling,
 * up to a deadline) → verify the counts read from the DR project against the export's →
 * publish the iteration matching the source's published one (none, and `CV_DR_TRAIN_MISSING`:
 * train the DR project and wait for its iteration on durable timers, then publish that one, its
 * origin recorded as `trainedInDr`) → finish (record, retire older
 * copies, delete a failed one). When a copy was asked for after this one started, it runs again
 * (continue-as-new), so concurrent notifications converge to one copy of the newest state.
 *
 * Deterministic (replayed): no I/O, no clock but `context.df.currentUtcDateTime`.
 */
import type { OrchestrationContext, Task } from 'durable-functions';
import {
  cvDrProjectName,
  type CvDrCountsData,
  type CvDrOutcome,
  type CvProjectCopyOutput,
  type CvProjectCopyProgress,
} from '../customVisionProjectDr/contracts';
import {
  CV_DR_DEADLINE_MS,
  CV_DR_FIRST_POLL_MS,
  CV_DR_FIRST_TRAIN_POLL_MS,
  CV_DR_MAX_POLL_MS,
  CV_DR_TRAIN_DEADLINE_MS,
  CvDrActivities,
  CvDrOrchestrators,
} from '../customVisionProjectDr/registry';
import { callActivity, inputOf } from '../durable/call';

/**
 * The counts an import must reproduce; regions are not read back (see docs/custom-vision.md).
 * With `CV_DR_TRAIN_MISSING` (`trainMissing`), missing iterations are not a failure: training fills them.
 */
export function countMismatch(
  expected: CvDrCountsData,
  actual: CvDrCountsData,
  trainMissing = false,
): string | undefined {
  const keys = trainMissing ? (['images', 'tags'] as const) : (['iterations', 'images', 'tags'] as const);
  const short = keys.filter((k) => actual[k] < expected[k]);
  if (short.length === 0) return undefined;
  return short.map((k) => `${k} ${actual[k]} of ${expected[k]}`).join(', ');
}

export function* customVisionProjectCopyOrchestrator(
  context: OrchestrationContext,
): Generator<Task, CvProjectCopyOutput, unknown> {
  const input = inputOf(context, CvDrOrchestrators.copy);
  const { projectId, region, trigger } = input;
  const instanceId = context.df.instanceId;
  const startedAt = context.df.currentUtcDateTime.toISOString();
  const deadline = context.df.currentUtcDateTime.getTime() + CV_DR_DEADLINE_MS;
  const nowMs = (): number => context.df.currentUtcDateTime.getTime();
  let checks = 0;
  const progress = (step: CvProjectCopyProgress['step'], drProjectId?: string): void =>
    context.df.setCustomStatus({
      step,
      checks,
      ...(drProjectId ? { drProjectId } : {}),
    } satisfies CvProjectCopyProgress);

  function* finish(outcome: CvDrOutcome): Generator<Task, CvProjectCopyOutput, unknown> {
    progress('finish');
    const r = yield* callActivity(context, CvDrActivities.finish, {
      projectId,
      region,
      instanceId,
      trigger,
      startedAt,
      outcome,
    });
    const out: CvProjectCopyOutput = {
      projectId,
      region,
      state: outcome.kind,
      ...(outcome.kind === 'ready' ? { drProjectId: outcome.drProjectId } : {}),
      ...(outcome.kind === 'failed' ? { code: outcome.code, message: outcome.message } : {}),
      startedAt,
      finishedAt: context.df.currentUtcDateTime.toISOString(),
      retired: r.retired,
    };
    if (r.again) context.df.continueAsNew({ projectId, region, trigger });
    return out;
  }

  progress('begin');
  const begin = yield* callActivity(context, CvDrActivities.begin, {
    projectId,
    region,
    instanceId,
    trigger,
    startedAt,
  });
  if (begin.action === 'upToDate') return yield* finish({ kind: 'upToDate' });
  if (begin.action === 'failed') return yield* finish({ kind: 'failed', code: begin.code, message: begin.message });

  // 1. Export and import (one activity); wait out a training or read-only source.
  const copyName = cvDrProjectName(begin.sourceName, projectId, startedAt);
  progress('exportImport');
  let imported = yield* callActivity(context, CvDrActivities.exportImport, { projectId, region, instanceId, copyName });
  while (imported.state === 'deferred') {
    if (nowMs() + imported.retryAfterMs >= deadline)
      return yield* finish({
        kind: 'failed',
        code: imported.code,
        message: `still not exportable at the deadline: ${imported.message}`,
      });
    progress('deferred');
    yield context.df.createTimer(new Date(nowMs() + imported.retryAfterMs));
    imported = yield* callActivity(context, CvDrActivities.exportImport, { projectId, region, instanceId, copyName });
  }
  if (imported.state === 'failed')
    return yield* finish({ kind: 'failed', code: imported.code, message: imported.message });
  const { drProjectId, expected } = imported;

  // 2. Wait for Succeeded: no notification announces the end of an import.
  let delay = Math.max(CV_DR_FIRST_POLL_MS, imported.estimatedImportTimeMs);
  let actual: CvDrCountsData | undefined;
  for (;;) {
    if (nowMs() + delay >= deadline)
      return yield* finish({
        kind: 'failed',
        code: 'ImportTimedOut',
        message: `the import was still running at the deadline (${Math.round(CV_DR_DEADLINE_MS / 3600_000)} h)`,
        drProjectId,
        expected,
      });
    progress('waitingForImport', drProjectId);
    yield context.df.createTimer(new Date(nowMs() + delay));
    checks += 1;
    const c = yield* callActivity(context, CvDrActivities.checkImport, { region, drProjectId, expected });
    if (c.state === 'failed')
      return yield* finish({
        kind: 'failed',
        code: c.code,
        message: c.message,
        drProjectId,
        expected,
        ...(c.actual ? { actual: c.actual } : {}),
      });
    if (c.state === 'succeeded') {
      actual = c.actual;
      break;
    }
    delay = Math.min(delay * 2, CV_DR_MAX_POLL_MS);
  }

  // 3. Verify: a short count is a failed copy with the numbers, never "ok".
  const short = countMismatch(expected, actual, begin.trainMissing);
  if (short)
    return yield* finish({
      kind: 'failed',
      code: 'CountMismatch',
      message: `the imported project is short of the export: ${short}`,
      drProjectId,
      expected,
      actual,
    });

  // 4. Publish the iteration matching the source's published one.
  progress('publish', drProjectId);
  let pub = yield* callActivity(context, CvDrActivities.publish, {
    region,
    drProjectId,
    ...(begin.published ? { published: begin.published } : {}),
  });

  // 4b. None matches and CV_DR_TRAIN_MISSING: train in the DR region (billed), wait, publish that.
  if (pub.state === 'needsTraining') {
    const failed = (code: string, message: string) =>
      finish({ kind: 'failed', code, message, drProjectId, expected, actual });
    progress('training', drProjectId);
    const t = yield* callActivity(context, CvDrActivities.train, { region, drProjectId, since: startedAt });
    if (t.state === 'failed') return yield* failed(t.code, t.message);
    const trainDeadline = nowMs() + CV_DR_TRAIN_DEADLINE_MS;
    let wait = CV_DR_FIRST_TRAIN_POLL_MS;
    for (;;) {
      if (nowMs() + wait >= trainDeadline)
        return yield* failed(
          'TrainingTimedOut',
          `the training in ${region} was still running at the deadline (${Math.round(CV_DR_TRAIN_DEADLINE_MS / 3600_000)} h)`,
        );
      yield context.df.createTimer(new Date(nowMs() + wait));
      checks += 1;
      progress('training', drProjectId);
      const c = yield* callActivity(context, CvDrActivities.checkTraining, {
        region,
        drProjectId,
        iterationId: t.iterationId,
      });
      if (c.state === 'failed') return yield* failed(c.code, c.message);
      if (c.state === 'completed') break;
      wait = Math.min(wait * 2, CV_DR_MAX_POLL_MS);
    }
    progress('publish', drProjectId);
    pub = yield* callActivity(context, CvDrActivities.publish, {
      region,
      drProjectId,
      ...(begin.published ? { published: begin.published } : {}),
      trainedIterationId: t.iterationId,
    });
  }
  if (pub.state === 'needsTraining')
    return yield* finish({
      kind: 'failed',
      code: 'NoCompletedIteration',
      message: pub.reason,
      drProjectId,
      expected,
      actual,
    });
  if (pub.state === 'failed')
    return yield* finish({ kind: 'failed', code: pub.code, message: pub.message, drProjectId, expected, actual });
  return yield* finish({
    kind: 'ready',
    drProjectId,
    expected,
    actual,
    ...(begin.sourceIterationId ? { sourceIterationId: begin.sourceIterationId } : {}),
    ...(pub.state === 'published'
      ? {
          iterationId: pub.iterationId,
          iterationName: pub.iterationName,
          iterationOrigin: pub.origin,
          publishName: pub.publishName,
        }
      : {}),
  });
}
