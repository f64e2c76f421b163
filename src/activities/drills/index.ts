/**
 * The restore-drill activities, built from their dependencies (src/functions/dependencies.ts):
 * plan (replicas from the ledger, samples from `DR_DRILL_SAMPLES_URL`), start and poll an
 * analyze, record the outcomes. Service outcomes (throttled, failed) are returned as values so
 * that the orchestration waits with durable timers; only storage trouble throws (and is retried).
 * No document content leaves these functions: the sample's bytes go to the service only.
 */
import type { ContainerClient } from '@azure/storage-blob';
import type { Settings } from '../../config';
import { FormRecognizerError, ThrottledError } from '../../formRecognizer';
import type { AnalyzeApi } from '../../formRecognizer/analyzeClient';
import { admitWithinBudget } from '../../drills/budget';
import { compareResults, differingFields } from '../../drills/compare';
import type {
  AnalyzeTarget,
  DrillOrigin,
  DrillPlan,
  DrillReason,
  DrillRunInput,
  PairDrill,
  PlannedModel,
  PollAnalyzeInput,
  PollAnalyzeOutput,
  RecordDrillsInput,
  StartAnalyzeInput,
  StartAnalyzeOutput,
} from '../../drills/contracts';
import type { DrillActivities as Defs } from '../../drills/registry';
import { DrillResultError, reduceAnalyzeResult, type DrillResult } from '../../drills/result';
import { MAX_SAMPLE_BYTES, estimatePages, sampleContentType } from '../../drills/sample';
import type { ActivityHandlers } from '../../durable/register';
import type { Ledger } from '../../ledger/connect';
import { parseItemId, parseLineageKey } from '../../common/pairs';
import type { DrillRecord, DrillRepository } from '../../ledger/drills';
import type { ModelReplicaRecord } from '../../ledger/replicas';
import type { ManagementPacer } from '../../replication/pacing';
import type { Clock } from '../../runtime/clock';

export const SAMPLES_SETTING = 'DR_DRILL_SAMPLES_URL';

export interface DrillDeps {
  settings: Settings;
  clock: Clock;
  /** The sample container (absent: drills are off). */
  samples?: ContainerClient;
  analyzer(at: AnalyzeTarget): AnalyzeApi;
  /**
   * Paces analyze POSTs per resource at the service's analyze rate (one per app instance;
   * src/replication/pacing.ts): a start with no free slot returns `wait` and the orchestration
   * waits on a durable timer. 429 + Retry-After stays the backstop and holds the resource off.
   */
  analyzePacer: ManagementPacer;
  ledger(): Promise<Ledger>;
  drills(): Promise<DrillRepository>;
}

export type DrillActivityHandlers = ActivityHandlers<typeof Defs>;

function reasonOf(e: unknown): { reason: DrillReason; transient: boolean } {
  if (e instanceof FormRecognizerError) {
    return {
      reason: { ...(e.serviceCode ? { code: e.serviceCode } : {}), message: e.message.slice(0, 500) },
      transient: e.kind === 'transient' || e.kind === 'throttled',
    };
  }
  if (e instanceof DrillResultError)
    return { reason: { code: 'UnexpectedResult', message: e.message }, transient: false };
  const status = (e as { statusCode?: unknown }).statusCode;
  if (status === 401 || status === 403)
    return {
      reason: {
        code: 'Configuration',
        message: `configuration: storage refused access to the sample (HTTP ${String(status)}); check ${SAMPLES_SETTING}`,
      },
      transient: false,
    };
  if (status === 404)
    return {
      reason: { code: 'SampleNotFound', message: 'the sample is no longer in the container' },
      transient: false,
    };
  throw e;
}

async function readSample(samples: ContainerClient, name: string): Promise<Uint8Array> {
  const blob = samples.getBlobClient(name);
  const props = await blob.getProperties();
  if ((props.contentLength ?? 0) > MAX_SAMPLE_BYTES)
    throw new DrillResultError(`the sample is larger than ${MAX_SAMPLE_BYTES} bytes`);
  return blob.downloadToBuffer();
}

/** The members of the DR group by region: `DR_SOURCE_REGION`, then the `DR_TARGETS` regions. */
export function memberRegions(settings: Settings): string[] {
  return [settings.source.region, ...settings.targets.map((t) => t.region)];
}

/**
 * The pacer's resource name for an analyze target: one per member's resource. The source's
 * region and `{kind: 'source'}` are one resource, so they share one name (`source`).
 */
function resourceOf(settings: Settings, at: AnalyzeTarget): string {
  return at.kind === 'source' || at.region === settings.source.region ? 'source' : `region:${at.region}`;
}

/** Why an analyze target cannot be called (a region that is not a member), or undefined. */
function notAMember(settings: Settings, at: AnalyzeTarget): DrillReason | undefined {
  if (at.kind === 'source' || memberRegions(settings).includes(at.region)) return undefined;
  return {
    code: 'Configuration',
    message: `configuration: '${at.region}' is not a member (DR_SOURCE_REGION or DR_TARGETS), so it cannot be analyzed`,
  };
}

function isoNow(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}

export function createDrillActivities(deps: DrillDeps): DrillActivityHandlers {
  const family = deps.settings.apiFamily === 'formRecognizerV2' ? 'v2' : 'documentModels';
  const recordValues = deps.settings.drills.recordValues;
  return {
    async planDrills(input: DrillRunInput & { runId: string }): Promise<DrillPlan> {
      const base = {
        maxPages: deps.settings.drills.maxPages,
        maxParallel: Math.max(1, Math.min(deps.settings.maxParallel, 8)),
      };
      const samples = deps.samples;
      if (!samples) return { ...base, models: [], noSample: [] };
      // Lineages (docs/failover.md): a replica record's key names its lineage; its origin is the
      // reference, every other member holding a verified copy is drilled.
      const ledger = await deps.ledger();
      const { home } = (await ledger.primary.read(deps.settings.source.region)).state;
      const members = new Set(memberRegions(deps.settings));
      const wantedRegions = input.regions ? new Set(input.regions) : undefined;
      const wantedModels = input.models ? new Set(input.models) : undefined;
      const byModel = new Map<string, { origin: DrillOrigin; replicas: ModelReplicaRecord[] }>();
      for (const r of await ledger.replicas.listAll()) {
        if (r.state !== 'replicated' || r.targetModelId === undefined) continue;
        if (!members.has(r.region) || (wantedRegions && !wantedRegions.has(r.region))) continue;
        if (wantedModels && !wantedModels.has(r.sourceModelId)) continue;
        const lineage = parseLineageKey(r.sourceModelId, home);
        const item = parseItemId(lineage.itemId);
        // Classifiers are not drilled; a record in the origin's own region is the origin itself.
        if (item.kind !== 'model' || r.region === lineage.origin) continue;
        const entry = byModel.get(r.sourceModelId) ?? {
          origin: { region: lineage.origin, modelId: item.id },
          replicas: [],
        };
        entry.replicas.push(r);
        byModel.set(r.sourceModelId, entry);
      }
      const models: PlannedModel[] = [];
      const noSample: string[] = [];
      for (const [sourceModelId, { origin, replicas: rs }] of [...byModel.entries()].sort(([a], [b]) =>
        a < b ? -1 : a > b ? 1 : 0,
      )) {
        const names: string[] = [];
        for await (const b of samples.listBlobsFlat({ prefix: `${sourceModelId}/` }))
          if (sampleContentType(b.name) && b.name.indexOf('/', sourceModelId.length + 1) < 0) names.push(b.name);
        const sample = names.sort()[0];
        if (!sample) {
          noSample.push(sourceModelId);
          continue;
        }
        const bytes = await readSample(samples, sample);
        // The origin's version: as recorded by a copy made from the origin (versions are per member).
        const version = rs.find(
          (r) => r.sourceModelVersion && (r.sourceRegion ?? home) === origin.region,
        )?.sourceModelVersion;
        models.push({
          sourceModelId,
          ...(version ? { sourceModelVersion: version } : {}),
          origin,
          sample,
          estimatedPages: estimatePages(bytes),
          replicas: rs
            .map((r) => ({ region: r.region, targetModelId: r.targetModelId as string }))
            .sort((a, b) => (a.region < b.region ? -1 : 1)),
        });
      }
      // The day's budget: this run reserves (conditional write, once per run) the pages it will
      // analyze, within what other runs of the UTC day left.
      const perDay = deps.settings.drills.maxPagesPerDay;
      const today = isoNow(deps.clock).slice(0, 10);
      const runBudget = (usedBefore: number): number => Math.max(0, Math.min(base.maxPages, perDay - usedBefore));
      const reservation = await ledger.drillPages.reserve(
        today,
        input.runId,
        (usedBefore) => admitWithinBudget(models, runBudget(usedBefore)).pages,
      );
      return {
        ...base,
        maxPages: runBudget(reservation.usedBefore),
        models,
        noSample,
        day: { day: today, maxPagesPerDay: perDay, usedBefore: reservation.usedBefore, reserved: reservation.pages },
      };
    },

    async startAnalyze(input: StartAnalyzeInput): Promise<StartAnalyzeOutput> {
      const samples = deps.samples;
      if (!samples)
        return {
          kind: 'failed',
          reason: { code: 'Configuration', message: `${SAMPLES_SETTING} is not set` },
          transient: false,
        };
      const unknown = notAMember(deps.settings, input.at);
      if (unknown) return { kind: 'failed', reason: unknown, transient: false };
      const contentType = sampleContentType(input.sample) ?? 'application/octet-stream';
      const resource = resourceOf(deps.settings, input.at);
      // The same analyze (run, target, model, sample) asks again after its wait and gets the slot reserved for it.
      const key = `${input.runId}\u0000${resource}\u0000${input.modelId}\u0000${input.sample}`;
      const pace = deps.analyzePacer.acquire(key, [resource], deps.clock.now());
      if (!pace.go) return { kind: 'wait', waitMs: pace.waitMs };
      try {
        const bytes = await readSample(samples, input.sample);
        const started = await deps.analyzer(input.at).startAnalyze(input.modelId, { bytes, contentType });
        return { kind: 'started', ...started };
      } catch (e) {
        if (e instanceof ThrottledError) {
          const retryAfterMs = e.retryAfterMs ?? 1000;
          deps.analyzePacer.holdOff(resource, deps.clock.now() + retryAfterMs);
          return { kind: 'throttled', retryAfterMs };
        }
        return { kind: 'failed', ...reasonOf(e) };
      }
    },

    async pollAnalyze(input: PollAnalyzeInput): Promise<PollAnalyzeOutput> {
      const unknown = notAMember(deps.settings, input.at);
      if (unknown) return { kind: 'failed', reason: unknown, transient: false };
      try {
        const s = await deps.analyzer(input.at).getAnalyzeResult(input.operationLocation);
        if (s.status === 'succeeded')
          return { kind: 'succeeded', result: reduceAnalyzeResult(family, s.analyzeResult, recordValues) };
        if (s.status === 'failed') return { kind: 'failed', reason: s.error, transient: false };
        return { kind: 'running', ...(s.retryAfterMs !== undefined ? { retryAfterMs: s.retryAfterMs } : {}) };
      } catch (e) {
        if (e instanceof ThrottledError) return { kind: 'running', retryAfterMs: e.retryAfterMs ?? 1000 };
        return { kind: 'failed', ...reasonOf(e) };
      }
    },

    async recordDrills(input: RecordDrillsInput): Promise<PairDrill[]> {
      const repo = await deps.drills();
      const at = isoNow(deps.clock);
      let source: { result: DrillResult; at: string; recorded: boolean } | undefined;
      if (input.source.kind === 'succeeded') {
        source = { result: input.source.result, at, recorded: false };
        await repo.recordSource({
          sourceModelId: input.sourceModelId,
          at,
          runId: input.runId,
          ...(input.sourceModelVersion ? { sourceModelVersion: input.sourceModelVersion } : {}),
          sample: input.sample,
          result: input.source.result,
        });
      } else {
        const last = await repo.lastSource(input.sourceModelId);
        if (last && last.sample === input.sample) source = { result: last.result, at: last.at, recorded: true };
      }
      const out: PairDrill[] = [];
      for (const r of input.replicas) {
        const record: DrillRecord = {
          sourceModelId: input.sourceModelId,
          region: r.region,
          at,
          runId: input.runId,
          outcome: 'failed',
          targetModelId: r.targetModelId,
          ...(input.sourceModelVersion ? { sourceModelVersion: input.sourceModelVersion } : {}),
          comparedWithRecordedSource: source?.recorded ?? false,
          sample: input.sample,
        };
        const pair: PairDrill = { sourceModelId: input.sourceModelId, region: r.region, outcome: 'failed' };
        if (r.end.kind === 'failed') {
          record.reason = r.end.reason;
          pair.reason = r.end.reason;
        } else if (!source) {
          const why = input.source.kind === 'failed' ? input.source.reason.message : 'unknown';
          const reason = {
            code: 'SourceUnavailable',
            message: `the source could not be analyzed (${why.slice(0, 300)}) and no earlier source result of this sample is recorded`,
          };
          record.reason = reason;
          pair.reason = reason;
        } else {
          const c = compareResults(source.result, r.end.result, {
            confidenceTolerance: deps.settings.drills.confidenceTolerance,
            // A docType named after the origin's model id (a v2.1 id differs per member, a lineage key is no id).
            sourceModelId: input.origin?.modelId ?? input.sourceModelId,
            targetModelId: r.targetModelId,
          });
          record.outcome = c.outcome;
          pair.outcome = c.outcome;
          record.sourceResultAt = source.at;
          if (c.outcome === 'mismatch') {
            record.differences = c.differences;
            pair.differences = c.differences;
            pair.differingFields = differingFields(c.differences);
          }
          if (source.recorded) pair.comparedWithRecordedSource = true;
        }
        await repo.record(record);
        out.push(pair);
      }
      return out;
    },
  };
}
