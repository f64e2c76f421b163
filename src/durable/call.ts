/**
 * Calling definitions from an orchestrator, typed: `yield* callActivity(context, Activities.startCopy, input)`
 * takes the activity's input type and returns its output type. The one cast from the engine's
 * `unknown` result to the declared output lives here, once.
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import type { ActivityDef, OrchestratorDef, RetryPolicy } from './define';

function retryOptions(policy: RetryPolicy): df.RetryOptions {
  const r = new df.RetryOptions(policy.firstRetryIntervalMs, policy.maxAttempts);
  r.backoffCoefficient = policy.backoffCoefficient;
  r.maxRetryIntervalInMilliseconds = policy.maxRetryIntervalMs;
  return r;
}

/** Schedules the activity (with its declared retry policy) without waiting: for `Task.any` / `Task.all`. */
export function activityTask<I, O>(context: OrchestrationContext, def: ActivityDef<I, O>, input: I): TypedTask<O> {
  const task = def.retry
    ? context.df.callActivityWithRetry(def.name, retryOptions(def.retry), input)
    : context.df.callActivity(def.name, input);
  return task as TypedTask<O>;
}

/**
 * Schedules one attempt of the activity, without its retry policy: for a caller that retries
 * itself (see `retryDelayFor`). A retrying task inside `Task.any` that fails its last attempt
 * never completes the `Task.any` in durable-functions 3.x, so chains of tasks raced with
 * `Task.any` retry by hand.
 */
export function activityAttempt<I, O>(context: OrchestrationContext, def: ActivityDef<I, O>, input: I): TypedTask<O> {
  return context.df.callActivity(def.name, input) as TypedTask<O>;
}

/** The wait before attempt `attempt + 1` under `policy`, or undefined when `attempt` was the last. */
export function retryDelayFor(policy: RetryPolicy, attempt: number): number | undefined {
  if (attempt >= policy.maxAttempts) return undefined;
  return Math.min(policy.maxRetryIntervalMs, policy.firstRetryIntervalMs * policy.backoffCoefficient ** (attempt - 1));
}

/** Calls the activity and returns its result (throws what the activity threw, after its retries). */
export function* callActivity<I, O>(
  context: OrchestrationContext,
  def: ActivityDef<I, O>,
  input: I,
): Generator<Task, O, unknown> {
  return (yield activityTask(context, def, input)) as O;
}

/** A durable task whose result, once completed without fault, is an `O`. */
export type TypedTask<O> = Task & { readonly resultType?: O };

/** Starts a sub-orchestration without waiting for it (for a sliding window of them). */
export function orchestratorTask<I, O>(
  context: OrchestrationContext,
  def: OrchestratorDef<I, O>,
  input: I,
  instanceId?: string,
): TypedTask<O> {
  return context.df.callSubOrchestrator(def.name, input, instanceId) as TypedTask<O>;
}

/** Calls a sub-orchestration and returns its output. */
export function* callOrchestrator<I, O>(
  context: OrchestrationContext,
  def: OrchestratorDef<I, O>,
  input: I,
  instanceId?: string,
): Generator<Task, O, unknown> {
  return (yield orchestratorTask(context, def, input, instanceId)) as O;
}

/** The result of a completed, not faulted task started by `activityTask` / `orchestratorTask`. */
export function resultOf<O>(task: TypedTask<O>): O {
  if (!task.isCompleted || task.isFaulted) throw new Error('resultOf: the task did not complete successfully');
  return task.result as O;
}

/** The input of the running orchestration, typed by its definition. */
export function inputOf<I, O>(context: OrchestrationContext, _def: OrchestratorDef<I, O>): I {
  return context.df.getInput() as I;
}
