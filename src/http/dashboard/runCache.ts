/**
 * The last runs for the dashboard without downloading their reports on every refresh: the
 * run ids come from the run index's blob names, each report's ETag from one metadata request,
 * and a report is downloaded (and cut down to its `RunView`) only when it is new or changed.
 * At 5 000 models × 8 regions a report is a few megabytes; a refresh then costs one listing
 * and one HEAD request per run shown.
 */
import { RunReportRepository } from '../../ledger/runReports';
import { runViewOf, type RunView } from './runs';

/** Run views kept (the page asks for the last 10; the API allows 50). */
const KEPT_VIEWS = 64;

export class RunViewCache {
  private readonly views = new Map<string, { etag: string; view: RunView }>();
  /** Reports downloaded so far (for tests and diagnostics). */
  downloads = 0;

  constructor(private readonly runs: RunReportRepository) {}

  /** The `n` most recently started runs that have a report, newest first. */
  async latest(n: number): Promise<RunView[]> {
    const ids = await this.runs.latestRunIds(n);
    const views = await Promise.all(ids.map((id) => this.view(id)));
    return views.filter((v): v is RunView => v !== undefined);
  }

  private async view(runId: string): Promise<RunView | undefined> {
    const key = RunReportRepository.key(runId);
    let etag: string | undefined;
    try {
      etag = (await this.runs.store.container.getBlobClient(key).getProperties()).etag;
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) {
        this.views.delete(runId);
        return undefined;
      }
      throw e;
    }
    const cached = this.views.get(runId);
    if (cached && etag !== undefined && cached.etag === etag) {
      this.views.delete(runId);
      this.views.set(runId, cached);
      return cached.view;
    }
    this.downloads++;
    const doc = await this.runs.store.get(key);
    if (!doc) return undefined;
    const view = runViewOf(doc.value);
    this.views.delete(runId);
    this.views.set(runId, { etag: doc.etag, view });
    while (this.views.size > KEPT_VIEWS) this.views.delete(this.views.keys().next().value as string);
    return view;
  }
}
