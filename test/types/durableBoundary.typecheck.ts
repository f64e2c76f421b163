/**
 * Compile-time test of the typed durable boundary (src/durable): type-checked by
 * `npm run typecheck` (tsconfig.json includes test/**), never run. Every `@ts-expect-error`
 * line must be an error: if the boundary stopped checking one of these, the directive would
 * be unused and the typecheck would fail.
 */
import type { OrchestrationContext, Task } from 'durable-functions';
import { callActivity, callOrchestrator } from '../../src/durable/call';
import { bindActivity, type ActivityHandlers } from '../../src/durable/register';
import { CvActivities } from '../../src/customVisionBackup/registry';
import { Activities, Orchestrators } from '../../src/replication/registry';

export function* wrongInputs(context: OrchestrationContext): Generator<Task, void, unknown> {
  // A correct call type-checks and returns the declared output.
  const started = yield* callActivity(context, Activities.startCopy, {
    runId: 'r',
    sourceModelId: 'm',
    region: 'eastus',
    attempt: 1,
  });
  if (started.kind === 'started') {
    const where: string = started.operationLocation;
    void where;
  }

  // @ts-expect-error a field missing from the activity's input (attempt)
  yield* callActivity(context, Activities.startCopy, { runId: 'r', sourceModelId: 'm', region: 'eastus' });

  yield* callActivity(context, Activities.startCopy, {
    runId: 'r',
    // @ts-expect-error a field renamed in the activity's input (sourceModelId → modelId)
    modelId: 'm',
    region: 'eastus',
    attempt: 1,
  });

  // @ts-expect-error a field of the wrong type (attempt is a number)
  yield* callActivity(context, Activities.startCopy, { runId: 'r', sourceModelId: 'm', region: 'e', attempt: '1' });

  // @ts-expect-error another activity's input
  yield* callActivity(context, Activities.checkCopy, { runId: 'r', scope: 'thisRun' });

  // @ts-expect-error a sweep scope that does not exist
  yield* callActivity(context, Activities.sweepBlankModels, { runId: 'r', scope: 'ownRun' });

  // @ts-expect-error a Custom Vision activity's input misses its platforms
  yield* callActivity(context, CvActivities.requestExports, { projectId: 'p', iterationId: 'i' });
}

export function* outputMisuse(context: OrchestrationContext): Generator<Task, void, unknown> {
  const started = yield* callActivity(context, Activities.startCopy, {
    runId: 'r',
    sourceModelId: 'm',
    region: 'eastus',
    attempt: 1,
  });
  // @ts-expect-error operationLocation exists only on the 'started' variant
  void started.operationLocation;

  const plan = yield* callActivity(context, Activities.planReplication, { runId: 'r', regions: [] });
  // @ts-expect-error a misspelled output field
  void plan.toCopyPairs;

  // @ts-expect-error an output used as another type (a string where the listing's count is)
  const n: string = (yield* callActivity(context, Activities.listSourceModels, { runId: 'r' })).listed;
  void n;

  const batch = yield* callOrchestrator(context, Orchestrators.batch, {
    runId: 'r',
    pairs: [],
    parallel: 1,
    policy: {
      pollInitialMs: 1,
      pollYoungCapMs: 1,
      youngForMs: 1,
      pollMaxMs: 1,
      deadlineMs: 1,
      maxAttempts: 1,
      retryBackoffMs: 1,
      verifyTimeoutMs: 1,
    },
  });
  // @ts-expect-error a batch returns outcomes, not a summary
  void batch.totals;
}

// Handlers are checked against the definitions too.
bindActivity(Activities.discardTarget, async () => ({ deleted: true }));
// @ts-expect-error a handler returning the wrong output
bindActivity(Activities.discardTarget, async () => ({ removed: true }));
// @ts-expect-error a handler reading a field its input does not have
bindActivity(Activities.sweepBlankModels, async (input) => ({ deleted: input.ownRun ? 1 : 0 }));

// A factory must provide every activity of the registry, with the registry's types.
// @ts-expect-error checkExports and recordBackupOutcome are missing
export const incomplete: ActivityHandlers<typeof CvActivities> = { requestExports: async () => [] };
