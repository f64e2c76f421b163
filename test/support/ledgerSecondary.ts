/**
 * The ledger's storage failing, through the local host (test/integration/ledgerOutage*.test.ts,
 * failoverLedgerOutage.test.ts): a second Azurite standing in for the storage's secondary
 * endpoint, geo-replication played by hand, and HTTP calls whose answers are read whatever they are.
 */
import { startAzurite, type AzuriteInstance } from '../../dev/azurite';
import type { LocalStack } from '../../dev/stack';
import { createLedgerContainerClient } from '../../src/ledger/connect';

export interface Reply {
  status: number;
  body: Record<string, unknown>;
}

/** One request to the stack's host; a body that is not JSON comes back as `{text}`. */
export async function callApi(stack: LocalStack, method: string, path: string, body?: unknown): Promise<Reply> {
  const res = await fetch(`${stack.host.baseUrl}${path}`, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } } : {}),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { text };
  }
  return { status: res.status, body: parsed };
}

export const ledgerContainerOf = (stack: LocalStack): string => stack.env.DR_LEDGER_CONTAINER ?? 'model-dr';

/** A second Azurite for the file's tests (started before them, stopped after): the secondary endpoint. */
export function useSecondaryAzurite(): () => AzuriteInstance {
  let secondary: AzuriteInstance | undefined;
  beforeAll(async () => {
    secondary = await startAzurite();
  });
  afterAll(async () => {
    await secondary?.stop();
  });
  return () => {
    if (!secondary) throw new Error('the secondary Azurite is not started (beforeAll)');
    return secondary;
  };
}

/** Geo-replication, played by hand: every ledger blob (with its metadata) copied to the secondary; how many. */
export async function copyLedgerToSecondary(stack: LocalStack, secondary: AzuriteInstance): Promise<number> {
  const container = ledgerContainerOf(stack);
  const from = createLedgerContainerClient({ connectionString: stack.env.AzureWebJobsStorage! }, container);
  const to = createLedgerContainerClient({ connectionString: secondary.connectionString }, container);
  await to.createIfNotExists();
  let copied = 0;
  for await (const b of from.listBlobsFlat({ includeMetadata: true })) {
    const data = await from.getBlobClient(b.name).downloadToBuffer();
    await to.getBlockBlobClient(b.name).uploadData(data, { metadata: b.metadata ?? {} });
    copied++;
  }
  return copied;
}
