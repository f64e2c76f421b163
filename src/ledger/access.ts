/**
 * The ledger on the app's HTTP paths (issue 25 item 10, issue 23): reads that answer within a
 * few seconds whatever the storage does, from the storage's **secondary** endpoint while the
 * primary cannot be reached, and a "can write?" check for whatever must write (runs, drills,
 * failovers).
 *
 * - Reads (`read`) go to the primary endpoint with short storage retries
 *   ({@link LEDGER_READ_RETRY}; the SDK's default — 4 tries, 4 s exponential back-off — takes
 *   ~16 s to give up on a refused connection), after a probe of the container (one request,
 *   reused for {@link PROBE_REUSE_MS}) under a real-time deadline ({@link LEDGER_READ_DEADLINE_MS});
 *   the read itself has a backstop of {@link READ_BACKSTOP_MS}. When the primary cannot be reached (connection refused,
 *   reset, DNS failure, timeout, 5xx) and a secondary is configured, the same read runs there
 *   and its answer is marked read-only with the reason; the primary is then left alone for
 *   {@link PRIMARY_RECHECK_MS}. Without a secondary, or when it fails too, the read throws
 *   {@link LedgerUnavailableError} naming the problem (HTTP: 503).
 * - A missing container (deleted, or the account restored without it) is re-created on the
 *   primary and named once ({@link LedgerUnavailableError}); the next request reads the new,
 *   empty container, and the next run fills it again. No restart needed.
 * - `writeRefusal()`: undefined when the primary takes writes (re-creating a missing container
 *   first), else the reason — the caller refuses with 503 and starts nothing.
 *
 * Activities keep the ledger of `ReplicationDeps.ledger()` and the SDK's default retries: a run
 * rides out a short storage blip rather than failing a copy.
 */
import type { ContainerClient, StoragePipelineOptions } from '@azure/storage-blob';
import { openLedger, type Ledger } from './connect';
import type { Clock } from './documentStore';
import { LedgerContainerMissingError, LedgerUnavailableError } from './errors';

/** Storage retries on the ledger's read paths: two tries, short back-off; the server-side timeout per try (s granularity). */
export const LEDGER_READ_RETRY: NonNullable<StoragePipelineOptions['retryOptions']> = {
  maxTries: 2,
  retryDelayInMs: 200,
  maxRetryDelayInMs: 500,
  tryTimeoutInMs: 3000,
};

/** A ledger read on an HTTP path has an answer within this (real time): probes usually time out after 5–10 s. */
export const LEDGER_READ_DEADLINE_MS = 4000;

/** A successful probe of the primary is trusted this long (reads then skip it). */
export const PROBE_REUSE_MS = 10_000;

/** A whole read (which may list thousands of documents) gives up after this (real time): a backstop for a storage that stops answering mid-read. */
export const READ_BACKSTOP_MS = 30_000;

/** After the primary failed, reads go straight to the secondary for this long (then the primary is tried again). */
export const PRIMARY_RECHECK_MS = 30_000;

/** The reason text quoted from a storage error is cut to this many characters. */
const MAX_DETAIL_CHARS = 160;

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'REQUEST_SEND_ERROR',
]);

export interface StorageProblem {
  /** `unreachable`: refused, reset, DNS, timeout or 5xx; `containerMissing`: the ledger container is gone. */
  kind: 'unreachable' | 'containerMissing';
  /** What happened, for an operator (no URL query, no key). */
  detail: string;
}

class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

/** The storage problem behind an error (or its causes), if it is one; undefined for anything else (a bug, a 403…). */
export function storageProblemOf(err: unknown): StorageProblem | undefined {
  for (let cur: unknown = err, depth = 0; cur && typeof cur === 'object' && depth < 6; depth++) {
    const e = cur as { code?: unknown; statusCode?: unknown; message?: unknown; cause?: unknown };
    if (cur instanceof LedgerContainerMissingError || e.code === 'ContainerNotFound')
      return { kind: 'containerMissing', detail: 'ContainerNotFound' };
    if (cur instanceof DeadlineError) return { kind: 'unreachable', detail: cur.message };
    if (typeof e.code === 'string' && UNREACHABLE_CODES.has(e.code))
      return { kind: 'unreachable', detail: cut(typeof e.message === 'string' && e.message ? e.message : e.code) };
    if (typeof e.statusCode === 'number' && e.statusCode >= 500)
      return {
        kind: 'unreachable',
        detail: `HTTP ${e.statusCode}${typeof e.code === 'string' ? ` ${cut(e.code)}` : ''}`,
      };
    cur = e.cause;
  }
  return undefined;
}

function cut(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_DETAIL_CHARS ? `${oneLine.slice(0, MAX_DETAIL_CHARS)}…` : oneLine;
}

/**
 * The storage problem behind an error, as an HTTP route names it: a LedgerUnavailableError's
 * reason, or a storage failure met outside the access layer (e.g. a write); undefined otherwise.
 */
export function ledgerUnavailableReason(err: unknown): string | undefined {
  if (err instanceof LedgerUnavailableError) return err.reason;
  const problem = storageProblemOf(err);
  if (!problem) return undefined;
  return problem.kind === 'containerMissing'
    ? 'the ledger container does not exist (deleted, or the storage account restored without it)'
    : `the ledger storage cannot be reached (${problem.detail})`;
}

/** Why an answer came from the secondary: every answer read there carries it (`ledgerReadOnly: true`). */
export interface LedgerReadOnly {
  reason: string;
}

export interface LedgerRead<T> {
  value: T;
  /** Present when the value was read from the secondary endpoint (the ledger is read-only now). */
  readOnly?: LedgerReadOnly;
}

/** The `ledgerReadOnly` / `ledgerReadOnlyReason` members an HTTP answer read from the secondary carries. */
export function readOnlyMarks(readOnly: LedgerReadOnly | undefined): {
  ledgerReadOnly?: true;
  ledgerReadOnlyReason?: string;
} {
  return readOnly ? { ledgerReadOnly: true, ledgerReadOnlyReason: readOnly.reason } : {};
}

export interface LedgerAccessOptions {
  containerName: string;
  /** The primary endpoint's container, with {@link LEDGER_READ_RETRY}. */
  primary: ContainerClient;
  /** The secondary endpoint's container (read-only), with {@link LEDGER_READ_RETRY}; absent: no secondary. */
  secondary?: ContainerClient;
  clock: Clock;
  deadlineMs?: number;
}

export class LedgerAccess {
  private readonly primaryLedger: Promise<Ledger>;
  private readonly secondaryLedger: Promise<Ledger> | undefined;
  private primaryDown: { at: number; detail: string } | undefined;
  private lastProbeOk: number | undefined;
  /** Whether this app instance has seen the primary's container exist (a container never seen is a first use). */
  private containerSeen = false;

  constructor(private readonly opts: LedgerAccessOptions) {
    // Read paths never create anything: opening is only building the repositories.
    this.primaryLedger = openLedger(opts.primary, { clock: opts.clock, createIfMissing: false });
    this.secondaryLedger = opts.secondary
      ? openLedger(opts.secondary, { clock: opts.clock, createIfMissing: false })
      : undefined;
  }

  /** Whether a secondary endpoint is configured. */
  get hasSecondary(): boolean {
    return this.secondaryLedger !== undefined;
  }

  /** Runs `fn` over the ledger: the primary's, or while it cannot be reached the secondary's (marked read-only). */
  async read<T>(fn: (ledger: Ledger) => Promise<T>): Promise<LedgerRead<T>> {
    // Judged by what this instance knew when the request came in: concurrent first requests of a
    // new deployment (the dashboard asks for several things at once) all meet the missing
    // container; the one that creates it must not make the others call it "seen and gone".
    const seenBefore = this.containerSeen;
    let detail = this.recentOutage();
    if (detail === undefined) {
      try {
        await this.probePrimary();
        const value = await this.bounded(async () => fn(await this.primaryLedger), READ_BACKSTOP_MS);
        this.primaryDown = undefined;
        return { value };
      } catch (e) {
        const problem = storageProblemOf(e);
        if (!problem) throw e;
        this.lastProbeOk = undefined;
        if (problem.kind === 'containerMissing') {
          const { error, created } = await this.recreated(e);
          // Never seen by this instance (a new deployment, or a test's new container): created
          // now, and the read answers from the empty ledger. Seen before and gone: the ledger was
          // lost — this request says so (503), the next ones read the re-created container.
          if (seenBefore || !created) throw error;
          this.containerSeen = true;
          return { value: await this.bounded(async () => fn(await this.primaryLedger), READ_BACKSTOP_MS) };
        }
        detail = problem.detail;
        this.primaryDown = { at: this.opts.clock.now(), detail };
      }
    }
    const primary = `the ledger storage's primary endpoint cannot be reached (${detail})`;
    if (!this.secondaryLedger)
      throw new LedgerUnavailableError(
        `${primary}, and no secondary endpoint is configured (DR_LEDGER_SECONDARY_BLOB_URL)`,
        'unreachable',
      );
    const secondary = this.secondaryLedger;
    try {
      const value = await this.bounded(async () => fn(await secondary), READ_BACKSTOP_MS);
      return { value, readOnly: { reason: `${primary}: read from the secondary endpoint; the ledger is read-only` } };
    } catch (e) {
      const problem = storageProblemOf(e);
      if (!problem) throw e;
      throw new LedgerUnavailableError(
        `${primary}, and its secondary endpoint cannot be read either (${problem.kind === 'containerMissing' ? 'the ledger container is missing there' : problem.detail})`,
        'unreachable',
        { cause: e },
      );
    }
  }

  /**
   * Undefined when the ledger takes writes now (a missing container is re-created first); else
   * why not — the storage's primary endpoint cannot be reached — for a 503 that starts nothing.
   */
  async writeRefusal(): Promise<string | undefined> {
    const known = this.recentOutage();
    let detail: string | undefined = known;
    if (detail === undefined) {
      try {
        await this.bounded(() => this.opts.primary.getProperties());
        this.primaryDown = undefined;
        this.lastProbeOk = this.opts.clock.now();
        this.containerSeen = true;
        return undefined;
      } catch (e) {
        const problem = storageProblemOf(e);
        if (!problem) throw e;
        if (problem.kind === 'containerMissing') {
          await this.bounded(() => this.opts.primary.createIfNotExists());
          this.containerSeen = true;
          return undefined;
        }
        detail = problem.detail;
        this.primaryDown = { at: this.opts.clock.now(), detail };
      }
    }
    return (
      `the ledger storage's primary endpoint cannot be reached (${detail}): nothing that writes to the ledger can run ` +
      `until it is back${this.secondaryLedger ? ' (reads are served from the secondary endpoint, read-only)' : ''}`
    );
  }

  /**
   * One bounded request (the container's properties) tells whether the primary answers, at most
   * once per PROBE_REUSE_MS: a large read (the dashboard's first listing at 5 000 × 8) then runs
   * without the short deadline, which is for a storage that does not answer at all.
   */
  private async probePrimary(): Promise<void> {
    const now = this.opts.clock.now();
    if (this.lastProbeOk !== undefined && now >= this.lastProbeOk && now - this.lastProbeOk < PROBE_REUSE_MS) return;
    await this.bounded(() => this.opts.primary.getProperties());
    this.lastProbeOk = now;
    this.containerSeen = true;
  }

  /** The outage seen on the primary within PRIMARY_RECHECK_MS, when a secondary can answer instead. */
  private recentOutage(): string | undefined {
    const down = this.primaryDown;
    if (!down || !this.secondaryLedger) return undefined;
    if (this.opts.clock.now() - down.at >= PRIMARY_RECHECK_MS) return undefined;
    return down.detail;
  }

  /** Re-creates the missing container on the primary and names what happened (this request answers 503). */
  private async recreated(cause: unknown): Promise<{ error: LedgerUnavailableError; created: boolean }> {
    const name = this.opts.containerName;
    try {
      await this.bounded(() => this.opts.primary.createIfNotExists());
    } catch (e) {
      const problem = storageProblemOf(e);
      const error = new LedgerUnavailableError(
        `the ledger container "${name}" does not exist (deleted, or the storage account restored without it) and could not be re-created${problem ? ` (${problem.detail})` : ''}`,
        'containerMissing',
        { cause },
      );
      return { error, created: false };
    }
    const error = new LedgerUnavailableError(
      `the ledger container "${name}" did not exist (deleted, or the storage account restored without it): it has been re-created, empty; the next replication run records the copies again`,
      'containerMissing',
      { cause },
    );
    return { error, created: true };
  }

  /** `fn`, or a DeadlineError after `ms` (default LEDGER_READ_DEADLINE_MS) of real time (the storage call is left to finish). */
  private async bounded<T>(
    fn: () => Promise<T>,
    ms: number = this.opts.deadlineMs ?? LEDGER_READ_DEADLINE_MS,
  ): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const work = fn();
    work.catch(() => undefined); // a late failure after the deadline is not unhandled
    try {
      return await Promise.race([
        work,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new DeadlineError(`no answer within ${ms / 1000} s`)), ms);
          timer.unref?.();
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
