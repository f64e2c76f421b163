/**
 * Issue 16 through the local host on the virtual clock: the health model's transitions
 * (fresh → degraded after the RPO → unhealthy after 2 × RPO; a region the run could not list →
 * degraded; a failed copy → unhealthy) as `GET /api/report` (its `health` member),
 * `GET /api/health` and the app's telemetry (a MemoryTelemetry injected through the app
 * loader) show them. v2.1 (the health model does not depend on the API family).
 */
import { VirtualClock } from '../../dev/clock';
import { renderReport } from '../../dev/local';
import type { ReadinessReport } from '../../src/ledger/readiness';
import { EVENTS, METRICS, MemoryTelemetry } from '../../src/telemetry';
import { QUIET_STACK, useLocalStack } from '../support/stack';
import type { RunSummary } from '../../src/replication/contracts';
import type { LocalStack } from '../../dev/stack';
import { TARGETS, readySourceIds, versionReset } from './replicationHarness';

const H = 3600_000;
let runs = 0;

/** A run under an id like the app's own (`local-<n>`): the host's default instance ids are 32 hex digits, which the scrubber redacts. */
async function run(stack: LocalStack): Promise<RunSummary> {
  runs += 1;
  const id = await stack.host.durable.startNew('replicateModels', {
    instanceId: `local-health-${runs}`,
    input: { trigger: 'local' },
  });
  const status = await stack.host.durable.waitForInstance(id);
  if (status.runtimeStatus !== 'Completed') throw new Error(`run ${id} ended ${status.runtimeStatus}`);
  return status.output as RunSummary;
}
const RPO_HOURS = 26;

interface ReportBody {
  health: {
    health: string;
    rpoHours: number;
    oldestAgeSeconds?: number;
    reasons: string[];
    regions: Array<{ region: string; health: string; overRpo: number; maxAgeSeconds?: number; reasons: string[] }>;
    pairs: Array<{ sourceModelId: string; region: string; health: string; reasons: string[]; overRpo: boolean }>;
  };
}
interface HealthBody {
  health: string;
  reasons: string[];
  oldestAgeSeconds?: number;
  regions: Array<{ region: string; health: string; pairs: number; overRpo: number; maxAgeSeconds?: number }>;
}

describe('health and telemetry through the local host (issue 16)', () => {
  const clock = new VirtualClock('2026-11-21T00:00:00Z');
  const telemetry = new MemoryTelemetry();
  const stack = useLocalStack({ clock, ...QUIET_STACK, telemetry });

  async function get<T>(path: string): Promise<{ status: number; body: T }> {
    const res = await fetch(`${stack.host.baseUrl}/api/${path}`);
    return { status: res.status, body: (await res.json()) as T };
  }
  const regionHealth = (body: ReportBody): Record<string, string> =>
    Object.fromEntries(body.health.regions.map((r) => [r.region, r.health]));
  const lastEvents = (name: (typeof EVENTS)[keyof typeof EVENTS], runId: string) =>
    telemetry.eventsNamed(name).filter((e) => e.runId === runId);

  beforeEach(() => {
    telemetry.events.length = 0;
    telemetry.metrics.length = 0;
  });

  it('fresh → degraded after the RPO → unhealthy after 2 × RPO; a new run makes it healthy again', async () => {
    const emulator = await stack.reset(versionReset('v2.1', { env: { DR_RPO_HOURS: String(RPO_HOURS) } }));
    const ready = readySourceIds(emulator);

    const first = await run(stack);
    expect(first.totals.failed).toBe(0);

    // Fresh: healthy everywhere, in the report, /api/health and the run's events.
    const fresh = await get<ReportBody>('report');
    expect(fresh.body.health).toMatchObject({ health: 'healthy', rpoHours: RPO_HOURS, reasons: [] });
    expect(regionHealth(fresh.body)).toEqual({ eastus: 'healthy', westeurope: 'healthy' });
    expect(fresh.body.health.pairs).toHaveLength(ready.length * 2);
    expect(fresh.body.health.pairs.every((p) => p.health === 'healthy' && !p.overRpo)).toBe(true);
    const probe = await get<HealthBody>('health');
    expect(probe).toMatchObject({ status: 200, body: { health: 'healthy', reasons: [] } });
    expect(probe.body.regions.map((r) => [r.region, r.pairs, r.overRpo])).toEqual([
      ['eastus', ready.length, 0],
      ['westeurope', ready.length, 0],
    ]);
    // The anonymous answer names regions only: no model id anywhere in it.
    for (const id of ready) expect(JSON.stringify(probe.body)).not.toContain(id);

    expect(lastEvents(EVENTS.runCompleted, first.runId)).toEqual([
      expect.objectContaining({
        runId: first.runId,
        trigger: 'local',
        // The v2 seed holds an invalid (not copyable) model: the run is partial, not failed.
        outcome: first.invalidModels.length > 0 ? 'partial' : 'succeeded',
        copied: ready.length * 2,
        failed: 0,
        unverified: 0,
        invalid: first.invalidModels.length,
        apiVersion: 'v2.1',
      }),
    ]);
    expect(lastEvents(EVENTS.replicaHealth, first.runId)).toEqual([
      expect.objectContaining({ region: 'eastus', health: 'healthy', pairs: ready.length, overRpo: 0, rpoHours: 26 }),
      expect.objectContaining({ region: 'westeurope', health: 'healthy', pairs: ready.length, overRpo: 0 }),
    ]);
    const outcomes = telemetry.metrics.filter((m) => m.name === METRICS.copyOutcomes);
    expect(outcomes).toHaveLength(ready.length * 2);
    expect(outcomes.every((m) => m.attributes.outcome === 'copied' && m.attributes.reason_kind === 'none')).toBe(true);
    expect(telemetry.metrics.filter((m) => m.name === METRICS.copyDuration)).toHaveLength(ready.length * 2);
    const requests = telemetry.metrics.filter((m) => m.name === METRICS.serviceRequests);
    expect(requests.length).toBeGreaterThan(ready.length * 2);
    expect(new Set(requests.map((m) => m.attributes.status_class))).toContain('2xx');
    for (const m of requests) expect(String(m.attributes.operation)).not.toMatch(/[/:]/);

    // One RPO later: degraded (200, with reasons), every pair over the RPO.
    clock.advance(RPO_HOURS * H);
    const old = await get<ReportBody>('report');
    expect(old.body.health.health).toBe('degraded');
    expect(old.body.health.oldestAgeSeconds).toBeGreaterThanOrEqual(RPO_HOURS * 3600);
    expect(old.body.health.regions.map((r) => [r.health, r.overRpo, r.reasons])).toEqual([
      ['degraded', ready.length, ['olderThanRpo']],
      ['degraded', ready.length, ['olderThanRpo']],
    ]);
    // The readiness table of `npm run local` shows the same: a health row per region, each pair's health, the summary.
    const table = renderReport(old.body as unknown as ReadinessReport & Parameters<typeof renderReport>[0]);
    expect(table).toMatch(/^health\s+DEGRADED \(oldest 26h ago\)\s+DEGRADED \(oldest 26h ago\)$/m);
    expect(table).toMatch(/ok 26h ago \[degraded\]/);
    expect(table).toMatch(/^health: DEGRADED \(RPO 26 h; oldest verified copy 26h ago\)$/m);
    expect(table).toMatch(/^ {2}eastus: degraded: /m);
    const freshTable = renderReport(fresh.body as unknown as Parameters<typeof renderReport>[0]);
    expect(freshTable).toMatch(/^health: HEALTHY \(RPO 26 h/m);
    expect(freshTable).not.toMatch(/\[(degraded|unhealthy)\]/);
    const degraded = await get<HealthBody>('health');
    expect(degraded.status).toBe(200);
    expect(degraded.body.health).toBe('degraded');
    expect(degraded.body.reasons).toEqual([
      expect.stringMatching(/^eastus: degraded: \d+\/\d+ pairs over the RPO \(26 h\); older than the RPO$/),
      expect.stringMatching(/^westeurope: degraded: /),
    ]);

    // Two RPOs: unhealthy, 503.
    clock.advance(RPO_HOURS * H);
    const older = await get<ReportBody>('report');
    expect(older.body.health.health).toBe('unhealthy');
    expect(older.body.health.pairs.every((p) => p.reasons.includes('olderThanTwiceRpo'))).toBe(true);
    expect((await get<HealthBody>('health')).status).toBe(503);

    // A run verifies every copy again: healthy, and its events say so.
    const second = await run(stack);
    expect(second.totals).toMatchObject({ copied: 0, failed: 0, alreadyReplicated: ready.length * 2 });
    expect((await get<HealthBody>('health')).body.health).toBe('healthy');
    expect(lastEvents(EVENTS.replicaHealth, second.runId).map((e) => e.health)).toEqual(['healthy', 'healthy']);
    expect(lastEvents(EVENTS.runCompleted, second.runId)).toEqual([
      expect.objectContaining({ copied: 0, alreadyReplicated: ready.length * 2, failed: 0, unverified: 0 }),
    ]);
  });

  it('a region the run could not list is degraded (unverified), in the report, /api/health and the events', async () => {
    const emulator = await stack.reset(versionReset('v2.1'));
    const ready = readySourceIds(emulator);
    await run(stack);
    emulator.faults.add(TARGETS.eastus, { kind: 'status', status: 503, call: 'list', times: Infinity });

    const second = await run(stack);
    expect(second.unverifiedRegions?.map((u) => u.region)).toEqual(['eastus']);

    const report = await get<ReportBody>('report');
    expect(regionHealth(report.body)).toEqual({ eastus: 'degraded', westeurope: 'healthy' });
    expect(report.body.health.regions[0].reasons).toEqual(['regionUnverified']);
    const probe = await get<HealthBody>('health');
    expect(probe.status).toBe(200);
    expect(probe.body).toMatchObject({ health: 'degraded' });
    expect(probe.body.reasons).toEqual([expect.stringMatching(/^eastus: degraded: .*not verified in the last run/)]);

    expect(lastEvents(EVENTS.replicaHealth, second.runId).map((e) => [e.region, e.health])).toEqual([
      ['eastus', 'degraded'],
      ['westeurope', 'healthy'],
    ]);
    // The pairs of the unverified region are counted unverified, not already replicated, and the run is partial.
    expect(lastEvents(EVENTS.runCompleted, second.runId)).toEqual([
      expect.objectContaining({
        outcome: 'partial',
        unverified: ready.length,
        alreadyReplicated: ready.length,
        copied: 0,
        failed: 0,
      }),
    ]);
  });

  it('a failed copy makes its region unhealthy (503) and is told as CopyFailed and a failed copy outcome', async () => {
    await stack.reset(
      versionReset('v2.1', {
        targetOptions: {
          eastus: {
            resourceId:
              '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-gone/providers/Microsoft.CognitiveServices/accounts/fr-gone',
          },
        },
      }),
    );

    const summary = await run(stack);
    expect(summary.failures.length).toBeGreaterThan(0);

    const report = await get<ReportBody>('report');
    expect(regionHealth(report.body)).toEqual({ eastus: 'unhealthy', westeurope: 'healthy' });
    expect(report.body.health.pairs.filter((p) => p.region === 'eastus').map((p) => p.reasons)).toEqual(
      summary.failures.map(() => ['lastCopyFailed']),
    );
    const probe = await get<HealthBody>('health');
    expect(probe.status).toBe(503);
    expect(probe.body.health).toBe('unhealthy');

    const failed = lastEvents(EVENTS.copyFailed, summary.runId);
    expect(failed).toHaveLength(summary.failures.length);
    expect(failed[0]).toEqual(
      expect.objectContaining({
        region: 'eastus',
        itemKind: 'model',
        reasonKind: 'permanent',
        serviceCode: 'ResourceResolverError',
        attempts: 1,
      }),
    );
    expect(
      telemetry.metrics.filter((m) => m.name === METRICS.copyOutcomes && m.attributes.outcome === 'failed'),
    ).toHaveLength(summary.failures.length);
    expect(lastEvents(EVENTS.replicaHealth, summary.runId).map((e) => [e.region, e.health])).toEqual([
      ['eastus', 'unhealthy'],
      ['westeurope', 'healthy'],
    ]);
    expect(lastEvents(EVENTS.runCompleted, summary.runId)[0]).toMatchObject({ outcome: 'partial' });
    // Nothing secret-looking in anything the app told.
    const told = JSON.stringify([telemetry.events, telemetry.metrics]);
    for (const v of Object.values(stack.env))
      if (v && /KEY|SECRET/i.test(v) === false && v.length >= 20 && /^[0-9a-f]{32}$/i.test(v))
        expect(told).not.toContain(v);
    expect(told).not.toMatch(/sig=|Ocp-Apim|https?:\/\//);
  });
});
