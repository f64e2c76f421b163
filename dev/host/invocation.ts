/**
 * Builds a fresh, real `InvocationContext` (from @azure/functions) for every invocation,
 * with logs routed to the host's logger and the durable client input filled in.
 */
import { randomUUID } from 'node:crypto';
import { format } from 'node:util';
import { InvocationContext, type FunctionTrigger, type FunctionInput, type FunctionOutput } from '@azure/functions';
import { isDurableClientBinding, type FunctionDescription } from './registry';

export type LogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical';

export interface LogEntry {
  level: LogLevel;
  /** Function name, or `host` for the host's own messages. */
  category: string;
  message: string;
  invocationId?: string;
  instanceId?: string;
  /** Host clock time, ISO 8601. */
  time: string;
}

export type Logger = (entry: LogEntry) => void;

const CONSOLE_LEVELS: Record<LogLevel, 'debug' | 'info' | 'warn' | 'error'> = {
  trace: 'debug',
  debug: 'debug',
  information: 'info',
  warning: 'warn',
  error: 'error',
  critical: 'error',
};

/** The default logger: information and above to the console, one line each. */
export const consoleLogger: Logger = (e) => {
  if (e.level === 'trace' || e.level === 'debug') return;
  console[CONSOLE_LEVELS[e.level]](
    `[${e.time}] ${e.level.toUpperCase()} ${e.category}${e.instanceId ? ` (${e.instanceId})` : ''}: ${e.message}`,
  );
};

/** Durable client input data, as the extension passes it to `df.app.client.*` functions. */
export interface DurableClientData {
  taskHubName: string;
  creationUrls: Record<string, string>;
  managementUrls: Record<string, string>;
  baseUrl: string;
  requiredQueryStringParameters: string;
  rpcBaseUrl: string;
}

export interface InvocationDeps {
  logger: Logger;
  now: () => number;
  clientData: () => DurableClientData;
}

export function createInvocationContext(
  fn: FunctionDescription,
  deps: InvocationDeps,
  extra: { triggerMetadata?: Record<string, unknown>; instanceId?: string } = {},
): InvocationContext {
  const invocationId = randomUUID();
  const context = new InvocationContext({
    invocationId,
    functionName: fn.name,
    logHandler: (level, ...args) =>
      deps.logger({
        level: level as LogLevel,
        category: fn.name,
        message: format(...args),
        invocationId,
        instanceId: extra.instanceId,
        time: new Date(deps.now()).toISOString(),
      }),
    triggerMetadata: extra.triggerMetadata,
    options: {
      trigger: fn.trigger as unknown as FunctionTrigger,
      return: fn.returnBinding as unknown as FunctionOutput | undefined,
      extraInputs: fn.extraInputs as unknown as FunctionInput[],
      extraOutputs: fn.extraOutputs as unknown as FunctionOutput[],
    },
  });
  for (const input of fn.extraInputs) {
    if (isDurableClientBinding(input)) context.extraInputs.set(input.name, deps.clientData());
  }
  return context;
}

/** Message of anything thrown. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}

export function errorDetails(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return errorMessage(err);
}
