/**
 * The DR group's active primary (docs/failover.md): one document, changed only by a failover's
 * switch with a conditional write, so two switches never both win and a switch based on a stale
 * read fails instead of overwriting. Absent: the `DR_SOURCE_*` member (the home) is primary.
 *
 * Blob: `state/primary.json`.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { DocumentStore, type DocumentStoreOptions, type DocumentType } from './documentStore';
import { hasShape, isCount, isIsoDate, isNonEmptyString, optional } from './guards';

export interface PrimaryState {
  /** The member (region) runs copy from and clients call now. */
  primary: string;
  /** The member that was primary when the group began (`DR_SOURCE_REGION` then): lineage keys are built from it. */
  home: string;
  /** Switches so far (0: never failed over). */
  epoch: number;
  /** When `primary` became primary (absent: since the beginning). */
  since?: string;
  /** The failover that made it primary. */
  failoverId?: string;
}

export const isPrimaryState = (v: unknown): v is PrimaryState =>
  hasShape<PrimaryState>(v, {
    primary: isNonEmptyString,
    home: isNonEmptyString,
    epoch: isCount,
    since: optional(isIsoDate),
    failoverId: optional(isNonEmptyString),
  });

export const PRIMARY_DOCUMENT: DocumentType<PrimaryState> = {
  kind: 'primary',
  schemaVersion: 1,
  isData: isPrimaryState,
};

export type SwitchOutcome =
  | { switched: true; state: PrimaryState; alreadyDone: boolean }
  | { switched: false; reason: string; state: PrimaryState };

export class PrimaryRepository {
  static readonly KEY = 'state/primary.json';
  readonly store: DocumentStore<PrimaryState>;

  constructor(container: ContainerClient, options: DocumentStoreOptions = {}) {
    this.store = new DocumentStore(container, PRIMARY_DOCUMENT, options);
  }

  /** The stored state, or the initial one (`home` primary, epoch 0) when none was ever written. */
  async read(home: string): Promise<{ state: PrimaryState; etag?: string }> {
    const stored = await this.store.get(PrimaryRepository.KEY);
    if (stored) return { state: stored.value, etag: stored.etag };
    return { state: { primary: home, home, epoch: 0 } };
  }

  /**
   * Makes `to` primary on behalf of `failoverId`, with one conditional write (If-Match the ETag
   * read, If-None-Match `*` for the first switch). Idempotent: a state that already names this
   * failover is returned as done (an activity re-run after its write). `from` is the primary the
   * failover was decided on: if another switch changed it meanwhile, this one is refused (it is
   * never applied on top of a state it did not see).
   */
  async switchTo(home: string, from: string, to: string, failoverId: string, at: string): Promise<SwitchOutcome> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const { state, etag } = await this.read(home);
      if (state.failoverId === failoverId) return { switched: true, state, alreadyDone: true };
      if (state.primary !== from)
        return {
          switched: false,
          reason: `the primary is ${state.primary} now, not ${from}: another switch came first`,
          state,
        };
      const next: PrimaryState = { primary: to, home: state.home, epoch: state.epoch + 1, since: at, failoverId };
      const written = await this.store.replace(PrimaryRepository.KEY, next, etag);
      if (written.written) return { switched: true, state: next, alreadyDone: false };
    }
    const { state } = await this.read(home);
    return { switched: false, reason: 'the primary document kept changing; try again', state };
  }
}
