/**
 * The adapter to durable-functions' internals: everything the local host relies on that the
 * library does not document as public API, in one place, so that a durable-functions upgrade
 * is checked against one file (see docs/reference/durable-internals.md).
 *
 * - the history wire format the Durable Task extension hands the replay engine (PascalCase
 *   events, numbers from `durable-functions/lib/src/history/HistoryEventType.js`);
 * - the orchestration payload (`history`, `input`, schema versions, timer durations);
 * - the actions the replay engine returns (`actionType` numbers, compound actions) and how
 *   the library numbers tasks while replaying them;
 * - the `$OutOfProcData$` label a failed orchestrator's error carries, and the serialized
 *   failure details of an activity error;
 * - `context.df.taskOrchestratorExecutor.openTasks` for the per-episode cross-check, and the
 *   library's version for messages.
 */
import dfPackage from 'durable-functions/package.json';

// ---------------------------------------------------------------- history wire format

export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
  ContinueAsNew: 16,
  GenericEvent: 17,
  HistoryState: 18,
  ExecutionSuspended: 19,
  ExecutionResumed: 20,
} as const;

export type EventTypeName = keyof typeof EventType;

const NAMES: Record<number, EventTypeName> = Object.fromEntries(
  Object.entries(EventType).map(([k, v]) => [v, k as EventTypeName]),
) as Record<number, EventTypeName>;

export function eventTypeName(t: number): EventTypeName | string {
  return NAMES[t] ?? String(t);
}

/** One history event. Every event has these four fields; the rest depends on the type. */
export interface HistoryEvent {
  EventType: number;
  /** The task's sequence number for scheduling events, -1 otherwise. */
  EventId: number;
  IsPlayed: boolean;
  /** ISO 8601. */
  Timestamp: string;
  [field: string]: unknown;
}

export function historyEvent(
  type: number,
  timestampMs: number,
  fields: Record<string, unknown> = {},
  eventId = -1,
): HistoryEvent {
  return {
    EventType: type,
    EventId: eventId,
    IsPlayed: false,
    Timestamp: new Date(timestampMs).toISOString(),
    ...fields,
  };
}

/** JSON text for a value, as the extension stores inputs and results (`undefined` → `null`). */
export function toJsonText(value: unknown): string {
  const text = JSON.stringify(value === undefined ? null : value);
  return text === undefined ? 'null' : text;
}

export function parseJsonText(text: unknown): unknown {
  if (typeof text !== 'string' || text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// ---------------------------------------------------------------- actions and payload

export interface RetryOptionsLike {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

export interface Action {
  actionType: number;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  retryOptions?: RetryOptionsLike;
  fireAt?: Date;
  isCanceled?: boolean;
  externalEventName?: string;
  compoundActions?: Action[];
  [k: string]: unknown;
}

export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
  LockEntities: 13,
  ReleaseEntities: 14,
} as const;

export const ACTION_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(ActionType).map(([k, v]) => [v, k]),
);

export const OUT_OF_PROC_LABEL = '\n\n$OutOfProcData$:';

/** `d.hh:mm:ss` as the extension writes TimeSpans. */
export function formatTimeSpan(ms: number): string {
  const totalSeconds = Math.floor(ms / 1000);
  const days = Math.floor(totalSeconds / 86400);
  const h = Math.floor((totalSeconds % 86400) / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${days}.${pad(h)}:${pad(m)}:${pad(s)}`;
}

export interface OrchestratorStateLike {
  isDone?: boolean;
  actions?: unknown[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
}

export function takesNumber(a: Action): boolean {
  return (
    a.actionType === ActionType.CallActivity ||
    a.actionType === ActionType.CallActivityWithRetry ||
    a.actionType === ActionType.CallSubOrchestrator ||
    a.actionType === ActionType.CallSubOrchestratorWithRetry ||
    a.actionType === ActionType.CreateTimer
  );
}

export function forEachAtomic(a: Action, visit: (a: Action) => void): void {
  if (
    (a.actionType === ActionType.WhenAll || a.actionType === ActionType.WhenAny) &&
    Array.isArray(a.compoundActions)
  ) {
    for (const c of a.compoundActions) forEachAtomic(c, visit);
  } else visit(a);
}

/**
 * The comparison keys of one episode's actions: an atomic action's key is its fingerprint;
 * a compound's (Task.any / Task.all, which repeat the same child actions episode after
 * episode) names its children by the interned numbers of their fingerprints, each child
 * fingerprinted once per episode. Equal keys ⇔ equal fingerprints, without building and
 * comparing ever longer strings.
 */
export class ActionKeys {
  private readonly memo = new Map<Action, string>();

  constructor(private readonly interned: Map<string, number>) {}

  keyOf(a: Action): string {
    const known = this.memo.get(a);
    if (known !== undefined) return known;
    let key: string;
    if (a.actionType === ActionType.WhenAll || a.actionType === ActionType.WhenAny) {
      key = `${ACTION_NAMES[a.actionType]}[${(a.compoundActions ?? []).map((c) => this.numberOf(c)).join(',')}]`;
    } else {
      key = fingerprintOf(a);
    }
    this.memo.set(a, key);
    return key;
  }

  private numberOf(a: Action): number {
    const key = this.keyOf(a);
    let n = this.interned.get(key);
    if (n === undefined) {
      n = this.interned.size;
      this.interned.set(key, n);
    }
    return n;
  }
}

/** A history event as the replay engine would get it from the extension (fresh objects, no shared parts). */
export function wireCopy(e: HistoryEvent, played: boolean): HistoryEvent {
  const copy: HistoryEvent = { ...e, IsPlayed: played };
  for (const k in copy) {
    const v = copy[k];
    if (typeof v === 'object' && v !== null) copy[k] = structuredClone(v);
  }
  return copy;
}

/** What must not change between replays (timer cancellation may). */
export function fingerprintOf(a: Action): string {
  const name = ACTION_NAMES[a.actionType] ?? `action ${a.actionType}`;
  switch (a.actionType) {
    case ActionType.WhenAll:
    case ActionType.WhenAny:
      return `${name}[${(a.compoundActions ?? []).map(fingerprintOf).join(', ')}]`;
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry:
      return `${name} '${a.functionName}'(${safeJson(a.input)})${a.retryOptions ? ` retry ${safeJson(a.retryOptions)}` : ''}`;
    case ActionType.CallSubOrchestrator:
    case ActionType.CallSubOrchestratorWithRetry:
      return `${name} '${a.functionName}'${a.instanceId ? ` id '${a.instanceId}'` : ''}(${safeJson(a.input)})${a.retryOptions ? ` retry ${safeJson(a.retryOptions)}` : ''}`;
    case ActionType.CreateTimer:
      return `${name} at ${new Date(a.fireAt as Date).toISOString()}`;
    case ActionType.WaitForExternalEvent:
      return `${name} '${a.externalEventName}'`;
    case ActionType.ContinueAsNew:
      return `${name}(${safeJson(a.input)})`;
    default:
      return name;
  }
}

/** What a value looks like after the extension has serialized it. */
export function jsonRoundTrip<T>(v: T): T {
  if (v === undefined) return v;
  const text = JSON.stringify(v);
  return (text === undefined ? undefined : JSON.parse(text)) as T;
}

function safeJson(v: unknown): string {
  try {
    const s = JSON.stringify(v);
    if (s === undefined) return 'undefined';
    return s.length > 200 ? `${s.slice(0, 200)}…` : s;
  } catch {
    return String(v);
  }
}

/** An activity error whose message is durable-functions' serialized failure details (setExceptionPropertiesProvider). */
export function parseFailureDetails(message: string): Record<string, unknown> | undefined {
  if (!message.startsWith('{')) return undefined;
  try {
    const v = JSON.parse(message) as Record<string, unknown>;
    if (typeof v.errorType !== 'string' || typeof v.errorMessage !== 'string' || !v.properties) return undefined;
    return {
      ErrorType: v.errorType,
      ErrorMessage: v.errorMessage,
      StackTrace: v.stackTrace,
      IsNonRetriable: !!v.isNonRetriable,
      Properties: v.properties,
    };
  } catch {
    return undefined;
  }
}

export function libraryVersion(): string {
  return dfPackage.version;
}

/** What the extension sends the orchestration trigger: the history and the library's settings. */
export function orchestrationPayload(p: {
  history: HistoryEvent[];
  input: unknown;
  instanceId: string;
  isReplaying: boolean;
  parentInstanceId: string | undefined;
  longRunningTimerIntervalMs: number;
  maximumShortTimerMs: number;
}): Record<string, unknown> {
  return {
    history: p.history,
    input: p.input,
    instanceId: p.instanceId,
    isReplaying: p.isReplaying,
    parentInstanceId: p.parentInstanceId,
    upperSchemaVersion: 1,
    upperSchemaVersionNew: 2,
    longRunningTimerIntervalDuration: formatTimeSpan(p.longRunningTimerIntervalMs),
    maximumShortTimerDuration: formatTimeSpan(p.maximumShortTimerMs),
    defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
  };
}

/** The actions of one episode (schema version 2: one list, cumulative over the replays). */
export function actionsOf(state: OrchestratorStateLike | undefined): Action[] {
  return (state?.actions?.[0] ?? []) as Action[];
}

/**
 * A failed orchestrator's error: the library appends `$OutOfProcData$:` and the orchestrator
 * state (with the actions taken so far) to the message.
 */
export function readOrchestratorError(
  err: unknown,
  text: string,
  details: () => string,
): { state: OrchestratorStateLike | undefined; failure: { message: string; details: string } } {
  const at = text.indexOf(OUT_OF_PROC_LABEL);
  if (at < 0) return { state: undefined, failure: { message: text, details: details() } };
  let state: OrchestratorStateLike | undefined;
  try {
    state = JSON.parse(text.slice(at + OUT_OF_PROC_LABEL.length)) as OrchestratorStateLike;
  } catch {
    state = undefined;
  }
  const message = state?.error ?? text.slice(0, at);
  return {
    state,
    failure: {
      message,
      details:
        err instanceof Error && err.stack
          ? err.stack.replace(OUT_OF_PROC_LABEL, '\n').split('$OutOfProcData$')[0]
          : message,
    },
  };
}

/** The task numbers the replay engine holds open after an episode, or undefined if its internals changed. */
export function libraryOpenTaskIds(context: unknown): string[] | undefined {
  const df = (context as { df?: { taskOrchestratorExecutor?: { openTasks?: Record<string, unknown> } } }).df;
  const openTasks = df?.taskOrchestratorExecutor?.openTasks;
  return openTasks ? Object.keys(openTasks) : undefined;
}
