/**
 * Validation of `POST /api/replications` bodies. Every problem is named, with the
 * field it concerns; unknown fields are refused (a typo must not silently widen a run).
 * Input values are quoted cut to 100 characters (./limits.ts); the route lists the first 20
 * problems and their count.
 */
import { echo } from './limits';
import { Problems, invalid, type Validation } from '../common/problems';

export interface ReplicationRequest {
  models?: string[];
  regions?: string[];
  dryRun: boolean;
}

export const MAX_MODELS_PER_REQUEST = 5000;
/** A model id a run request may name (the dashboard's "re-run failed pairs" filters by it too). */
export const MODEL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._~-]{0,255}$/;
const MODEL_ID = MODEL_ID_PATTERN;

export function parseReplicationRequest(
  bodyText: string,
  configuredRegions: readonly string[],
): Validation<ReplicationRequest> {
  if (bodyText.trim() === '') return { ok: true, value: { dryRun: false } };
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return invalid('body', 'not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return invalid('body', 'must be a JSON object like {"models": [...], "regions": [...], "dryRun": true}');
  }
  const problems = new Problems();
  const record = body as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!['models', 'regions', 'dryRun'].includes(key))
      problems.add(echo(key), 'unknown field (allowed: models, regions, dryRun)');
  }
  const models = stringList(record.models, 'models', problems, (id, where) => {
    if (!MODEL_ID.test(id)) problems.add(where, `'${truncate(id)}' is not a model id`);
  });
  if (models && models.length > MAX_MODELS_PER_REQUEST)
    problems.add('models', `at most ${MAX_MODELS_PER_REQUEST} ids per request`);
  const known = new Set(configuredRegions.map((r) => r.toLowerCase()));
  const regions = stringList(record.regions, 'regions', problems, (region, where) => {
    if (!known.has(region.toLowerCase()))
      problems.add(
        where,
        `'${truncate(region)}' is not a configured target region (configured: ${configuredRegions.join(', ') || 'none'})`,
      );
  })?.map((r) => r.toLowerCase());
  if (record.dryRun !== undefined && typeof record.dryRun !== 'boolean')
    problems.add('dryRun', 'must be true or false');
  if (problems.count > 0) return { ok: false, problems: problems.lines() };
  return {
    ok: true,
    value: {
      ...(models ? { models: [...new Set(models)] } : {}),
      ...(regions ? { regions: [...new Set(regions)] } : {}),
      dryRun: record.dryRun === true,
    },
  };
}

function stringList(
  value: unknown,
  name: string,
  problems: Problems,
  check: (item: string, where: string) => void,
): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    problems.add(name, 'must be an array of strings');
    return undefined;
  }
  if (value.length === 0) {
    problems.add(name, 'must not be empty (leave it out to mean all)');
    return undefined;
  }
  const out: string[] = [];
  value.forEach((item, i) => {
    if (typeof item !== 'string' || item.trim() === '') {
      problems.add(`${name}[${i}]`, 'must be a non-empty string');
      return;
    }
    check(item, `${name}[${i}]`);
    out.push(item);
  });
  return out;
}

function truncate(s: string): string {
  return echo(s);
}
