/**
 * The management API's view of a history (see durableAdapter.ts for the wire format itself).
 */
import { EventType, eventTypeName, parseJsonText, type HistoryEvent } from './durableAdapter';

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
