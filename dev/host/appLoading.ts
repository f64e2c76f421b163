/**
 * Loading the app: capturing the `app.*` registrations the app makes while it loads, and the
 * durable client's input data (the extension's URLs for this host's task hub).
 */
import type { Clock } from '../clock';
import { capturedRegistrations, installFunctionsCore, setCoreLogSink } from './functionsCore';
import type { DurableClientData, LogEntry, Logger } from './invocation';
import { RPC_PREFIX, WEBHOOK_PREFIX } from './management';
import { FunctionRegistry, RegistrationError } from './registry';

/** Runs `load` and returns the functions it registered (worker log lines go to `logger`). */
export async function loadApp(load: () => unknown, logger: Logger, clock: Clock): Promise<FunctionRegistry> {
  installFunctionsCore();
  setCoreLogSink((level, category, message) =>
    logger({
      level: level as LogEntry['level'],
      category: `worker:${category}`,
      message,
      time: new Date(clock.now()).toISOString(),
    }),
  );
  const before = capturedRegistrations().length;
  await load();
  const regs = capturedRegistrations().slice(before);
  if (regs.length === 0) {
    throw new RegistrationError(
      'load() registered no functions. Either the app module was already loaded in this module registry (under jest use ' +
        '`load: () => jest.isolateModules(() => require(app))`, or require a fresh copy), or @azure/functions looked up ' +
        '@azure/functions-core before the host could provide it (map it in jest.config.js moduleNameMapper, or import ' +
        'dev/host before @azure/functions).',
    );
  }
  return new FunctionRegistry(regs);
}

/** The durable client's input data; `baseUrl()` is the host's address once it listens. */
export function durableClientData(
  baseUrl: () => string,
  taskHub: () => string,
  systemKey: string | undefined,
  rpcBaseUrl: () => string = () => '',
): () => DurableClientData {
  // As the extension does: the webhook URLs carry the task hub's system key when there is one.
  const keyQuery = systemKey ? `&code=${encodeURIComponent(systemKey)}` : '';
  return (): DurableClientData => {
    const taskHubName = taskHub();
    const hook = `${baseUrl()}${WEBHOOK_PREFIX.slice(0, -1)}`;
    const common = `taskHub=${encodeURIComponent(taskHubName)}&connection=Storage${keyQuery}`;
    return {
      taskHubName,
      creationUrls: {
        createNewInstancePostUri: `${hook}/orchestrators/{functionName}[/{instanceId}]?${common}`,
        createAndWaitOnNewInstancePostUri: `${hook}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${common}`,
      },
      managementUrls: {
        id: 'INSTANCEID',
        statusQueryGetUri: `${hook}/instances/INSTANCEID?${common}`,
        sendEventPostUri: `${hook}/instances/INSTANCEID/raiseEvent/{eventName}?${common}`,
        terminatePostUri: `${hook}/instances/INSTANCEID/terminate?reason={text}&${common}`,
        rewindPostUri: `${hook}/instances/INSTANCEID/rewind?reason={text}&${common}`,
        purgeHistoryDeleteUri: `${hook}/instances/INSTANCEID?${common}`,
        restartPostUri: `${hook}/instances/INSTANCEID/restart?${common}`,
        suspendPostUri: `${hook}/instances/INSTANCEID/suspend?reason={text}&${common}`,
        resumePostUri: `${hook}/instances/INSTANCEID/resume?reason={text}&${common}`,
      },
      baseUrl: hook,
      requiredQueryStringParameters: `${common}`,
      rpcBaseUrl: rpcBaseUrl() || `${baseUrl()}${RPC_PREFIX}`,
    };
  };
}
