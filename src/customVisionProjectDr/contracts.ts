/**
 * The contract of the Custom Vision project DR copy (one durable orchestration per source
 * project × DR region) and its activities. Everything here is stored in durable history: ids,
 * names, counts, codes and reasons — never a key or an export token (the token lives and dies
 * inside the one activity that exports and imports). Pure types and constants.
 */

export interface CvDrCountsData {
  iterations: number;
  images: number;
  tags: number;
  regions: number;
}

export type CvDrTrigger = 'notification' | 'schedule';

/** One instance per (project, region): a second trigger while it runs finds it and converges into it. */
export function cvDrInstanceId(projectId: string, region: string): string {
  return `cvdr-${projectId.toLowerCase()}-${region}`;
}

/** The marker in a DR project's name: what retention checks before it deletes anything. */
export const CV_DR_NAME_MARKER = '[modeldr-dr';

/** `{source name} [modeldr-dr {source id} {yyyymmddThhmmssZ}]`: one name per copy, recognisable without the ledger. */
export function cvDrProjectName(sourceName: string, projectId: string, startedAt: string): string {
  const stamp = startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const base = sourceName.trim().slice(0, 100) || 'project';
  return `${base} ${CV_DR_NAME_MARKER} ${projectId.toLowerCase()} ${stamp}]`;
}

export interface CvProjectCopyInput {
  projectId: string;
  region: string;
  trigger: CvDrTrigger;
}

/** The source's published iteration (what the DR copy publishes the match of). */
export interface CvDrSourcePublished {
  iterationId: string;
  name: string;
  trainedAt?: string;
  publishName: string;
}

export interface CvDrBeginInput {
  projectId: string;
  region: string;
  instanceId: string;
  trigger: CvDrTrigger;
  startedAt: string;
}

export type CvDrBeginResult =
  | {
      action: 'copy';
      sourceName: string;
      /** The source's newest Completed iteration (a newer one later makes this copy stale). */
      sourceIterationId?: string;
      published?: CvDrSourcePublished;
      /** `CV_DR_TRAIN_MISSING`: train in the DR region when no imported iteration matches (iterations may then be short). */
      trainMissing: boolean;
      why: string;
    }
  | { action: 'upToDate'; why: string }
  | { action: 'failed'; code: string; message: string };

export interface CvDrExportImportInput {
  projectId: string;
  region: string;
  instanceId: string;
  /** The DR project's name (with the marker); also how a re-run finds the project it already imported. */
  copyName: string;
}

export type CvDrExportImportResult =
  | {
      state: 'importing';
      drProjectId: string;
      expected: CvDrCountsData;
      estimatedImportTimeMs: number;
      adopted: boolean;
    }
  | { state: 'deferred'; retryAfterMs: number; code: string; message: string }
  | { state: 'failed'; code: string; message: string };

export interface CvDrCheckImportInput {
  region: string;
  drProjectId: string;
  expected: CvDrCountsData;
}

export type CvDrCheckImportResult =
  | { state: 'importing' }
  | { state: 'succeeded'; actual: CvDrCountsData }
  | { state: 'failed'; code: string; message: string; actual?: CvDrCountsData };

export interface CvDrPublishInput {
  region: string;
  drProjectId: string;
  published?: CvDrSourcePublished;
  /** Publish this iteration (trained in the DR region) instead of matching an imported one. */
  trainedIterationId?: string;
}

export type CvDrPublishResult =
  | {
      state: 'published';
      iterationId: string;
      iterationName: string;
      publishName: string;
      already: boolean;
      origin: 'imported' | 'trainedInDr';
    }
  | { state: 'notPublished'; reason: string }
  /** No imported iteration matches and `CV_DR_TRAIN_MISSING` is on: train (billed). */
  | { state: 'needsTraining'; reason: string }
  | { state: 'failed'; code: string; message: string };

export interface CvDrTrainInput {
  region: string;
  drProjectId: string;
  /** The copy's start: a Completed iteration created since then is this copy's training (a re-run adopts it). */
  since: string;
}

export type CvDrTrainResult =
  { state: 'training'; iterationId: string; adopted: boolean } | { state: 'failed'; code: string; message: string };

export interface CvDrCheckTrainingInput {
  region: string;
  drProjectId: string;
  iterationId: string;
}

export type CvDrCheckTrainingResult =
  | { state: 'training'; status: string }
  | { state: 'completed'; iterationName: string }
  | { state: 'failed'; code: string; message: string };

export type CvDrOutcome =
  | {
      kind: 'ready';
      drProjectId: string;
      expected: CvDrCountsData;
      actual: CvDrCountsData;
      sourceIterationId?: string;
      iterationId?: string;
      iterationName?: string;
      iterationOrigin?: 'imported' | 'trainedInDr';
      publishName?: string;
    }
  | { kind: 'upToDate' }
  | {
      kind: 'failed';
      code: string;
      message: string;
      /** A DR project this copy created and left unusable: deleted (nothing half-made stays). */
      drProjectId?: string;
      expected?: CvDrCountsData;
      actual?: CvDrCountsData;
    };

export interface CvDrFinishInput {
  projectId: string;
  region: string;
  instanceId: string;
  trigger: CvDrTrigger;
  startedAt: string;
  outcome: CvDrOutcome;
}

export interface CvDrFinishResult {
  /** A copy was asked for after this one started: run again (continue-as-new) so the newest state is copied. */
  again: boolean;
  retired: string[];
  /** The routing document (its `customVisionProjects`) published again after a ready copy, or why not. */
  routing?: string;
}

export interface CvProjectCopyOutput {
  projectId: string;
  region: string;
  state: 'ready' | 'upToDate' | 'failed';
  drProjectId?: string;
  code?: string;
  message?: string;
  startedAt: string;
  finishedAt: string;
  retired: string[];
}

export interface CvProjectCopyProgress {
  step: 'begin' | 'exportImport' | 'waitingForImport' | 'publish' | 'training' | 'finish' | 'deferred';
  drProjectId?: string;
  checks: number;
}
