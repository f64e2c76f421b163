/** Custom Vision: the training resource, export platforms, the notification queue and the backup containers. */
import { DEFAULTS } from './names';
import type { SettingsReader } from './reader';
import { EXPORT_PLATFORMS, normalizeExportSpecs } from '../customVision/flavors';
import { type ContainerLocation, type CustomVisionSettings, type ExportPlatform, type SecretRef } from './types';
import { containerNameProblem, isLoopback, parseServiceUrl } from './urls';

export function formatExportPlatform(p: ExportPlatform): string {
  return p.flavor ? `${p.platform}:${p.flavor}` : p.platform;
}

export function parseCustomVision(r: SettingsReader): CustomVisionSettings | undefined {
  let ok = true;
  const notificationQueue = r.string('CV_NOTIFICATION_QUEUE', DEFAULTS.CV_NOTIFICATION_QUEUE);
  const queueProblem = containerNameProblem(notificationQueue);
  if (queueProblem) {
    r.add('CV_NOTIFICATION_QUEUE', `"${notificationQueue}" is not a valid queue name: ${queueProblem}`);
    ok = false;
  } else if (notificationQueue.length > 63 - '-poison'.length) {
    r.add(
      'CV_NOTIFICATION_QUEUE',
      `"${notificationQueue}" is too long: its poison queue "${notificationQueue}-poison" must also be a valid name (at most 56 characters here)`,
    );
    ok = false;
  }

  const endpointRaw = r.get('CV_ENDPOINT');
  let endpoint: string | undefined;
  if (endpointRaw !== undefined) {
    const u = parseServiceUrl(endpointRaw, { allowPath: false });
    if (typeof u === 'string') {
      r.add('CV_ENDPOINT', u);
      ok = false;
    } else endpoint = u.url;
  }
  const trainingKey: SecretRef | undefined =
    r.get('CV_TRAINING_KEY') !== undefined ? { setting: 'CV_TRAINING_KEY' } : undefined;
  if (trainingKey && endpointRaw === undefined && !r.unresolved('CV_ENDPOINT')) {
    r.add('CV_TRAINING_KEY', 'is set but CV_ENDPOINT is not: set the training resource endpoint too');
    ok = false;
  }

  const exportPlatforms: ExportPlatform[] = [];
  const platformsRaw = r.get('CV_EXPORT_PLATFORMS');
  if (platformsRaw !== undefined) {
    const items: { platform: string; flavor?: string }[] = [];
    for (const item of platformsRaw.split(',').map((s) => s.trim())) {
      const parsed = splitExportItem(item);
      if (typeof parsed === 'string') {
        r.add('CV_EXPORT_PLATFORMS', parsed);
        ok = false;
      } else items.push(parsed);
    }
    // The one list of platforms and flavors the Training API takes (case-insensitive, flavor of its platform, no duplicate).
    const checked = normalizeExportSpecs(items, 'CV_EXPORT_PLATFORMS');
    if (!checked.ok) {
      r.add('CV_EXPORT_PLATFORMS', checked.message.replace(/^CV_EXPORT_PLATFORMS: /, ''));
      ok = false;
    } else exportPlatforms.push(...checked.specs);
    if (endpointRaw === undefined) {
      r.add(
        'CV_ENDPOINT',
        'is required when CV_EXPORT_PLATFORMS is set (exports are requested from the training resource)',
      );
      ok = false;
    }
    if (!trainingKey) {
      r.add(
        'CV_TRAINING_KEY',
        'is required when CV_EXPORT_PLATFORMS is set (exports are requested with the training key)',
      );
      ok = false;
    }
  }

  const backupContainer = parseContainerSetting(r, 'CV_BACKUP_CONTAINER_URL');
  const replicaContainer = parseContainerSetting(r, 'CV_REPLICA_CONTAINER_URL');
  if (backupContainer === null || replicaContainer === null) ok = false;
  if (
    replicaContainer &&
    !backupContainer &&
    r.get('CV_BACKUP_CONTAINER_URL') === undefined &&
    !r.unresolved('CV_BACKUP_CONTAINER_URL')
  ) {
    r.add(
      'CV_REPLICA_CONTAINER_URL',
      'is set but CV_BACKUP_CONTAINER_URL is not: second copies are made from the backup container',
    );
    ok = false;
  }
  if (backupContainer && replicaContainer && backupContainer.url.toLowerCase() === replicaContainer.url.toLowerCase()) {
    r.add(
      'CV_REPLICA_CONTAINER_URL',
      `is the same container as CV_BACKUP_CONTAINER_URL (${replicaContainer.url}): a second copy needs another container, ideally in another region`,
    );
    ok = false;
  }
  if (!ok) return undefined;
  return {
    endpoint,
    trainingKey,
    exportPlatforms,
    notificationQueue,
    backupContainer: backupContainer ?? undefined,
    replicaContainer: replicaContainer ?? undefined,
  };
}

function splitExportItem(item: string): { platform: string; flavor?: string } | string {
  if (item === '') return 'has an empty item (use a comma-separated list, e.g. "ONNX,TensorFlow:TensorFlowLite")';
  const [platform, flavor, ...rest] = item.split(':').map((s) => s.trim());
  if (rest.length > 0 || platform === '')
    return `"${item.slice(0, 40)}" is not an export platform: use ${EXPORT_PLATFORMS.join(', ')}, optionally with a flavor ("TensorFlow:TensorFlowLite")`;
  return flavor !== undefined ? { platform, flavor } : { platform };
}

/** Returns the location, undefined when unset, or null when invalid (problem recorded). */
export function parseContainerSetting(r: SettingsReader, setting: string): ContainerLocation | undefined | null {
  const raw = r.get(setting);
  if (raw === undefined) return undefined;
  const q = raw.indexOf('?');
  const base = q < 0 ? raw : raw.slice(0, q);
  const query = q < 0 ? '' : raw.slice(q + 1);
  const u = parseServiceUrl(base, { allowPath: true });
  if (typeof u === 'string') {
    r.add(setting, u);
    return null;
  }
  if (query !== '' && !/(^|&)sig=/.test(query)) {
    r.add(
      setting,
      'has a query string that is not a SAS (no "sig" parameter); give the container URL, optionally with a SAS',
    );
    return null;
  }
  const segments = u.path.split('/').filter((s) => s !== '');
  const loopback = isLoopback(u.hostname) || /^\d+\.\d+\.\d+\.\d+$/.test(u.hostname);
  // Path-style URLs (Azurite, IP endpoints) carry the account name first: http://127.0.0.1:10000/devstoreaccount1/container
  const expected = loopback ? 2 : 1;
  if (segments.length !== expected) {
    r.add(
      setting,
      `${u.url} is not a container URL: expected ${loopback ? 'http://<host>:<port>/<account>/<container>' : 'https://<account>.blob.core.windows.net/<container>'}`,
    );
    return null;
  }
  const containerName = decodeURIComponent(segments[segments.length - 1]);
  const nameProblem = containerNameProblem(containerName);
  if (nameProblem) {
    r.add(setting, `"${containerName}" is not a valid container name: ${nameProblem}`);
    return null;
  }
  const accountUrl = loopback ? `${u.origin}/${segments[0]}` : u.origin;
  const location: ContainerLocation = { url: `${accountUrl}/${containerName}`, accountUrl, containerName };
  return query ? { ...location, sas: { setting, part: 'sasQuery' } } : location;
}
