/**
 * `npm run bench -- --failover N`: an unplanned failover at N models × 3 members (the source and
 * two DR regions), from a seeded replicated state (bench/replication.ts `seedReplicated`), while
 * the source drops every connection: service requests (0 to the old primary), storage requests
 * (the counting proxy in front of Azurite), and the RTO of the switch (request → routing
 * published) on the virtual clock and in real time. Target (issue 23): O(1) storage writes plus
 * one routing document; under 10 s real.
 */
import type { LocalStack } from '../dev/stack';
import { diffStorageCounts, type StorageCounts, type StorageCountingProxy } from '../dev/storageCountingProxy';
import { seedReplicated } from './replication';
import { DEFAULT_SCENARIO, SOURCE_NAME, type Scenario } from './scenario';

export interface FailoverFigures {
  models: number;
  members: number;
  status: string;
  /** Requests each emulated resource received during the failover. */
  serviceRequests: Record<string, number>;
  storage: StorageCounts;
  /** Blob writes (PUT) during the failover. */
  storageWrites: number;
  virtualRtoSeconds?: number;
  realMs: number;
  routed?: number;
}

export async function measureUnplannedFailover(
  stack: LocalStack,
  proxy: StorageCountingProxy,
  models: number,
  seed: number,
): Promise<FailoverFigures> {
  const scenario: Scenario = { ...DEFAULT_SCENARIO, seed, models, regions: 2 };
  const emulator = await seedReplicated(stack, scenario);
  emulator.faults.add(SOURCE_NAME, { kind: 'drop', times: Number.MAX_SAFE_INTEGER });
  const target = emulator.resources[1];
  const before = new Map(
    emulator.resources.map((r) => [r.name, emulator.requestLog.filter((x) => x.resource === r.name).length]),
  );
  const storageBefore = proxy.snapshot();
  const started = Date.now();
  const res = await fetch(`${stack.host.baseUrl}/api/failovers`, {
    method: 'POST',
    body: JSON.stringify({ to: target.region, mode: 'unplanned' }),
    headers: { 'Content-Type': 'application/json' },
  });
  const body = (await res.json()) as { id?: string; error?: string };
  if (res.status !== 202 || !body.id) throw new Error(`POST /api/failovers: ${res.status} ${JSON.stringify(body)}`);
  const status = await stack.host.durable.waitForInstance(body.id);
  const realMs = Date.now() - started;
  const storage = diffStorageCounts(proxy.snapshot(), storageBefore);
  const output = status.output as { status?: string; record?: { achievedRtoSeconds?: number; routed?: number } } | null;
  const serviceRequests = Object.fromEntries(
    emulator.resources.map((r) => [
      r.region,
      emulator.requestLog.filter((x) => x.resource === r.name).length - (before.get(r.name) ?? 0),
    ]),
  );
  const storageWrites = Object.entries(storage.byClass)
    .filter(([cls]) => cls.startsWith('PUT'))
    .reduce((n, [, c]) => n + c, 0);
  return {
    models,
    members: emulator.resources.length,
    status: output?.status ?? status.runtimeStatus,
    serviceRequests,
    storage,
    storageWrites,
    ...(output?.record?.achievedRtoSeconds !== undefined
      ? { virtualRtoSeconds: output.record.achievedRtoSeconds }
      : {}),
    ...(output?.record?.routed !== undefined ? { routed: output.record.routed } : {}),
    realMs,
  };
}
