/**
 * The local host's durable types: statuses, the events it reports, its errors and the
 * engine's options. Nothing here depends on durable-functions' internals.
 */
import type { Clock } from '../clock';
import type { InvocationDeps } from './invocation';
import type { FunctionRegistry } from './registry';
import type { WorkTracker } from './work';

export type RuntimeStatus =
  'Pending' | 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Canceled' | 'Terminated' | 'Suspended';

export const TERMINAL_STATUSES: readonly RuntimeStatus[] = ['Completed', 'Failed', 'Terminated', 'Canceled'];

export function isTerminal(status: RuntimeStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** A compact event for progress display and assertions. */
export type HostEvent =
  | { type: 'instanceStarted'; time: string; instanceId: string; name: string; parentInstanceId?: string }
  | { type: 'instanceCompleted'; time: string; instanceId: string; name: string; output: unknown }
  | { type: 'instanceFailed'; time: string; instanceId: string; name: string; error: string }
  | { type: 'instanceTerminated'; time: string; instanceId: string; name: string; reason: string }
  | { type: 'instanceContinuedAsNew'; time: string; instanceId: string; name: string }
  | { type: 'activityStarted'; time: string; instanceId: string; name: string; taskId: number; execution: number }
  | { type: 'activityCompleted'; time: string; instanceId: string; name: string; taskId: number }
  | { type: 'activityFailed'; time: string; instanceId: string; name: string; taskId: number; error: string }
  | { type: 'activityResultLost'; time: string; instanceId: string; name: string; taskId: number; execution: number }
  | { type: 'timerSet'; time: string; instanceId: string; taskId: number; fireAt: string; purpose: 'timer' | 'retry' }
  | { type: 'timerFired'; time: string; instanceId: string; taskId: number; fireAt: string }
  | { type: 'eventRaised'; time: string; instanceId: string; name: string }
  | {
      type: 'functionInvoked';
      time: string;
      name: string;
      trigger: 'http' | 'timer' | 'queue';
      ok: boolean;
      error?: string;
    }
  | { type: 'hostError'; time: string; error: string; instanceId?: string };

export type HostEventType = HostEvent['type'];

/** Re-executes activities whose result is "lost" after they ran, as the real engine may. */
export interface AtLeastOnceRule {
  /** Activity name (case-insensitive) or predicate. */
  activity: string | ((name: string, input: unknown) => boolean);
  /** How many invocations lose their first result (each is executed once more). Default 1. */
  count?: number;
}

export interface InstanceStatus {
  name: string;
  instanceId: string;
  runtimeStatus: RuntimeStatus;
  input: unknown;
  output: unknown;
  customStatus: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  parentInstanceId?: string;
}

export interface ListFilter {
  runtimeStatus?: RuntimeStatus[];
  createdTimeFrom?: Date | number;
  createdTimeTo?: Date | number;
  instanceIdPrefix?: string;
}

/** The orchestrator's actions changed between replays. */
export class NonDeterministicOrchestrationError extends Error {
  override name = 'NonDeterministicOrchestrationError';
}

/** The host's view disagrees with the replay engine's: a host bug or an incompatible durable-functions version. */
export class HostInvariantError extends Error {
  override name = 'HostInvariantError';
}

export class InstanceNotFoundError extends Error {
  override name = 'InstanceNotFoundError';
}

export class InstanceConflictError extends Error {
  override name = 'InstanceConflictError';
}

/** An action the local host does not implement (entities, durable HTTP). */
export class UnsupportedActionError extends Error {
  override name = 'UnsupportedActionError';
}

export interface EngineOptions {
  clock: Clock;
  registry: FunctionRegistry;
  deps: InvocationDeps;
  work: WorkTracker;
  maxConcurrentActivities: number;
  atLeastOnce: AtLeastOnceRule[];
  /** Library's `maximumShortTimerDuration`; default 6 days. */
  maximumShortTimerMs: number;
  /** Library's `longRunningTimerIntervalDuration`; default 3 days. */
  longRunningTimerIntervalMs: number;
  /** host.json `overridableExistingInstanceStates`. */
  overridableExistingInstanceStates: 'AnyState' | 'NonRunningStates';
  /** Check open tasks against the library after every episode (default true). */
  crossCheck: boolean;
}

/** Episodes run and open-task cross-checks passed, for tests and progress display. */
export interface EngineStats {
  episodes: number;
  crossChecks: number;
  activityExecutions: number;
}
