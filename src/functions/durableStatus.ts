/**
 * An orchestration instance's status, with "no such instance" told by the HTTP status the
 * durable extension answers (404), never by an error message. durable-functions' own
 * `getStatus` turns that 404 into a plain Error, so the status query (the documented
 * Durable Functions HTTP API, `statusQueryGetUri`) is made here. Any other failure throws.
 */
import * as df from 'durable-functions';

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
  const url = new URL(client.createHttpManagementPayload(instanceId).statusQueryGetUri);
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
