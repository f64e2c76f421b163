/**
 * Validation of `POST /api/customvision/replay` bodies: `{max?, includeRejected?, reasons?}`.
 * Every problem is named with its field; unknown fields are refused; the body is bounded.
 */
import type { Validation } from '../common/problems';
import { echo } from './limits';

/** Rejection reasons worth replaying: the message was fine, something around it was not (fixed since). */
export const REPLAYABLE_REASONS = ['configuration', 'transient'] as const;
export type ReplayableReason = (typeof REPLAYABLE_REASONS)[number];

export const MAX_REPLAY = 100;
export const DEFAULT_REPLAY = 20;
/** A replay body is a few fields: anything longer did not come from a person or a script meaning well. */
export const MAX_REPLAY_BODY_BYTES = 4096;

export interface ReplayRequest {
  /** At most this many messages are moved in this call (poison queue first, then rejected records). */
  max: number;
  /** Also replay rejected records whose reason is one of `reasons`. */
  includeRejected: boolean;
  reasons: ReplayableReason[];
}

export function parseReplayRequest(bodyText: string): Validation<ReplayRequest> {
  if (Buffer.byteLength(bodyText, 'utf8') > MAX_REPLAY_BODY_BYTES)
    return { ok: false, problems: [`body: at most ${MAX_REPLAY_BODY_BYTES} bytes`] };
  const defaults: ReplayRequest = { max: DEFAULT_REPLAY, includeRejected: false, reasons: ['configuration'] };
  if (bodyText.trim() === '') return { ok: true, value: defaults };
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return { ok: false, problems: ['body: not valid JSON'] };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return {
      ok: false,
      problems: ['body: must be a JSON object like {"max": 20, "includeRejected": true, "reasons": ["configuration"]}'],
    };
  const record = body as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(record))
    if (!['max', 'includeRejected', 'reasons'].includes(key))
      problems.push(`${echo(key, 40)}: unknown field (allowed: max, includeRejected, reasons)`);
  let max = defaults.max;
  if (record.max !== undefined) {
    if (typeof record.max !== 'number' || !Number.isInteger(record.max) || record.max < 1 || record.max > MAX_REPLAY)
      problems.push(
        `max: must be an integer from 1 to ${MAX_REPLAY}, got ${echo(JSON.stringify(record.max) ?? '', 40)}`,
      );
    else max = record.max;
  }
  if (record.includeRejected !== undefined && typeof record.includeRejected !== 'boolean')
    problems.push('includeRejected: must be true or false');
  let reasons = defaults.reasons;
  if (record.reasons !== undefined) {
    if (!Array.isArray(record.reasons) || record.reasons.length === 0 || record.reasons.length > 10)
      problems.push(`reasons: must be a non-empty list of ${REPLAYABLE_REASONS.join(', ')}`);
    else {
      const out: ReplayableReason[] = [];
      record.reasons.forEach((r, i) => {
        const known = REPLAYABLE_REASONS.find((x) => typeof r === 'string' && x === r.trim().toLowerCase());
        if (!known)
          problems.push(
            `reasons[${i}]: ${echo(JSON.stringify(r) ?? '', 40)} is not a replayable reason (${REPLAYABLE_REASONS.join(', ')}; other rejections would be rejected again)`,
          );
        else if (!out.includes(known)) out.push(known);
      });
      reasons = out;
    }
    if (record.includeRejected !== true && problems.length === 0)
      problems.push('reasons: only used with "includeRejected": true');
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: { max, includeRejected: record.includeRejected === true, reasons } };
}
