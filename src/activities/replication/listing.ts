/**
 * Listing: the run's configuration and the source's copyable items (models and, 2024-11-30,
 * classifiers), paced like management calls and resumable after a pause.
 */
import type { CopyApi, DocumentModelsClient, ModelPage } from '../../formRecognizer';
import { isFormRecognizerError } from '../../formRecognizer';
import { copyability } from '../../formRecognizer/modelFacts';
import { arrayOf, hasShape, isBoolean, isNonEmptyString, isString, oneOf, optional } from '../../ledger/guards';
import type {
  ListingProgress,
  ListSourceInput,
  ListTargetInput,
  LoadRunConfigInput,
  RunConfig,
  SourceItem,
  TargetListingEntry,
} from '../../replication/contracts';
import { classifierItemId } from '../../replication/items';
import { DEFAULT_COPY_POLICY } from '../../replication/policy';
import { supportsClassifiers } from '../copyFamily';
import { targetOf, type ReplicationDeps } from './deps';

/** Pairs per batch orchestration: bounds the history any one orchestration replays. */
export const BATCH_SIZE = 50;

export async function loadRunConfig(deps: ReplicationDeps, input: LoadRunConfigInput): Promise<RunConfig> {
  const { settings } = deps;
  // Every member but the active primary (docs/failover.md); before any failover: DR_TARGETS.
  const roles = input.runId !== undefined ? await deps.rolesFor(input.runId) : undefined;
  const configured = roles ? [...roles.targets.keys()] : settings.targets.map((t) => t.region);
  const wanted = input.regions?.map((r) => r.toLowerCase());
  const pacing = settings.pacing;
  return {
    sourceRegion: roles?.primary ?? settings.source.region,
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

/** The listing scratch's names (see ledger/listingScratch.ts). */
export const SOURCE_LISTING = 'source';
export const targetListing = (region: string): string => `target-${region}`;

/** The items of the scratch's listings, as planning reads them back (written by the activities below). */
export const isSourceItem = (v: unknown): v is SourceItem =>
  hasShape<SourceItem>(v, {
    modelId: isNonEmptyString,
    modelName: optional(isString),
    status: oneOf(['ready', 'invalid', 'creating'] as const),
    isComposed: optional(isBoolean),
    lastUpdatedDateTime: optional(isString),
    dependsOn: optional(arrayOf(isString)),
    notCopyable: optional((n: unknown): n is NonNullable<SourceItem['notCopyable']> =>
      hasShape<NonNullable<SourceItem['notCopyable']>>(n, {
        reason: oneOf(['prebuilt', 'invalid', 'createdWithV2', 'expired'] as const),
        message: isString,
      }),
    ),
  });

export const isTargetEntry = (v: unknown): v is TargetListingEntry =>
  Array.isArray(v) && v.length === 2 && isNonEmptyString(v[0]) && isString(v[1]);

/**
 * Lists the source's items (models and, 2024-11-30, classifiers) into the listing scratch, up to
 * the list rate's burst of pages per call. Decided from each model's own fields, never by
 * trying: `prebuilt-*` models (v3.1/v4 list them) belong to the service and are skipped; a
 * v2-era model in a v3/v4 listing and an expired one are kept as not copyable, with the reason.
 */
export async function listSourceModels(deps: ReplicationDeps, input: ListSourceInput): Promise<ListingProgress> {
  const { clock } = deps;
  const source = (await deps.rolesFor(input.runId)).source.client;
  const wanted = input.models ? new Set(input.models) : undefined;
  const items: SourceItem[] = [];
  // Classifiers (2024-11-30) are few: listed once, at the start of a listing.
  if (input.from === undefined && supportsClassifiers(source)) {
    for await (const c of (source as DocumentModelsClient).listClassifiers()) {
      const modelId = classifierItemId(c.classifierId);
      if (wanted && !wanted.has(modelId)) continue;
      items.push({
        modelId,
        status: 'ready',
        lastUpdatedDateTime: c.lastUpdatedDateTime,
        ...(c.description !== undefined ? { modelName: c.description } : {}),
      });
    }
  }
  return pageInto(deps, SOURCE_LISTING, input, source, items, (models) => {
    const out: SourceItem[] = [];
    for (const m of models) {
      if (wanted && !wanted.has(m.modelId)) continue;
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
      out.push(info);
    }
    return out;
  });
}

/**
 * Lists a target's items (`[id, status]`; 2024-11-30 classifiers as `classifier:<id>`) into the
 * listing scratch, paced like the source's: planning compares them with the ledger. A 429
 * pauses the listing (resumed after Retry-After), never fails it.
 */
export async function listTargetModels(deps: ReplicationDeps, input: ListTargetInput): Promise<ListingProgress> {
  const target = targetOf(deps, input.region);
  const items: TargetListingEntry[] = [];
  if (input.from === undefined && supportsClassifiers(target.client)) {
    for await (const c of (target.client as DocumentModelsClient).listClassifiers())
      items.push([classifierItemId(c.classifierId), 'ready']);
  }
  return pageInto(deps, targetListing(input.region), input, target.client, items, (models) =>
    models.map((m): TargetListingEntry => [m.modelId, m.status]),
  );
}

/**
 * Pages through `client`'s models from `input.from` while the list pacer allows (a burst), and
 * appends what it read to the scratch `name` in one request; returns where to resume, if not done.
 */
async function pageInto<T>(
  deps: ReplicationDeps,
  name: string,
  input: { runId: string; from?: string },
  client: CopyApi,
  items: T[],
  convert: (models: ModelPage['models']) => T[],
): Promise<ListingProgress> {
  const { listPacer, clock } = deps;
  const scratch = (await deps.ledger()).listings;
  if (input.from === undefined) await scratch.begin(name, input.runId);
  let from = input.from;
  let pages = 0;
  let resume: ListingProgress['resume'];
  for (;;) {
    const paced = listPacer.take(client.resourceId, clock.now());
    if (!paced.go) {
      resume = { ...(from !== undefined ? { from } : {}), retryAfterMs: paced.waitMs };
      break;
    }
    let page: ModelPage;
    try {
      page = await client.listModelsPage(from);
    } catch (e) {
      if (!isFormRecognizerError(e) || e.kind !== 'throttled') throw e;
      const retryAfterMs = e.retryAfterMs ?? 1000;
      listPacer.holdOff(client.resourceId, clock.now() + retryAfterMs);
      resume = { ...(from !== undefined ? { from } : {}), retryAfterMs };
      break;
    }
    pages += 1;
    items.push(...convert(page.models));
    if (!page.nextLink) break;
    from = page.nextLink;
  }
  if (pages > 0 || items.length > 0 || !resume)
    await scratch.append(name, {
      ...(input.from !== undefined ? { from: input.from } : {}),
      ...(resume ? (resume.from !== undefined ? { next: resume.from } : {}) : { done: true }),
      items,
    });
  return { listed: items.length, pages, ...(resume ? { resume } : {}) };
}
