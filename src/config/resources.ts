/** The source resource (`DR_SOURCE_*`) and the DR targets (`DR_TARGETS`, with each target's `keySetting`). */
import type { SettingsReader } from './reader';
import type { CredentialRef, ModelResource, TargetSettings } from './types';
import { parseServiceUrl } from './urls';

const TARGET_KEYS = ['region', 'endpoint', 'resourceId', 'keySetting', 'allowDegrade'] as const;
const RESOURCE_ID =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.CognitiveServices\/accounts\/[^/]+$/i;
const REGION = /^[a-z0-9]{1,24}$/;
const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseSource(r: SettingsReader): ModelResource | undefined {
  const endpoint = requiredEndpoint(r.get('DR_SOURCE_ENDPOINT'), 'DR_SOURCE_ENDPOINT', r);
  const region = requiredRegion(r.get('DR_SOURCE_REGION'), 'DR_SOURCE_REGION', r);
  const resourceId = requiredResourceId(r.get('DR_SOURCE_RESOURCE_ID'), 'DR_SOURCE_RESOURCE_ID', r);
  const credential: CredentialRef =
    r.get('DR_SOURCE_KEY') !== undefined ? { kind: 'key', setting: 'DR_SOURCE_KEY' } : { kind: 'entra' };
  if (endpoint === undefined || region === undefined || resourceId === undefined) return undefined;
  if (r.unresolved('DR_SOURCE_KEY')) return undefined;
  return { region, endpoint, resourceId, credential };
}

export function requiredEndpoint(
  value: string | undefined,
  setting: string,
  r: SettingsReader,
  path?: string,
): string | undefined {
  if (value === undefined) {
    r.add(setting, 'is required: the resource endpoint, e.g. "https://<name>.cognitiveservices.azure.com"', path);
    return undefined;
  }
  const u = parseServiceUrl(value, { allowPath: false });
  if (typeof u === 'string') {
    r.add(setting, u, path);
    return undefined;
  }
  return u.url;
}

export function requiredRegion(
  value: string | undefined,
  setting: string,
  r: SettingsReader,
  path?: string,
): string | undefined {
  if (value === undefined) {
    r.add(setting, 'is required: an Azure region name, e.g. "westus2"', path);
    return undefined;
  }
  if (!REGION.test(value)) {
    const hint = /^[A-Za-z0-9]{1,24}$/.test(value) ? ` (write it in lower case: "${value.toLowerCase()}")` : '';
    r.add(setting, `"${value}" is not a region name: 1–24 lower-case letters and digits, e.g. "westus2"${hint}`, path);
    return undefined;
  }
  return value;
}

export function requiredResourceId(
  value: string | undefined,
  setting: string,
  r: SettingsReader,
  path?: string,
): string | undefined {
  if (value === undefined) {
    r.add(
      setting,
      'is required: the ARM resource id "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.CognitiveServices/accounts/<name>"',
      path,
    );
    return undefined;
  }
  if (value.length > 1024 || !RESOURCE_ID.test(value)) {
    r.add(
      setting,
      `"${value.slice(0, 200)}" is not a Cognitive Services resource id: expected "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.CognitiveServices/accounts/<name>" (at most 1024 characters)`,
      path,
    );
    return undefined;
  }
  return value;
}

export function parseTargets(r: SettingsReader, source: ModelResource | undefined): TargetSettings[] | undefined {
  const raw = r.get('DR_TARGETS');
  const example =
    'e.g. [{"region":"eastus2","endpoint":"https://<name>.cognitiveservices.azure.com","resourceId":"/subscriptions/…/accounts/<name>","keySetting":"DR_TARGET_KEY_EASTUS2"}]';
  if (raw === undefined) {
    r.add(
      'DR_TARGETS',
      `is required: a JSON array of {region, endpoint, resourceId, keySetting?, allowDegrade?}, ${example}`,
    );
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    // The parser's message may quote the text; report the position only.
    const pos = /position (\d+)/.exec(String((err as Error).message))?.[1];
    r.add('DR_TARGETS', `is not valid JSON${pos ? ` (near character ${pos})` : ''}: expected an array, ${example}`);
    return undefined;
  }
  if (!Array.isArray(parsed)) {
    r.add('DR_TARGETS', `must be a JSON array, ${example}`);
    return undefined;
  }
  if (parsed.length === 0) {
    r.add('DR_TARGETS', `must list at least one target, ${example}`);
    return undefined;
  }
  const targets: (TargetSettings | undefined)[] = parsed.map((entry: unknown, i) => parseTarget(entry, i, r));
  const seenRegions = new Map<string, number>();
  const seenIds = new Map<string, number>();
  const seenEndpoints = new Map<string, number>();
  targets.forEach((t, i) => {
    if (!t) return;
    const at = (field: string): string => `DR_TARGETS[${i}].${field}`;
    const dup = (seen: Map<string, number>, key: string, field: string, what: string): void => {
      const first = seen.get(key);
      if (first !== undefined)
        r.add('DR_TARGETS', `duplicates DR_TARGETS[${first}].${field}: each target needs its own ${what}`, at(field));
      else seen.set(key, i);
    };
    dup(seenRegions, t.region, 'region', 'region');
    dup(seenIds, t.resourceId.toLowerCase(), 'resourceId', 'resource');
    dup(seenEndpoints, t.endpoint, 'endpoint', 'endpoint');
    if (source && t.resourceId.toLowerCase() === source.resourceId.toLowerCase()) {
      r.add(
        'DR_TARGETS',
        'is the source resource (DR_SOURCE_RESOURCE_ID): a target must be another resource',
        at('resourceId'),
      );
    }
    if (source && t.endpoint === source.endpoint) {
      r.add(
        'DR_TARGETS',
        'is the source endpoint (DR_SOURCE_ENDPOINT): a target must be another resource',
        at('endpoint'),
      );
    }
  });
  return targets.every((t): t is TargetSettings => t !== undefined) ? targets : undefined;
}

/** The fields of one JSON object entry of a list setting (see {@link entryFields}). */
export interface EntryFields {
  o: Record<string, unknown>;
  /** The trimmed string; `undefined` when absent or blank; `null` when present but not a string (reported). */
  str(field: string): string | undefined | null;
  /** False once an unknown field or a field that is not a string was reported. */
  readonly ok: boolean;
}

/**
 * One JSON object entry of a list setting (`DR_TARGETS`, `CV_DR_TARGETS`): not an object is
 * reported (`shape` names the expected one) and gives undefined; every unknown field is reported;
 * each problem names the setting and the path (`at`).
 */
export function entryFields(
  r: SettingsReader,
  setting: string,
  entry: unknown,
  allowed: readonly string[],
  at: (field?: string) => string,
  shape: string,
): EntryFields | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    r.add(setting, `must be an object ${shape}`, at());
    return undefined;
  }
  const o = entry as Record<string, unknown>;
  let ok = true;
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) {
      r.add(setting, `unknown field "${key.slice(0, 40)}" (allowed: ${allowed.join(', ')})`, at(key.slice(0, 40)));
      ok = false;
    }
  }
  return {
    o,
    str(field: string): string | undefined | null {
      const v = o[field];
      if (v === undefined) return undefined;
      if (typeof v !== 'string') {
        r.add(setting, `must be a string, got ${v === null ? 'null' : typeof v}`, at(field));
        ok = false;
        return null;
      }
      return v.trim() === '' ? undefined : v.trim();
    },
    get ok(): boolean {
      return ok;
    },
  };
}

function parseTarget(entry: unknown, i: number, r: SettingsReader): TargetSettings | undefined {
  const at = (field?: string): string => (field ? `DR_TARGETS[${i}].${field}` : `DR_TARGETS[${i}]`);
  const fields = entryFields(
    r,
    'DR_TARGETS',
    entry,
    TARGET_KEYS,
    at,
    '{region, endpoint, resourceId, keySetting?, allowDegrade?}',
  );
  if (!fields) return undefined;
  const { o, str } = fields;
  let ok = true;
  const regionRaw = str('region');
  const endpointRaw = str('endpoint');
  const resourceIdRaw = str('resourceId');
  const keySetting = str('keySetting');
  const region = regionRaw === null ? undefined : requiredRegion(regionRaw, 'DR_TARGETS', r, at('region'));
  const endpoint = endpointRaw === null ? undefined : requiredEndpoint(endpointRaw, 'DR_TARGETS', r, at('endpoint'));
  const resourceId =
    resourceIdRaw === null ? undefined : requiredResourceId(resourceIdRaw, 'DR_TARGETS', r, at('resourceId'));
  let credential: CredentialRef = { kind: 'entra' };
  if (keySetting === undefined && typeof o.keySetting === 'string') {
    r.add(
      'DR_TARGETS',
      "is empty: name the setting that holds this target's key, or leave keySetting out to use Microsoft Entra ID",
      at('keySetting'),
    );
    ok = false;
  } else if (typeof keySetting === 'string') {
    if (!SETTING_NAME.test(keySetting)) {
      r.add(
        'DR_TARGETS',
        `"${keySetting.slice(0, 80)}" is not a setting name (letters, digits and underscores)`,
        at('keySetting'),
      );
      ok = false;
    } else if (r.get(keySetting) === undefined && r.unresolved(keySetting)) {
      ok = false; // reported on the key's own setting: an unresolved Key Vault reference
    } else if (r.get(keySetting) === undefined) {
      r.add(
        'DR_TARGETS',
        `names the setting ${keySetting}, which is missing or empty: add ${keySetting} with this target's key (or a Key Vault reference)`,
        at('keySetting'),
      );
      ok = false;
    } else {
      credential = { kind: 'key', setting: keySetting };
    }
  }
  let allowDegrade = false;
  if (o.allowDegrade !== undefined) {
    if (typeof o.allowDegrade !== 'boolean') {
      r.add(
        'DR_TARGETS',
        `must be true or false, got ${JSON.stringify(o.allowDegrade)?.slice(0, 40)}`,
        at('allowDegrade'),
      );
      ok = false;
    } else {
      allowDegrade = o.allowDegrade;
    }
  }
  if (!ok || !fields.ok || region === undefined || endpoint === undefined || resourceId === undefined) return undefined;
  return { region, endpoint, resourceId, credential, allowDegrade };
}
