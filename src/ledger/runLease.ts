/**
 * The replication run lease: one document naming the run that holds the right to copy. A run
 * starts only after its starter wrote its own name here with a conditional write (If-Match the
 * ETag it read, or If-None-Match `*`), so of any number of concurrent starters exactly one wins;
 * the others read the winner's name back. The lease is never released explicitly: it is free
 * once the run it names is no longer running (the caller tells, from the durable status).
 *
 * Blob: `locks/replication-run.json`; the drill run lease, the same document type, is
 * `locks/drill-run.json` (one drill run at a time).
 */
import type { ContainerClient } from '@azure/storage-blob';
import { DocumentStore, type DocumentStoreOptions, type DocumentType } from './documentStore';
import { hasShape, isIsoDate, isNonEmptyString } from './guards';

export interface RunLease {
  /** The run (orchestration instance id) holding the lease. */
  runId: string;
  /** `schedule`, `http`, `dryrun` or `local`: who started it. */
  trigger: string;
  /** When the lease was taken (the store's clock). */
  acquiredAt: string;
}

export const isRunLease = (v: unknown): v is RunLease =>
  hasShape<RunLease>(v, { runId: isNonEmptyString, trigger: isNonEmptyString, acquiredAt: isIsoDate });

export const RUN_LEASE_DOCUMENT: DocumentType<RunLease> = { kind: 'runLease', schemaVersion: 1, isData: isRunLease };

export type LeaseOutcome = { acquired: true; lease: RunLease } | { acquired: false; holder: RunLease };

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
   * the lease again, so two callers never both get `acquired`.
   */
  async acquire(
    runId: string,
    trigger: string,
    isLive: (holder: RunLease) => Promise<boolean>,
    maxAttempts = 20,
  ): Promise<LeaseOutcome> {
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const current = await this.store.get(this.key);
      if (current && current.value.runId === runId) return { acquired: true, lease: current.value };
      if (current && (await isLive(current.value))) return { acquired: false, holder: current.value };
      const lease: RunLease = { runId, trigger, acquiredAt: new Date(this.now()).toISOString() };
      const written = await this.store.replace(this.key, lease, current?.etag);
      if (written.written) return { acquired: true, lease };
    }
    throw new Error(`the run lease ${this.key} kept changing (${maxAttempts} attempts); try again`);
  }

  async get(): Promise<RunLease | undefined> {
    return (await this.store.get(this.key))?.value;
  }

  /** Gives the lease up if `runId` still holds it (its start failed). */
  async release(runId: string): Promise<void> {
    const current = await this.store.get(this.key);
    if (current?.value.runId !== runId) return;
    await this.store.delete(this.key, current.etag).catch(() => undefined);
  }
}
