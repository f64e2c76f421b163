/**
 * History events in the Durable Task extension's wire format (PascalCase), as the
 * durable-functions replay engine reads them. Numbers follow
 * `durable-functions/lib/src/history/HistoryEventType.js`.
 */
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

/**
 * The condensed history the management API shows with `showHistory=true`
 * (scheduling and episode bookkeeping events are folded into the events that complete them,
 * with `FunctionName` and `ScheduledTime` added), like the extension's status endpoint.
 */
export function condensedHistory(
  history: readonly HistoryEvent[],
  showOutput: boolean,
): Array<Record<string, unknown>> {
  const scheduled = new Map<number, HistoryEvent>();
  const out: Array<Record<string, unknown>> = [];
  for (const e of history) {
    switch (e.EventType) {
      case EventType.TaskScheduled:
      case EventType.SubOrchestrationInstanceCreated:
      case EventType.TimerCreated:
        scheduled.set(e.EventId, e);
        break;
      case EventType.OrchestratorStarted:
      case EventType.OrchestratorCompleted:
        break;
      case EventType.ExecutionStarted:
        out.push({
          EventType: 'ExecutionStarted',
          FunctionName: e.Name,
          Timestamp: e.Timestamp,
          ...(showOutput ? { Input: parseJsonText(e.Input) } : {}),
        });
        break;
      case EventType.TaskCompleted:
      case EventType.SubOrchestrationInstanceCompleted: {
        const s = scheduled.get(e.TaskScheduledId as number);
        out.push({
          EventType: eventTypeName(e.EventType),
          FunctionName: s?.Name,
          ...(s?.InstanceId ? { InstanceId: s.InstanceId } : {}),
          ScheduledTime: s?.Timestamp,
          Timestamp: e.Timestamp,
          ...(showOutput ? { Result: parseJsonText(e.Result) } : {}),
        });
        break;
      }
      case EventType.TaskFailed:
      case EventType.SubOrchestrationInstanceFailed: {
        const s = scheduled.get(e.TaskScheduledId as number);
        out.push({
          EventType: eventTypeName(e.EventType),
          FunctionName: s?.Name,
          ScheduledTime: s?.Timestamp,
          Timestamp: e.Timestamp,
          Reason: e.Reason,
          ...(showOutput ? { Details: e.Details } : {}),
        });
        break;
      }
      case EventType.TimerFired:
        out.push({ EventType: 'TimerFired', FireAt: e.FireAt, Timestamp: e.Timestamp });
        break;
      case EventType.EventRaised:
        out.push({
          EventType: 'EventRaised',
          Name: e.Name,
          Timestamp: e.Timestamp,
          ...(showOutput ? { Input: parseJsonText(e.Input) } : {}),
        });
        break;
      case EventType.ExecutionCompleted:
        out.push({
          EventType: 'ExecutionCompleted',
          OrchestrationStatus: e.OrchestrationStatus,
          Timestamp: e.Timestamp,
          ...(showOutput ? { Result: parseJsonText(e.Result) } : {}),
        });
        break;
      default:
        out.push({ EventType: eventTypeName(e.EventType), Timestamp: e.Timestamp });
    }
  }
  return out;
}
