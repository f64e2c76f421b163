/**
 * Validation of the dashboard's read API parameters (`GET /api/dashboard/data`,
 * `GET /api/replications`): every value is bounded, every problem is named, unknown
 * parameters are refused (`code`, the function key, is the host's and always allowed).
 */
import { once, shown, unknownParams } from '../queryParams';

export type Validation<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/**
 * Cell states the matrix can be filtered by; `attention` = any pair that is not replicated;
 * `degraded` / `unhealthy`: the pair's health (matches nothing when the health model is not applied).
 */
export const MATRIX_STATES = [
  'replicated',
  'missing',
  'failed',
  'inProgress',
  'stale',
  'attention',
  'degraded',
  'unhealthy',
] as const;
export type MatrixState = (typeof MATRIX_STATES)[number];

export const MATRIX_DEFAULT_LIMIT = 100;
export const MATRIX_MAX_LIMIT = 500;
export const MAX_QUERY_LENGTH = 200;
const MAX_CURSOR_LENGTH = 1500;
export const RUNS_DEFAULT_LIMIT = 10;
export const RUNS_MAX_LIMIT = 50;

export interface MatrixQuery {
  limit: number;
  /** Rows after this source model id (decoded from the opaque cursor). */
  after?: string;
  state?: MatrixState;
  /** Lower-cased search text (model id or name contains it). */
  q?: string;
}

function limitOf(raw: string | undefined, max: number, fallback: number, problems: string[]): number {
  if (raw === undefined || raw === '') return fallback;
  const n = /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) {
    problems.push(`limit: must be an integer from 1 to ${max}, got ${shown(raw)}`);
    return fallback;
  }
  return n;
}

/** The cursor is the last row's model id, base64url-encoded (opaque to callers). */
export function encodeCursor(modelId: string): string {
  return Buffer.from(modelId, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string | undefined {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (text.length === 0 || text.includes('\uFFFD') || encodeCursor(text) !== cursor) return undefined;
  return text;
}

export function parseMatrixQuery(query: URLSearchParams): Validation<MatrixQuery> {
  const problems: string[] = [];
  unknownParams(query, ['limit', 'cursor', 'state', 'q'], problems);
  const limit = limitOf(once(query, 'limit', problems), MATRIX_MAX_LIMIT, MATRIX_DEFAULT_LIMIT, problems);
  const value: MatrixQuery = { limit };
  const cursor = once(query, 'cursor', problems);
  if (cursor !== undefined && cursor !== '') {
    const after = decodeCursor(cursor);
    if (after === undefined) problems.push(`cursor: not a cursor this API returned (${shown(cursor)})`);
    else value.after = after;
  }
  const state = once(query, 'state', problems);
  if (state !== undefined && state !== '') {
    if ((MATRIX_STATES as readonly string[]).includes(state)) value.state = state as MatrixState;
    else problems.push(`state: must be one of ${MATRIX_STATES.join(', ')}, got ${shown(state)}`);
  }
  const q = once(query, 'q', problems);
  if (q !== undefined && q.trim() !== '') {
    if (q.length > MAX_QUERY_LENGTH) problems.push(`q: at most ${MAX_QUERY_LENGTH} characters, got ${q.length}`);
    // eslint-disable-next-line no-control-regex -- control characters (C0, DEL, C1) are what is refused
    else if (/[\u0000-\u001f\u007f-\u009f]/.test(q)) problems.push('q: must not contain control characters');
    else value.q = q.trim().toLowerCase();
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value };
}

export function parseRunsQuery(query: URLSearchParams): Validation<{ limit: number }> {
  const problems: string[] = [];
  unknownParams(query, ['limit'], problems);
  const limit = limitOf(once(query, 'limit', problems), RUNS_MAX_LIMIT, RUNS_DEFAULT_LIMIT, problems);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: { limit } };
}
