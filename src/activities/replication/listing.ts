/**
 * Listing: the run's configuration and the source's copyable items (models and, 2024-11-30,
 * classifiers), paced like management calls and resumable after a pause.
 */
import type { DocumentModelsClient } from '../../formRecognizer';
import { isFormRecognizerError } from '../../formRecognizer';
import { copyability } from '../../formRecognizer/modelFacts';
import type {
  ListSourceInput,
  LoadRunConfigInput,
  RunConfig,
  SourceItem,
  SourceListing,
} from '../../replication/contracts';
import { classifierItemId } from '../../replication/items';
import { DEFAULT_COPY_POLICY } from '../../replication/policy';
import { supportsClassifiers } from '../copyFamily';
import type { ReplicationDeps } from './deps';

/** Pairs per batch orchestration: bounds the history any one orchestration replays. */
export const BATCH_SIZE = 50;

export async function loadRunConfig(deps: ReplicationDeps, input: LoadRunConfigInput): Promise<RunConfig> {
  const { settings } = deps;
  const configured = settings.targets.map((t) => t.region);
  const wanted = input.regions?.map((r) => r.toLowerCase());
  const pacing = settings.pacing;
  return {
    sourceRegion: settings.source.region,
    apiVersion: settings.apiVersion,
    regions: wanted ? configured.filter((r) => wanted.includes(r)) : configured,
    unknownRegions: wanted ? wanted.filter((r) => !configured.includes(r)) : [],
    maxParallel: settings.maxParallel,
    batchSize: BATCH_SIZE,
    copy: {
      ...DEFAULT_COPY_POLICY,
      pollInitialMs: pacing.pollInitialSeconds * 1000,
      pollYoungCapMs: Math.min(DEFAULT_COPY_POLICY.pollYoungCapMs, pacing.pollMaxSeconds * 1000),
      pollMaxMs: pacing.pollMaxSeconds * 1000,
      deadlineMs: pacing.copyDeadlineMinutes * 60_000,
    },
    managementIntervalMs: 1000 / pacing.managementRequestsPerSecond,
  };
}

export async function listSourceModels(deps: ReplicationDeps, input: ListSourceInput): Promise<SourceListing> {
  const { source, listPacer, clock } = deps;
  const wanted = input.models ? new Set(input.models) : undefined;
  const listing: SourceListing = { ready: [], invalid: [], creating: [], notFound: [] };
  const seen = new Set<string>();
  // Pages are paced like management calls (the list limit is 10/s on S0): a listing of
  // thousands of models pauses between bursts — with a durable timer, not here — and
  // resumes from the page it stopped at.
  let from = input.from;
  // Classifiers (2024-11-30) are few: listed once, at the start of a listing.
  if (from === undefined && supportsClassifiers(source)) {
    for await (const c of (source as DocumentModelsClient).listClassifiers()) {
      const modelId = classifierItemId(c.classifierId);
      if (wanted && !wanted.has(modelId)) continue;
      seen.add(modelId);
      listing.ready.push({
        modelId,
        status: 'ready',
        lastUpdatedDateTime: c.lastUpdatedDateTime,
        ...(c.description !== undefined ? { modelName: c.description } : {}),
      });
    }
  }
  for (;;) {
    const paced = listPacer.acquire(`list\n${from ?? ''}`, [source.resourceId], clock.now());
    if (!paced.go)
      return { ...listing, resume: { ...(from !== undefined ? { from } : {}), retryAfterMs: paced.waitMs } };
    let page;
    try {
      page = await source.listModelsPage(from);
    } catch (e) {
      if (!isFormRecognizerError(e) || e.kind !== 'throttled') throw e;
      const retryAfterMs = e.retryAfterMs ?? 1000;
      listPacer.holdOff(source.resourceId, clock.now() + retryAfterMs);
      return { ...listing, resume: { ...(from !== undefined ? { from } : {}), retryAfterMs } };
    }
    for (const m of page.models) {
      if (wanted && !wanted.has(m.modelId)) continue;
      seen.add(m.modelId);
      // Decided from the model's own fields, never by trying: `prebuilt-*` models (v3.1/v4 list
      // them) belong to the service and are skipped; a v2-era model in a v3/v4 listing and an
      // expired one are reported as not copyable, with the reason, like invalid ones.
      const verdict = copyability(m, deps.settings.apiVersion, clock.now());
      if (!verdict.copyable && verdict.reason === 'prebuilt') continue;
      const info: SourceItem = {
        modelId: m.modelId,
        status: verdict.copyable ? m.status : 'invalid',
        lastUpdatedDateTime: m.lastUpdatedDateTime,
      };
      if (!verdict.copyable) info.notCopyable = { reason: verdict.reason, message: verdict.message };
      if (m.modelName !== undefined) info.modelName = m.modelName;
      if (m.isComposed !== undefined) info.isComposed = m.isComposed;
      // v4 composed models reference their classifier and components by id: copied after them.
      const dependsOn = [
        ...(m.classifierId !== undefined ? [classifierItemId(m.classifierId)] : []),
        ...(m.componentModelIds ?? []),
      ];
      if (dependsOn.length > 0) info.dependsOn = dependsOn;
      listing[info.status].push(info);
    }
    if (!page.nextLink) break;
    from = page.nextLink;
  }
  if (wanted && input.from === undefined) listing.notFound = [...wanted].filter((id) => !seen.has(id));
  return listing;
}
