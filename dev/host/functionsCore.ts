/**
 * A stand-in for `@azure/functions-core`, the module the Azure Functions Node.js worker
 * injects into the app. `@azure/functions` v4 sends every `app.*` registration through it
 * (`registerFunction(metadata, handler)`); without it the library enters "test mode" and
 * drops registrations. The local host resolves `@azure/functions-core` to this file:
 *
 * - under jest, with `moduleNameMapper: { '^@azure/functions-core$': '<rootDir>/dev/host/functionsCore.ts' }`;
 * - in plain node / tsx, with {@link installFunctionsCore} (patches `Module._resolveFilename`),
 *   which `createLocalHost` calls for you before it loads the app.
 *
 * `@azure/functions` caches its first lookup of the core module, so this must be resolvable
 * before the app's first `app.*` call.
 *
 * The registry lives on `globalThis` so that every copy of this module in one realm (jest
 * can load a file twice through different paths) feeds the same list.
 */
import Module from 'node:module';

export interface CoreBinding {
  type: string;
  direction: 'in' | 'out' | 'inout' | string;
  name?: string;
  [key: string]: unknown;
}

export interface CoreFunctionMetadata {
  name: string;
  bindings: Record<string, CoreBinding>;
  retryOptions?: unknown;
}

export type CoreHandler = (...args: unknown[]) => unknown;

export interface CapturedRegistration {
  /** Increases by one per registration in this realm. */
  seq: number;
  metadata: CoreFunctionMetadata;
  handler: CoreHandler;
}

export interface CoreDisposable {
  dispose(): void;
}

export type CoreLogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical' | 'none';

interface CoreState {
  registrations: CapturedRegistration[];
  programmingModel: unknown;
  hooks: Map<string, Set<(...args: unknown[]) => unknown>>;
  logSink: ((level: string, category: string, message: string) => void) | undefined;
}

const STATE_KEY = Symbol.for('ai-model-dr.localHost.functionsCore');

function state(): CoreState {
  const g = globalThis as unknown as Record<symbol, CoreState | undefined>;
  let s = g[STATE_KEY];
  if (!s) {
    s = { registrations: [], programmingModel: undefined, hooks: new Map(), logSink: undefined };
    g[STATE_KEY] = s;
  }
  return s;
}

// ---- the `@azure/functions-core` surface used by @azure/functions 4.x ----

export const version = 'ai-model-dr-local-host';

export function registerFunction(metadata: CoreFunctionMetadata, handler: CoreHandler): CoreDisposable {
  const s = state();
  const entry: CapturedRegistration = { seq: s.registrations.length, metadata, handler };
  s.registrations.push(entry);
  return {
    dispose(): void {
      const i = s.registrations.indexOf(entry);
      if (i >= 0) s.registrations.splice(i, 1);
    },
  };
}

export function setProgrammingModel(model: unknown): void {
  state().programmingModel = model;
}

export function getProgrammingModel(): unknown {
  return state().programmingModel;
}

export function registerHook(hookName: string, callback: (...args: unknown[]) => unknown): CoreDisposable {
  const hooks = state().hooks;
  let set = hooks.get(hookName);
  if (!set) {
    set = new Set();
    hooks.set(hookName, set);
  }
  set.add(callback);
  return {
    dispose(): void {
      set?.delete(callback);
    },
  };
}

export function log(level: string, category: string, message: string): void {
  const sink = state().logSink;
  if (sink) sink(level, category, message);
}

// ---- host-side helpers (not part of the worker's API) ----

/** Every registration captured so far in this realm, oldest first. */
export function capturedRegistrations(): readonly CapturedRegistration[] {
  return state().registrations;
}

/** Hooks registered through `app.hook.*` (appStart, preInvocation, ...). */
export function registeredHooks(hookName: string): Array<(...args: unknown[]) => unknown> {
  return [...(state().hooks.get(hookName) ?? [])];
}

/** Where `log()` calls of @azure/functions (system logs) go. */
export function setCoreLogSink(sink: CoreState['logSink']): void {
  state().logSink = sink;
}

type ResolveFilename = (request: string, parent: unknown, isMain: boolean, options?: unknown) => string;
const PATCH_KEY = Symbol.for('ai-model-dr.localHost.resolvePatched');

/**
 * Makes `require('@azure/functions-core')` resolve to this file in plain node / tsx.
 * Idempotent. Jest ignores `Module._resolveFilename`; use `moduleNameMapper` there.
 */
export function installFunctionsCore(): void {
  const mod = Module as unknown as { _resolveFilename: ResolveFilename } & Record<symbol, boolean>;
  if (mod[PATCH_KEY]) return;
  const original = mod._resolveFilename;
  const self = __filename;
  mod._resolveFilename = function patched(
    request: string,
    parent: unknown,
    isMain: boolean,
    options?: unknown,
  ): string {
    if (request === '@azure/functions-core') return self;
    return original.call(this, request, parent, isMain, options);
  };
  mod[PATCH_KEY] = true;
}
