/**
 * An orchestration instance's status, with "no such instance" told by the HTTP status the
 * durable extension answers (404), never by an error message. durable-functions' own
 * `getStatus` turns that 404 into a plain Error, so the status query (the documented
 * Durable Functions HTTP API, `statusQueryGetUri`) is made here. Any other failure throws, and
 * an id outside the app's grammar throws {@link InvalidInstanceIdError} before any request.
 */
import * as df from 'durable-functions';
import { instanceIdProblem } from '../replication/instanceIds';

/** An instance id outside the app's grammar reached a durable call: refused before any request is made. */
export class InvalidInstanceIdError extends Error {
  constructor(readonly problem: string) {
    super(`not an instance id this app uses: it ${problem}`);
    this.name = 'InvalidInstanceIdError';
  }
}

/**
 * `id` checked against the app's id grammar and URL-encoded, for a durable client call: the
 * client puts ids into management URLs as they are, so an id must never be able to add a
 * query, a path or a `..` to that URL (in Azure it carries the task hub's system key).
 */
export function durableIdArgument(id: string): string {
  const problem = instanceIdProblem(id);
  if (problem) throw new InvalidInstanceIdError(problem);
  return encodeURIComponent(id);
}

export interface InstanceStatus {
  name: string;
  instanceId: string;
  runtimeStatus: df.OrchestrationRuntimeStatus;
  input: unknown;
  output: unknown;
  customStatus: unknown;
  createdTime: Date;
  lastUpdatedTime: Date;
}

export async function findInstanceStatus(
  client: df.DurableClient,
  instanceId: string,
  options: { showInput?: boolean } = {},
): Promise<InstanceStatus | undefined> {
  const url = new URL(client.createHttpManagementPayload(durableIdArgument(instanceId)).statusQueryGetUri);
  url.searchParams.set('showInput', String(options.showInput === true));
  const response = await fetch(url);
  if (response.status === 404) return undefined;
  if (response.status !== 200 && response.status !== 202) {
    throw new Error(`the status query of instance '${instanceId}' failed: HTTP ${response.status}`);
  }
  const body = (await response.json()) as Record<string, unknown> | null;
  if (!body || typeof body.name !== 'string' || typeof body.runtimeStatus !== 'string') {
    throw new Error(`the status query of instance '${instanceId}' returned no status`);
  }
  return {
    name: body.name,
    instanceId: typeof body.instanceId === 'string' ? body.instanceId : instanceId,
    runtimeStatus: body.runtimeStatus as df.OrchestrationRuntimeStatus,
    input: body.input ?? null,
    output: body.output ?? null,
    customStatus: body.customStatus ?? null,
    createdTime: new Date(String(body.createdTime)),
    lastUpdatedTime: new Date(String(body.lastUpdatedTime)),
  };
}
