/**
 * The drills' page budget per UTC day (`DR_DRILL_MAX_PAGES_PER_DAY`): one document per day listing
 * the pages each drill run reserved. A run reserves its pages when it is planned, with a
 * conditional write (If-Match the ETag read), so concurrent planners never both spend the same
 * pages; a run planned again (at-least-once) finds its own reservation and keeps it.
 *
 * Blob: `drill-pages/{yyyy-mm-dd}.json`.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { DocumentStore, type DocumentStoreOptions, type DocumentType } from './documentStore';
import { arrayOf, hasShape, isCount, isNonEmptyString } from './guards';
import { ledgerKey } from './keys';

export interface DrillPagesDay {
  /** `yyyy-mm-dd` (UTC). */
  day: string;
  runs: Array<{ runId: string; pages: number }>;
}

export const isDrillPagesDay = (v: unknown): v is DrillPagesDay =>
  hasShape<DrillPagesDay>(v, {
    day: (d: unknown): d is string => typeof d === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(d),
    runs: arrayOf((r: unknown): r is { runId: string; pages: number } =>
      hasShape<{ runId: string; pages: number }>(r, { runId: isNonEmptyString, pages: isCount }),
    ),
  });

export const DRILL_PAGES_DOCUMENT: DocumentType<DrillPagesDay> = {
  kind: 'drillPagesDay',
  schemaVersion: 1,
  isData: isDrillPagesDay,
};

export interface PageReservation {
  day: string;
  /** Pages reserved by other runs of the day before this one. */
  usedBefore: number;
  /** Pages this run reserved. */
  pages: number;
}

export class DrillPagesRepository {
  readonly store: DocumentStore<DrillPagesDay>;

  constructor(container: ContainerClient, options: DocumentStoreOptions = {}) {
    this.store = new DocumentStore(container, DRILL_PAGES_DOCUMENT, options);
  }

  static key(day: string): string {
    return ledgerKey(['drill-pages', day], '.json');
  }

  /**
   * Reserves pages for `runId` on `day`: `decide(usedBefore)` says how many, from the pages other
   * runs reserved that day. Idempotent per run: a run that reserved already keeps its reservation.
   */
  async reserve(day: string, runId: string, decide: (usedBefore: number) => number): Promise<PageReservation> {
    let reservation: PageReservation | undefined;
    await this.store.update(DrillPagesRepository.key(day), (current) => {
      const runs = current?.runs ?? [];
      const usedBefore = runs.filter((r) => r.runId !== runId).reduce((n, r) => n + r.pages, 0);
      const mine = runs.find((r) => r.runId === runId);
      if (mine) {
        reservation = { day, usedBefore, pages: mine.pages };
        return current;
      }
      const pages = Math.max(0, Math.floor(decide(usedBefore)));
      reservation = { day, usedBefore, pages };
      return { day, runs: [...runs, { runId, pages }] };
    });
    return reservation!;
  }

  async get(day: string): Promise<DrillPagesDay | undefined> {
    return (await this.store.get(DrillPagesRepository.key(day)))?.value;
  }
}
