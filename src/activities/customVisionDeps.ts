/**
 * What the Custom Vision activities and the notification handler are built from: the
 * settings, the Training API client (when exports are configured), the backup over the
 * configured containers (when `CV_BACKUP_CONTAINER_URL` is set), the modelUri policy, and
 * the Custom Vision repositories over the ledger container. Built once per app instance by
 * the composition root (src/functions/dependencies.ts).
 */
import type { CustomVisionSettings } from '../config';
import type { ContainerAccess, CustomVisionBackup, CustomVisionTrainingApi, ModelUriPolicy } from '../customVision';
import type { CustomVisionRecordRepository } from '../ledger/customVisionRecords';
import type { RejectedNotificationRepository } from '../ledger/rejectedNotifications';
import type { ReplayQueues } from './customVisionReplay';
import type { Telemetry } from '../telemetry/telemetry';

export interface CustomVisionDeps {
  settings: CustomVisionSettings;
  /** Events and metrics (`ModelDr.CvBackupRecorded`, `ModelDr.CvNotificationRejected`). */
  telemetry: Telemetry;
  /** Present when `CV_ENDPOINT` and `CV_TRAINING_KEY` are set. */
  training?: CustomVisionTrainingApi;
  /** Present when `CV_BACKUP_CONTAINER_URL` is set. */
  backup?: CustomVisionBackup;
  /** How each configured container is reached (backup first, then replica), for the start-up probe. Holds credentials: never log it (use `describeAccess`). */
  containers?: ContainerAccess[];
  /** The modelUri policy; undefined when no backup container is configured (every modelUri is then foreign). */
  policy?: ModelUriPolicy;
  records(): Promise<CustomVisionRecordRepository>;
  /** The notification queue and its poison queue, for `POST /api/customvision/replay`. */
  replayQueues?(): ReplayQueues;
  rejected(): Promise<RejectedNotificationRepository>;
}
