/**
 * When the run lease's run may still be live, for a starter whose durable store does not know
 * the run and who found no run report for it (issue 22, item 3): a process store's run lives
 * while its process renews the lease; a run of the starter's own store (Azure: the task hub every
 * instance shares) is "starting" for a bounded grace period; another deployment's run is held
 * until its report, for a bounded time.
 */
import { holderMayBeLive, isRunLease, RUN_LEASE_TIMING, type RunLease } from '../../src/ledger/runLease';

const T0 = Date.parse('2026-12-07T12:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();
const azure = { id: 'taskHub:ModelDr', processLocal: false };
const local = { id: 'process:agent/1/aa', processLocal: true };

describe('holderMayBeLive', () => {
  it('another process store: live while renewed, free once the renewal is older than renewalTimeoutMs (whatever its age)', () => {
    const held: RunLease = {
      runId: 'schedule-20261207T115000Z-abcdef',
      trigger: 'schedule',
      acquiredAt: iso(T0 - 3_600_000),
      store: 'process:agent/2/bb',
      renewedAt: iso(T0 - 10_000),
    };
    expect(holderMayBeLive(held, local, T0)).toBe(true);
    expect(holderMayBeLive(held, azure, T0)).toBe(true);
    const stale = { ...held, renewedAt: iso(T0 - RUN_LEASE_TIMING.renewalTimeoutMs) };
    expect(holderMayBeLive(stale, local, T0)).toBe(false);
    expect(holderMayBeLive(stale, azure, T0)).toBe(false);
    // Taken a minute ago and never renewed since: was "starting" for 5 minutes, now free after 90 s.
    const fresh = { ...held, acquiredAt: iso(T0 - 100_000), renewedAt: iso(T0 - 100_000) };
    expect(holderMayBeLive(fresh, local, T0)).toBe(false);
  });

  it("the starter's own store (Azure's shared task hub): a run it does not know is starting for startingGraceMs, then free", () => {
    const starting: RunLease = {
      runId: 'http-20261207T120000Z-abcdef',
      trigger: 'http',
      acquiredAt: iso(T0 - 60_000),
      store: azure.id,
    };
    expect(holderMayBeLive(starting, azure, T0)).toBe(true);
    expect(holderMayBeLive(starting, azure, T0 + RUN_LEASE_TIMING.startingGraceMs)).toBe(false);
    // A lease written before stores were recorded: the same bounded grace.
    const legacy: RunLease = { runId: starting.runId, trigger: 'http', acquiredAt: starting.acquiredAt };
    expect(holderMayBeLive(legacy, local, T0)).toBe(true);
    expect(holderMayBeLive(legacy, local, T0 + RUN_LEASE_TIMING.startingGraceMs)).toBe(false);
  });

  it("another deployment's shared store (not renewed, status not readable here): held, for foreignRunMaxMs at most", () => {
    const other: RunLease = {
      runId: 'schedule-20261207T110000Z-abcdef',
      trigger: 'schedule',
      acquiredAt: iso(T0 - 3_600_000),
      store: 'taskHub:ModelDr',
    };
    expect(holderMayBeLive(other, local, T0)).toBe(true);
    expect(holderMayBeLive(other, local, T0 - 3_600_000 + RUN_LEASE_TIMING.foreignRunMaxMs)).toBe(false);
  });

  it('the lease document: store and renewedAt are optional, validated when present', () => {
    const base = { runId: 'r', trigger: 'schedule', acquiredAt: iso(T0) };
    expect(isRunLease(base)).toBe(true);
    expect(isRunLease({ ...base, store: 'process:a/1/b', renewedAt: iso(T0) })).toBe(true);
    expect(isRunLease({ ...base, renewedAt: 'yesterday' })).toBe(false);
    expect(isRunLease({ ...base, store: '' })).toBe(false);
  });
});
