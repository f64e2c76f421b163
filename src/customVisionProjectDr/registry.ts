/**
 * The Custom Vision project DR orchestration and its activities, each defined once with its
 * input and output types and its retry policy (src/durable/define.ts).
 */
import { defineActivity, defineOrchestrator, type RetryPolicy } from '../durable/define';
import type {
  CvDrBeginInput,
  CvDrBeginResult,
  CvDrCheckImportInput,
  CvDrCheckImportResult,
  CvDrCheckTrainingInput,
  CvDrCheckTrainingResult,
  CvDrExportImportInput,
  CvDrExportImportResult,
  CvDrFinishInput,
  CvDrFinishResult,
  CvDrPublishInput,
  CvDrPublishResult,
  CvDrTrainInput,
  CvDrTrainResult,
  CvProjectCopyInput,
  CvProjectCopyOutput,
} from './contracts';

/** Training API and ledger calls: a few patient retries (throttling and 5xx; the copy's deadline is hours). */
export const CV_DR_RETRY: RetryPolicy = {
  firstRetryIntervalMs: 15_000,
  maxAttempts: 4,
  backoffCoefficient: 2,
  maxRetryIntervalMs: 5 * 60_000,
};

/** From the start of a copy: waiting out a read-only or training source and the import itself. */
export const CV_DR_DEADLINE_MS = 6 * 3600_000;
/** The first look at an import: at its estimate, at least this. */
export const CV_DR_FIRST_POLL_MS = 5_000;
/** Polls back off (×2) up to this. */
export const CV_DR_MAX_POLL_MS = 5 * 60_000;
/** From the start of a training in the DR region (`CV_DR_TRAIN_MISSING`): how long it may take. */
export const CV_DR_TRAIN_DEADLINE_MS = 12 * 3600_000;
/** The first look at a training: training takes minutes at least. */
export const CV_DR_FIRST_TRAIN_POLL_MS = 60_000;

export const CvDrActivities = {
  begin: defineActivity<CvDrBeginInput, CvDrBeginResult>('cvDrBegin', { retry: CV_DR_RETRY }),
  exportImport: defineActivity<CvDrExportImportInput, CvDrExportImportResult>('cvDrExportImport', {
    retry: CV_DR_RETRY,
  }),
  checkImport: defineActivity<CvDrCheckImportInput, CvDrCheckImportResult>('cvDrCheckImport', { retry: CV_DR_RETRY }),
  publish: defineActivity<CvDrPublishInput, CvDrPublishResult>('cvDrPublish', { retry: CV_DR_RETRY }),
  train: defineActivity<CvDrTrainInput, CvDrTrainResult>('cvDrTrain', { retry: CV_DR_RETRY }),
  checkTraining: defineActivity<CvDrCheckTrainingInput, CvDrCheckTrainingResult>('cvDrCheckTraining', {
    retry: CV_DR_RETRY,
  }),
  finish: defineActivity<CvDrFinishInput, CvDrFinishResult>('cvDrFinish', { retry: CV_DR_RETRY }),
} as const;

export const CvDrOrchestrators = {
  copy: defineOrchestrator<CvProjectCopyInput, CvProjectCopyOutput>('customVisionProjectCopy'),
} as const;
