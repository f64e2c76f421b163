/** `POST /api/failovers` body: `{to, mode, dryRun?, force?}`, every problem named (docs/failover.md). */
import { invalid, Problems, type Validation } from '../common/problems';
import { FAILOVER_MODES, type FailoverMode } from '../ledger/failovers';
import { echo } from './limits';

export interface FailoverRequest {
  to: string;
  mode: FailoverMode;
  dryRun: boolean;
  force: boolean;
}

const ALLOWED = ['to', 'mode', 'dryRun', 'force'];

export function parseFailoverRequest(
  bodyText: string,
  members: readonly string[],
  primary: string,
): Validation<FailoverRequest> {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return invalid('body', 'not valid JSON: expected {"to": "<region>", "mode": "planned" | "unplanned" | "test"}');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return invalid('body', 'must be a JSON object like {"to": "eastus", "mode": "unplanned"}');
  const problems = new Problems();
  const record = body as Record<string, unknown>;
  for (const key of Object.keys(record))
    if (!ALLOWED.includes(key)) problems.add(echo(key), `unknown field (allowed: ${ALLOWED.join(', ')})`);
  let to: string | undefined;
  if (typeof record.to !== 'string' || record.to === '')
    problems.add('to', `is required: one of the members (${members.join(', ')})`);
  else {
    to = record.to.toLowerCase();
    if (!members.includes(to))
      problems.add('to', `'${echo(record.to)}' is not a member (members: ${members.join(', ')})`);
    else if (to === primary) problems.add('to', `'${to}' is already the primary`);
  }
  const mode = record.mode;
  if (typeof mode !== 'string' || !(FAILOVER_MODES as readonly string[]).includes(mode))
    problems.add(
      'mode',
      mode === undefined
        ? `is required: ${FAILOVER_MODES.join(' | ')}`
        : `must be one of ${FAILOVER_MODES.join(' | ')}`,
    );
  if (record.dryRun !== undefined && typeof record.dryRun !== 'boolean')
    problems.add('dryRun', 'must be true or false');
  if (record.force !== undefined && typeof record.force !== 'boolean') problems.add('force', 'must be true or false');
  if (record.force === true && mode !== 'planned') problems.add('force', 'applies to a planned failover only');
  if (problems.count > 0 || to === undefined) return { ok: false, problems: problems.lines() };
  return {
    ok: true,
    value: { to, mode: mode as FailoverMode, dryRun: record.dryRun === true, force: record.force === true },
  };
}
