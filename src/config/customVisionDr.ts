/**
 * Custom Vision project DR (`CV_DR_*`): which projects are copied (ExportProject → ImportProject)
 * into which DR training resources, and how many copies are kept. Every problem is reported at
 * once, naming the setting (and the path inside `CV_DR_TARGETS`).
 */
import { validateNcrontab } from './ncrontab';
import type { SettingsReader } from './reader';
import { entryFields, requiredEndpoint, requiredRegion, requiredResourceId } from './resources';
import type { CredentialRef, CustomVisionDrSettings, CustomVisionDrTarget } from './types';

export const CV_DR_DEFAULTS = Object.freeze({
  CV_DR_KEEP: 2,
  /** Daily at 04:00 UTC (after the model replication at 02:00 and the drills at 03:00). */
  CV_DR_SCHEDULE: '0 0 4 * * *',
  CV_DR_TRAIN_MISSING: false,
});

export const CV_DR_SETTING_NAMES = [
  'CV_DR_TARGETS',
  'CV_DR_PROJECTS',
  'CV_DR_KEEP',
  'CV_DR_SCHEDULE',
  'CV_DR_TRAIN_MISSING',
] as const;

const TARGET_KEYS = ['region', 'endpoint', 'keySetting', 'predictionResourceId', 'predictionEndpoint'] as const;
const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EXAMPLE =
  'e.g. [{"region":"eastus","endpoint":"https://<training>.cognitiveservices.azure.com","keySetting":"CV_DR_KEY_EASTUS","predictionResourceId":"/subscriptions/…/accounts/<prediction>"}]';

/** Off (no targets) unless `CV_DR_TARGETS` is set; the other settings are then checked for mistakes only. */
export function parseCustomVisionDr(r: SettingsReader, sourceEndpoint: string | undefined): CustomVisionDrSettings {
  const keep = r.number('CV_DR_KEEP', {
    min: 1,
    max: 20,
    integer: true,
    default: CV_DR_DEFAULTS.CV_DR_KEEP,
    hint: 'how many DR copies of each project to keep per region (S0 allows 100 projects per resource)',
  });
  const schedule = r.string('CV_DR_SCHEDULE', CV_DR_DEFAULTS.CV_DR_SCHEDULE).split(/\s+/).join(' ');
  const scheduleProblem = validateNcrontab(schedule).join('; ');
  if (scheduleProblem !== '')
    r.add('CV_DR_SCHEDULE', `"${schedule.slice(0, 60)}" is not a valid NCRONTAB expression: ${scheduleProblem}`);
  const trainRaw = r.get('CV_DR_TRAIN_MISSING');
  let trainMissing: boolean = CV_DR_DEFAULTS.CV_DR_TRAIN_MISSING;
  if (trainRaw !== undefined) {
    if (/^(true|false)$/i.test(trainRaw)) trainMissing = trainRaw.toLowerCase() === 'true';
    else r.add('CV_DR_TRAIN_MISSING', `must be true or false, got "${trainRaw.slice(0, 40)}"`);
  }
  const projects = parseProjects(r);
  const targets = parseTargets(r, sourceEndpoint);
  const configured = r.get('CV_DR_TARGETS') !== undefined;
  if (configured && r.get('CV_ENDPOINT') === undefined && !r.unresolved('CV_ENDPOINT'))
    r.add('CV_ENDPOINT', 'is required when CV_DR_TARGETS is set (projects are exported from the training resource)');
  if (configured && projects === undefined && r.get('CV_DR_PROJECTS') === undefined && !r.unresolved('CV_DR_PROJECTS'))
    r.add('CV_DR_PROJECTS', 'is required when CV_DR_TARGETS is set: a comma-separated list of project ids, or *');
  if (!configured && r.get('CV_DR_PROJECTS') !== undefined)
    r.add('CV_DR_TARGETS', 'is required when CV_DR_PROJECTS is set: the DR training resources to copy the projects to');
  return {
    targets: targets ?? [],
    projects: projects ?? [],
    keep: keep ?? CV_DR_DEFAULTS.CV_DR_KEEP,
    schedule,
    trainMissing,
  };
}

function parseProjects(r: SettingsReader): CustomVisionDrSettings['projects'] | undefined {
  const raw = r.get('CV_DR_PROJECTS');
  if (raw === undefined) return undefined;
  if (raw === '*') return '*';
  const ids: string[] = [];
  let ok = true;
  for (const item of raw.split(',').map((s) => s.trim())) {
    if (!GUID.test(item)) {
      r.add(
        'CV_DR_PROJECTS',
        `"${item.slice(0, 40)}" is not a project id (a GUID); use a comma-separated list of ids, or *`,
      );
      ok = false;
    } else if (ids.includes(item.toLowerCase())) {
      r.add('CV_DR_PROJECTS', `lists ${item.toLowerCase()} twice`);
      ok = false;
    } else ids.push(item.toLowerCase());
  }
  return ok ? ids : undefined;
}

function parseTargets(r: SettingsReader, sourceEndpoint: string | undefined): CustomVisionDrTarget[] | undefined {
  const raw = r.get('CV_DR_TARGETS');
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    const pos = /position (\d+)/.exec(String((err as Error).message))?.[1];
    r.add('CV_DR_TARGETS', `is not valid JSON${pos ? ` (near character ${pos})` : ''}: expected an array, ${EXAMPLE}`);
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    r.add(
      'CV_DR_TARGETS',
      `must be a non-empty JSON array of {region, endpoint, keySetting?, predictionResourceId}, ${EXAMPLE}`,
    );
    return undefined;
  }
  const targets = parsed.map((entry: unknown, i) => parseTarget(r, entry, i));
  const seen = new Map<string, number>();
  targets.forEach((t, i) => {
    if (!t) return;
    for (const [field, key] of [
      ['region', `r:${t.region}`],
      ['endpoint', `e:${t.endpoint}`],
    ] as const) {
      const first = seen.get(key);
      if (first !== undefined)
        r.add(
          'CV_DR_TARGETS',
          `duplicates CV_DR_TARGETS[${first}].${field}: each DR target needs its own ${field}`,
          `CV_DR_TARGETS[${i}].${field}`,
        );
      else seen.set(key, i);
    }
    if (sourceEndpoint !== undefined && t.endpoint === sourceEndpoint)
      r.add(
        'CV_DR_TARGETS',
        'is the source training resource (CV_ENDPOINT): a DR target must be another resource',
        `CV_DR_TARGETS[${i}].endpoint`,
      );
  });
  return targets.every((t): t is CustomVisionDrTarget => t !== undefined) ? targets : undefined;
}

function parseTarget(r: SettingsReader, entry: unknown, i: number): CustomVisionDrTarget | undefined {
  const at = (field?: string): string => (field ? `CV_DR_TARGETS[${i}].${field}` : `CV_DR_TARGETS[${i}]`);
  const fields = entryFields(
    r,
    'CV_DR_TARGETS',
    entry,
    TARGET_KEYS,
    at,
    '{region, endpoint, keySetting?, predictionResourceId}',
  );
  if (!fields) return undefined;
  const { o, str } = fields;
  let ok = true;
  const regionRaw = str('region');
  const endpointRaw = str('endpoint');
  const predictionRaw = str('predictionResourceId');
  const keySetting = str('keySetting');
  const predictionEndpointRaw = str('predictionEndpoint');
  const predictionEndpoint =
    predictionEndpointRaw === null || predictionEndpointRaw === undefined
      ? undefined
      : requiredEndpoint(predictionEndpointRaw, 'CV_DR_TARGETS', r, at('predictionEndpoint'));
  if (predictionEndpointRaw && predictionEndpoint === undefined) ok = false;
  const region = regionRaw === null ? undefined : requiredRegion(regionRaw, 'CV_DR_TARGETS', r, at('region'));
  const endpoint = endpointRaw === null ? undefined : requiredEndpoint(endpointRaw, 'CV_DR_TARGETS', r, at('endpoint'));
  const predictionResourceId =
    predictionRaw === null
      ? undefined
      : requiredResourceId(predictionRaw, 'CV_DR_TARGETS', r, at('predictionResourceId'));
  let credential: CredentialRef = { kind: 'entra' };
  if (keySetting === undefined && typeof o.keySetting === 'string') {
    r.add(
      'CV_DR_TARGETS',
      'is empty: name the setting that holds the DR training key, or leave keySetting out to use Microsoft Entra ID',
      at('keySetting'),
    );
    ok = false;
  } else if (typeof keySetting === 'string') {
    if (!SETTING_NAME.test(keySetting)) {
      r.add(
        'CV_DR_TARGETS',
        `"${keySetting.slice(0, 80)}" is not a setting name (letters, digits and underscores)`,
        at('keySetting'),
      );
      ok = false;
    } else if (r.get(keySetting) === undefined) {
      if (!r.unresolved(keySetting))
        r.add(
          'CV_DR_TARGETS',
          `names the setting ${keySetting}, which is missing or empty: add it with the DR training resource's key (or a Key Vault reference)`,
          at('keySetting'),
        );
      ok = false;
    } else credential = { kind: 'key', setting: keySetting };
  }
  if (!ok || !fields.ok || region === undefined || endpoint === undefined || predictionResourceId === undefined)
    return undefined;
  return { region, endpoint, credential, predictionResourceId, ...(predictionEndpoint ? { predictionEndpoint } : {}) };
}
