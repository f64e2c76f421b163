/**
 * The replication run lease: one document naming the run that holds the right to copy. A run
 * starts only after its starter wrote its own name here with a conditional write (If-Match the
 * ETag it read, or If-None-Match `*`), so of any number of concurrent starters exactly one wins;
 * the others read the winner's name back. The lease is free once the run it names is no longer
 * running: the caller tells, from the durable status when its durable store knows the run, else
 * from the lease itself ({@link holderMayBeLive}).
 *
 * Blob: `locks/replication-run.json`; the drill run lease, the same document type, is
 * `locks/drill-run.json` (one drill run at a time).
 */
import type { ContainerClient } from '@azure/storage-blob';
import { DocumentStore, type DocumentStoreOptions, type DocumentType } from './documentStore';
import { hasShape, isIsoDate, isNonEmptyString, optional } from './guards';

export interface RunLease {
  /** The run (orchestration instance id) holding the lease. */
  runId: string;
  /** `schedule`, `http`, `dryrun` or `local`: who started it. */
  trigger: string;
  /** When the lease was taken (the store's clock). */
  acquiredAt: string;
  /**
   * The durable store the run was started in: `taskHub:<name>` for a task hub every instance of
   * a deployment shares, `process:<host>/<pid>/<random>` for one process's own store (the local
   * host keeps its instances in memory). Absent in leases written before it existed.
   */
  store?: string;
  /**
   * Process stores only: the last time the holder's process confirmed that its run is live. It
   * renews every {@link RUN_LEASE_TIMING}.renewalIntervalMs and gives the lease up when the run ends.
   */
  renewedAt?: string;
}

export const isRunLease = (v: unknown): v is RunLease =>
  hasShape<RunLease>(v, {
    runId: isNonEmptyString,
    trigger: isNonEmptyString,
    acquiredAt: isIsoDate,
    store: optional(isNonEmptyString),
    renewedAt: optional(isIsoDate),
  });

export const RUN_LEASE_DOCUMENT: DocumentType<RunLease> = { kind: 'runLease', schemaVersion: 1, isData: isRunLease };

export type LeaseOutcome = { acquired: true; lease: RunLease } | { acquired: false; holder: RunLease };

/** The durable store a starter starts its runs in (see {@link RunLease.store}). */
export interface DurableStoreIdentity {
  id: string;
  /** True for a process's own store: its runs die with the process, which renews the lease while one lives. */
  processLocal: boolean;
}

export const RUN_LEASE_TIMING = {
  /** Same store, run unknown to it: its starter is between the lease and the start (or died there). */
  startingGraceMs: 5 * 60_000,
  /** How often a process store's holder renews the lease while its run lives. */
  renewalIntervalMs: 20_000,
  /** A process store's lease not renewed for this long: the process (and its run) is gone. */
  renewalTimeoutMs: 90_000,
  /**
   * Another shared store's run (another deployment's task hub on this ledger), whose status
   * cannot be read from here and which does not renew: held until its run report is written, or
   * for this long at most.
   */
  foreignRunMaxMs: 24 * 3_600_000,
} as const;

/**
 * Whether the lease's run may still be live, for a starter in `store` whose durable store does
 * not know the run and who found no run report for it (a finished run writes one):
 *
 * - a run in another process's store is live while that process renews the lease;
 * - a run in the starter's own store (or a lease written before stores were recorded) is
 *   starting: live for `startingGraceMs` after the lease was taken;
 * - a run in another shared store is live until `foreignRunMaxMs` after the lease was taken.
 */
export function holderMayBeLive(holder: RunLease, store: DurableStoreIdentity, nowMs: number): boolean {
  const since = (iso: string): number => nowMs - Date.parse(iso);
  if (holder.store !== undefined && holder.store !== store.id && holder.renewedAt !== undefined)
    return since(holder.renewedAt) < RUN_LEASE_TIMING.renewalTimeoutMs;
  if (holder.store === undefined || holder.store === store.id)
    return since(holder.acquiredAt) < RUN_LEASE_TIMING.startingGraceMs;
  return since(holder.acquiredAt) < RUN_LEASE_TIMING.foreignRunMaxMs;
}

/** Who the lease names, in words: `run X (schedule, taken …, process store …, renewed …)`. */
export function describeLeaseHolder(holder: RunLease): string {
  return (
    `run ${holder.runId} (${holder.trigger}, taken ${holder.acquiredAt}` +
    `${holder.store ? `, durable store ${holder.store}` : ''}${holder.renewedAt ? `, renewed ${holder.renewedAt}` : ''})`
  );
}

export class RunLeaseRepository {
  static readonly KEY = 'locks/replication-run.json';
  static readonly DRILL_KEY = 'locks/drill-run.json';
  readonly store: DocumentStore<RunLease>;
  private readonly now: () => number;

  /** `key`: the replication run lease (default) or {@link RunLeaseRepository.DRILL_KEY}. */
  constructor(
    container: ContainerClient,
    options: DocumentStoreOptions = {},
    readonly key: string = RunLeaseRepository.KEY,
  ) {
    this.store = new DocumentStore(container, RUN_LEASE_DOCUMENT, options);
    const clock = options.clock;
    this.now = clock ? () => clock.now() : () => Date.now();
  }

  /**
   * Takes the lease for `runId` unless the run it names is still live (`isLive`, asked of the
   * current holder only). Atomic: a write is conditional on the ETag read, and a lost race reads
   * the lease again, so two callers never both get `acquired`. `store`: the durable store the
   * run will start in (a process store's lease starts renewed).
   */
  async acquire(
    runId: string,
    trigger: string,
    isLive: (holder: RunLease) => Promise<boolean>,
    store?: DurableStoreIdentity,
    maxAttempts = 20,
  ): Promise<LeaseOutcome> {
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const current = await this.store.get(this.key);
      if (current && current.value.runId === runId) return { acquired: true, lease: current.value };
      if (current && (await isLive(current.value))) return { acquired: false, holder: current.value };
      const at = new Date(this.now()).toISOString();
      const lease: RunLease = {
        runId,
        trigger,
        acquiredAt: at,
        ...(store ? { store: store.id } : {}),
        ...(store?.processLocal ? { renewedAt: at } : {}),
      };
      const written = await this.store.replace(this.key, lease, current?.etag);
      if (written.written) return { acquired: true, lease };
    }
    throw new Error(`the run lease ${this.key} kept changing (${maxAttempts} attempts); try again`);
  }

  async get(): Promise<RunLease | undefined> {
    return (await this.store.get(this.key))?.value;
  }

  /** Marks the lease renewed now if `runId` still holds it (a process store's run is live); false when it does not. */
  async renew(runId: string): Promise<boolean> {
    const current = await this.store.get(this.key);
    if (current?.value.runId !== runId) return false;
    const renewed: RunLease = { ...current.value, renewedAt: new Date(this.now()).toISOString() };
    const written = await this.store.replace(this.key, renewed, current.etag);
    return written.written;
  }

  /** Gives the lease up if `runId` still holds it (its start failed, or its process store's run ended). */
  async release(runId: string): Promise<void> {
    const current = await this.store.get(this.key);
    if (current?.value.runId !== runId) return;
    await this.store.delete(this.key, current.etag).catch(() => undefined);
  }
}
