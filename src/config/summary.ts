/** The log-safe summary of the settings (the start-up log line). */
import { formatExportPlatform } from './customVision';
import type { ContainerLocation, CredentialRef, Settings } from './types';

/** A log-safe summary for start-up logging: no secret values, no SAS, only where secrets come from. */
export function describeSettings(settings: Settings): Record<string, unknown> {
  const credential = (c: CredentialRef): string => (c.kind === 'key' ? `key from ${c.setting}` : 'Microsoft Entra ID');
  const container = (c: ContainerLocation | undefined): string | undefined =>
    c && (c.sas ? `${c.url} (SAS from ${c.sas.setting})` : `${c.url} (Microsoft Entra ID)`);
  const s = settings.storage;
  const cv = settings.customVision;
  return {
    storage:
      s.kind === 'connectionString'
        ? {
            kind: s.kind,
            from: s.connectionString.setting,
            developmentStorage: s.developmentStorage,
            accountName: s.accountName,
            blobEndpoint: s.blobEndpoint,
          }
        : {
            kind: s.kind,
            accountName: s.accountName,
            blobServiceUri: s.blobServiceUri,
            queueServiceUri: s.queueServiceUri,
            tableServiceUri: s.tableServiceUri,
            clientId: s.clientId,
          },
    identity: settings.identity.clientId
      ? { clientId: settings.identity.clientId, from: settings.identity.clientIdSetting }
      : { clientId: undefined, from: 'system-assigned managed identity or developer credential' },
    taskHub: settings.taskHub,
    apiVersion: settings.apiVersion,
    source: {
      region: settings.source.region,
      endpoint: settings.source.endpoint,
      resourceId: settings.source.resourceId,
      auth: credential(settings.source.credential),
    },
    targets: settings.targets.map((t) => ({
      region: t.region,
      endpoint: t.endpoint,
      resourceId: t.resourceId,
      auth: credential(t.credential),
      allowDegrade: t.allowDegrade,
    })),
    schedule: settings.schedule,
    maxParallel: settings.maxParallel,
    pacing: { ...settings.pacing },
    ledgerContainer: settings.ledgerContainer,
    rpoHours: settings.health.rpoHours,
    customVision: {
      endpoint: cv.endpoint,
      auth: cv.trainingKey ? `key from ${cv.trainingKey.setting}` : undefined,
      exportPlatforms: cv.exportPlatforms.map(formatExportPlatform),
      notificationQueue: cv.notificationQueue,
      backupContainer: container(cv.backupContainer),
      replicaContainer: container(cv.replicaContainer),
    },
  };
}
