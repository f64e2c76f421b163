/**
 * Registering definitions with durable-functions (used by the composition root in
 * src/functions only): the handler's types are checked against the definition's.
 */
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import type { ActivityDef, OrchestratorDef } from './define';

export type ActivityHandler<I, O> = (input: I, context: InvocationContext) => Promise<O> | O;

export function bindActivity<I, O>(def: ActivityDef<I, O>, handler: ActivityHandler<I, O>): void {
  df.app.activity(def.name, { handler: (input: I, context: InvocationContext) => handler(input, context) });
}

export type OrchestratorHandler<O> = (context: OrchestrationContext) => Generator<Task, O, unknown>;

export function bindOrchestrator<I, O>(def: OrchestratorDef<I, O>, handler: OrchestratorHandler<O>): void {
  df.app.orchestration(def.name, handler);
}

/** The handlers for a registry of activity definitions, one per key, with the definitions' types. */
export type ActivityHandlers<D extends Record<string, ActivityDef<never, unknown>>> = {
  [K in keyof D]: D[K] extends ActivityDef<infer I, infer O> ? ActivityHandler<I, O> : never;
};

/**
 * Binds every definition of `defs` to the handler of the same key. `handlers` is read at each
 * invocation, so the app instance's current set is used (built once by the composition root).
 */
export function bindActivities<D extends Record<string, ActivityDef<never, unknown>>>(
  defs: D,
  handlers: () => ActivityHandlers<D>,
): void {
  for (const key of Object.keys(defs) as Array<keyof D & string>) {
    df.app.activity(defs[key].name, {
      handler: (input: unknown, context: InvocationContext) =>
        (handlers()[key] as unknown as ActivityHandler<unknown, unknown>)(input, context),
    });
  }
}
