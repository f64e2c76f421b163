/**
 * The Custom Vision backup orchestration and its activities, each defined once with its
 * input and output types and its retry policy (see src/durable/define.ts). Bound to
 * handlers by the composition root (src/functions/customVision.ts).
 */
import { defineActivity, defineOrchestrator, type RetryPolicy } from '../durable/define';
import type {
  CheckExportsInput,
  CheckedExport,
  CustomVisionBackupInput,
  CustomVisionBackupOutput,
  RecordOutcomeInput,
  RequestExportsInput,
  RequestedExport,
} from './contracts';

/** Custom Vision and storage calls: retried patiently (an export takes minutes; the deadline is hours). */
export const CV_REQUEST_RETRY: RetryPolicy = {
  firstRetryIntervalMs: 30_000,
  maxAttempts: 5,
  backoffCoefficient: 2,
  maxRetryIntervalMs: 10 * 60_000,
};

export const CvActivities = {
  requestExports: defineActivity<RequestExportsInput, RequestedExport[]>('cvRequestExports', {
    retry: CV_REQUEST_RETRY,
  }),
  checkExports: defineActivity<CheckExportsInput, CheckedExport[]>('cvCheckExports', { retry: CV_REQUEST_RETRY }),
  recordBackupOutcome: defineActivity<RecordOutcomeInput, void>('cvRecordBackupOutcome', { retry: CV_REQUEST_RETRY }),
} as const;

export const CvOrchestrators = {
  backup: defineOrchestrator<CustomVisionBackupInput, CustomVisionBackupOutput>('customVisionBackup'),
} as const;
