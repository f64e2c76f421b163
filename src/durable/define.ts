/**
 * The typed durable boundary: every activity and orchestrator is defined once, here-style,
 * with its input and output types and (for activities) its retry policy. The same
 * definition registers the handler (src/functions, `bindActivity`) and is called from
 * orchestrators (`callActivity`, `callOrchestrator` in ./call.ts), so a field renamed in an
 * input or an output fails to compile at every call site and in every handler.
 *
 * Pure data and types: orchestrators import definitions freely (no handler code comes with them).
 */

/** A durable retry policy as plain data (turned into `df.RetryOptions` by ./call.ts). */
export interface RetryPolicy {
  firstRetryIntervalMs: number;
  maxAttempts: number;
  backoffCoefficient: number;
  maxRetryIntervalMs: number;
}

/**
 * An activity: its function name, its retry policy (none: one try) and, as phantom types,
 * its input `I` and output `O`. `signature` never holds a value; it carries the types
 * (input contravariant, output covariant) so that `ActivityDef<A, B>` is not assignable to
 * `ActivityDef<C, D>` unless the types fit.
 */
export interface ActivityDef<I, O> {
  readonly kind: 'activity';
  readonly name: string;
  readonly retry?: RetryPolicy;
  readonly signature?: (input: I) => O;
}

/** An orchestrator: its function name and, as phantom types, its input and output. */
export interface OrchestratorDef<I, O> {
  readonly kind: 'orchestrator';
  readonly name: string;
  readonly signature?: (input: I) => O;
}

export type InputOf<D> = D extends ActivityDef<infer I, unknown> | OrchestratorDef<infer I, unknown> ? I : never;
export type OutputOf<D> = D extends ActivityDef<never, infer O> | OrchestratorDef<never, infer O> ? O : never;

export function defineActivity<I, O>(name: string, options: { retry?: RetryPolicy } = {}): ActivityDef<I, O> {
  return { kind: 'activity', name, ...(options.retry ? { retry: options.retry } : {}) };
}

export function defineOrchestrator<I, O>(name: string): OrchestratorDef<I, O> {
  return { kind: 'orchestrator', name };
}
