/**
 * Custom Vision storage-queue notifications: a tolerant parse, then strict validation.
 *
 * Tolerant about the *envelope*: the queue trigger hands us an already parsed object
 * (host `messageEncoding: none` and JSON text), a string (raw JSON text), or base64 of
 * JSON (how the Functions host and most SDKs write by default; the service's choice is
 * undocumented). A UTF-8 BOM and surrounding whitespace are ignored. Keys are matched
 * case-insensitively at every level (`Content`/`content`, `projectId`/`ProjectId`);
 * two keys that differ only by case are refused (`ambiguousField`). Enumerated values
 * (`type`, statuses) are matched case-insensitively and returned in canonical spelling.
 *
 * Strict about the *contents*: every field has its documented type, ids are GUIDs
 * (returned lower-case), the version is `1.0` (any `1.x` is accepted as the same major
 * version; any other version is refused as `unsupportedVersion` and kept in the rejected
 * store, so a future format is never half-understood), unknown extra keys are ignored.
 *
 * Never throws on bad input: the result says why, with a message naming the field and
 * never quoting a URL's query (a SAS is a secret).
 */
import {
  checkModelUri,
  blobLocationWithoutSas,
  isLoopbackHost,
  type BlobLocation,
  type ModelUriPolicy,
} from './modelUri';
import { scrubSecrets } from '../common/secrets';
import { parseExportBlobName } from './blobNames';

export const SUPPORTED_MAJOR_VERSION = 1;
/** Azure queue messages are at most 64 KiB; anything larger did not come from the service. */
export const MAX_NOTIFICATION_BYTES = 64 * 1024;

export type TrainingStatus = 'TrainingCompleted' | 'TrainingFailed';
export type ExportStatus = 'ExportCompleted' | 'ExportFailed';
export type NotificationType = 'ConnectionTest' | 'Training' | 'Export';
export const TRAINING_STATUSES: readonly TrainingStatus[] = ['TrainingCompleted', 'TrainingFailed'];
export const EXPORT_STATUSES: readonly ExportStatus[] = ['ExportCompleted', 'ExportFailed'];
export const NOTIFICATION_TYPES: readonly NotificationType[] = ['ConnectionTest', 'Training', 'Export'];

export interface ConnectionTestNotification {
  type: 'ConnectionTest';
  version: string;
  projectId: string;
}

export interface TrainingNotification {
  type: 'Training';
  version: string;
  projectId: string;
  iterationId: string;
  trainingStatus: TrainingStatus;
}

export interface ExportNotification {
  type: 'Export';
  version: string;
  projectId: string;
  iterationId: string;
  exportStatus: ExportStatus;
  /**
   * The backup blob's URL **without query** (never a SAS). For `ExportCompleted` with a
   * policy it has passed the modelUri policy; for `ExportFailed` it is dropped.
   */
  modelUri?: string;
  /** Set when a policy was given and `modelUri` passed it. */
  modelLocation?: BlobLocation;
}

export type CustomVisionNotification = ConnectionTestNotification | TrainingNotification | ExportNotification;

/** How the payload arrived. */
export type PayloadEncoding = 'object' | 'json' | 'base64';

export type RejectionCode =
  | 'malformedJson'
  | 'notAnObject'
  | 'tooLarge'
  | 'unsupportedVersion'
  | 'unknownType'
  | 'unknownStatus'
  | 'missingField'
  | 'invalidField'
  | 'ambiguousField'
  | 'foreignModelUri';

export interface RejectionReason {
  code: RejectionCode;
  /** Human-readable, names the field, contains no secret. */
  message: string;
  /** Dotted path of the offending field (`Content.projectId`), when there is one. */
  field?: string;
}

export type ParseResult =
  | { ok: true; notification: CustomVisionNotification; encoding: PayloadEncoding }
  | { ok: false; reason: RejectionReason; encoding?: PayloadEncoding };

export interface ParseOptions {
  /**
   * Applied to `modelUri` of `ExportCompleted`: outside the backup container → `foreignModelUri`.
   * Without a policy, `modelUri` only has to be an https (or loopback http) URL; the
   * backup step applies the policy again before touching storage.
   */
  modelUriPolicy?: ModelUriPolicy;
  /** Default {@link MAX_NOTIFICATION_BYTES}. */
  maxBytes?: number;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function isGuid(s: unknown): s is string {
  return typeof s === 'string' && GUID.test(s);
}

class Rejection {
  constructor(readonly reason: RejectionReason) {}
}

function reject(code: RejectionCode, message: string, field?: string): never {
  throw new Rejection(field === undefined ? { code, message } : { code, message, field });
}

type Json = Record<string, unknown>;

function isPlainObject(v: unknown): v is Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Shows a short, scrubbed value in a message. */
function show(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v;
  const t = scrubSecrets(s);
  return t.length > 60 ? `${t.slice(0, 60)}…` : t;
}

/** Case-insensitive member lookup; two members differing only by case are ambiguous. */
function member(obj: Json, name: string, path: string): unknown {
  const want = name.toLowerCase();
  const hits = Object.keys(obj).filter((k) => k.toLowerCase() === want);
  if (hits.length > 1)
    reject('ambiguousField', `${path} appears more than once with different casing (${hits.join(', ')})`, path);
  return hits.length === 1 ? obj[hits[0] as string] : undefined;
}

function requiredString(obj: Json, name: string, path: string): string {
  const v = member(obj, name, path);
  if (v === undefined || v === null) reject('missingField', `${path} is missing`, path);
  if (typeof v !== 'string') reject('invalidField', `${path} must be a string, got ${show(v)}`, path);
  if (v.trim() === '') reject('missingField', `${path} is empty`, path);
  return v.trim();
}

function guidField(obj: Json, name: string, path: string): string {
  const v = requiredString(obj, name, path);
  if (!GUID.test(v)) reject('invalidField', `${path} must be a GUID, got ${show(v)}`, path);
  return v.toLowerCase();
}

function enumField<T extends string>(
  obj: Json,
  name: string,
  path: string,
  allowed: readonly T[],
  code: RejectionCode,
): T {
  const v = requiredString(obj, name, path);
  const hit = allowed.find((a) => a.toLowerCase() === v.toLowerCase());
  if (!hit) reject(code, `${path} ${show(v)} is not one of ${allowed.join(', ')}`, path);
  return hit;
}

function versionField(obj: Json): string {
  const v = member(obj, 'version', 'version');
  if (v === undefined || v === null) reject('missingField', 'version is missing', 'version');
  let text: string;
  if (typeof v === 'number' && Number.isFinite(v)) text = Number.isInteger(v) ? `${v}.0` : String(v);
  else if (typeof v === 'string') text = v.trim();
  else reject('invalidField', `version must be a string, got ${show(v)}`, 'version');
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) reject('invalidField', `version ${show(text)} is not a version number`, 'version');
  if (Number(m[1]) !== SUPPORTED_MAJOR_VERSION)
    reject('unsupportedVersion', `version ${show(text)} is not supported (expected 1.0)`, 'version');
  return m[2] === undefined ? `${m[1]}.0` : text;
}

/** Decodes `text` as strict base64 of UTF-8, or returns undefined. */
export function decodeStrictBase64(text: string): string | undefined {
  if (text.length < 4 || !STRICT_BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) return undefined; // non-canonical (stray padding bits)
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

function parseJsonObject(text: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    reject(
      'malformedJson',
      `payload is not valid JSON (${e instanceof Error ? e.message.slice(0, 80) : 'parse error'})`,
    );
  }
  if (!isPlainObject(value)) reject('notAnObject', `payload must be a JSON object, got ${show(value)}`);
  return value;
}

function decodePayload(payload: unknown, maxBytes: number): { obj: Json; encoding: PayloadEncoding } {
  let text: string;
  if (typeof payload === 'string') text = payload;
  else if (payload instanceof Uint8Array) {
    if (payload.byteLength > maxBytes)
      reject('tooLarge', `payload is ${payload.byteLength} bytes; the limit is ${maxBytes}`);
    try {
      text = utf8.decode(payload);
    } catch {
      reject('malformedJson', 'payload bytes are not UTF-8');
    }
  } else if (isPlainObject(payload)) {
    let size: number;
    try {
      size = Buffer.byteLength(JSON.stringify(payload), 'utf8');
    } catch {
      reject('notAnObject', 'payload object cannot be serialized as JSON');
    }
    if (size > maxBytes) reject('tooLarge', `payload is ${size} bytes as JSON; the limit is ${maxBytes}`);
    return { obj: payload, encoding: 'object' };
  } else {
    reject('notAnObject', `payload must be a JSON object, JSON text or base64 JSON, got ${show(payload)}`);
  }
  const size = Buffer.byteLength(text, 'utf8');
  if (size > maxBytes) reject('tooLarge', `payload is ${size} bytes; the limit is ${maxBytes}`);
  const trimmed = stripBom(text).trim();
  if (trimmed === '') reject('malformedJson', 'payload is empty');
  if (trimmed.startsWith('{') || trimmed.startsWith('[') || trimmed.startsWith('"'))
    return { obj: parseJsonObject(trimmed), encoding: 'json' };
  const decoded = decodeStrictBase64(trimmed);
  if (decoded !== undefined) {
    const inner = stripBom(decoded).trim();
    if (inner.startsWith('{') || inner.startsWith('[')) {
      try {
        return { obj: parseJsonObject(inner), encoding: 'base64' };
      } catch (e) {
        if (e instanceof Rejection) throw new Rejection({ ...e.reason, message: `base64 ${e.reason.message}` });
        throw e;
      }
    }
  }
  reject('malformedJson', 'payload is neither JSON nor base64-encoded JSON');
}

function validate(obj: Json, opts: ParseOptions): CustomVisionNotification {
  const version = versionField(obj);
  const type = enumField(obj, 'type', 'type', NOTIFICATION_TYPES, 'unknownType');
  const content = member(obj, 'Content', 'Content');
  if (content === undefined || content === null) reject('missingField', 'Content is missing', 'Content');
  if (!isPlainObject(content)) reject('invalidField', `Content must be an object, got ${show(content)}`, 'Content');
  const projectId = guidField(content, 'projectId', 'Content.projectId');
  if (type === 'ConnectionTest') return { type, version, projectId };
  const iterationId = guidField(content, 'iterationId', 'Content.iterationId');
  if (type === 'Training') {
    const trainingStatus = enumField(
      content,
      'trainingStatus',
      'Content.trainingStatus',
      TRAINING_STATUSES,
      'unknownStatus',
    );
    return { type, version, projectId, iterationId, trainingStatus };
  }
  const exportStatus = enumField(content, 'exportStatus', 'Content.exportStatus', EXPORT_STATUSES, 'unknownStatus');
  const n: ExportNotification = { type, version, projectId, iterationId, exportStatus };
  const raw = member(content, 'modelUri', 'Content.modelUri');
  // A failed export has no model to back up: its modelUri (if any) is not needed, not kept.
  if (exportStatus === 'ExportFailed' || raw === undefined || raw === null || raw === '') return n;
  if (typeof raw !== 'string')
    reject('invalidField', `Content.modelUri must be a string, got ${show(raw)}`, 'Content.modelUri');
  if (opts.modelUriPolicy) {
    const check = checkModelUri(raw, opts.modelUriPolicy);
    if (!check.ok) reject('foreignModelUri', check.message, 'Content.modelUri');
    n.modelUri = check.location.url;
    n.modelLocation = check.location;
    return n;
  }
  const stripped = blobLocationWithoutSas(raw);
  if (!stripped) reject('invalidField', 'Content.modelUri is not an http(s) URL', 'Content.modelUri');
  const u = new URL(stripped);
  if (u.protocol === 'http:' && !isLoopbackHost(u.hostname))
    reject('foreignModelUri', 'Content.modelUri uses http on a non-loopback host', 'Content.modelUri');
  n.modelUri = stripped;
  return n;
}

/** Parses and validates one queue payload. Never throws for bad input. */
export function parseNotification(payload: unknown, opts: ParseOptions = {}): ParseResult {
  let encoding: PayloadEncoding | undefined;
  try {
    const decoded = decodePayload(payload, opts.maxBytes ?? MAX_NOTIFICATION_BYTES);
    encoding = decoded.encoding;
    return { ok: true, notification: validate(decoded.obj, opts), encoding };
  } catch (e) {
    if (e instanceof Rejection)
      return encoding === undefined ? { ok: false, reason: e.reason } : { ok: false, reason: e.reason, encoding };
    // Defensive: nothing above should throw anything else, but bad input must never escape as an exception.
    return {
      ok: false,
      reason: { code: 'malformedJson', message: `payload could not be read (${scrubSecrets(String(e)).slice(0, 80)})` },
    };
  }
}

// ---------------------------------------------------------------------------------------
// Rejected-message sanitizer
// ---------------------------------------------------------------------------------------

export interface SanitizedRawMessage {
  /** The message text (base64 payloads decoded), with every URL query and `sig=` redacted, truncated. */
  text: string;
  /** `text`: a string that is neither JSON nor base64 text; `binary`: bytes that are not UTF-8 (not kept). */
  encoding: PayloadEncoding | 'text' | 'binary' | 'none';
  redacted: boolean;
  truncated: boolean;
  /** Length of the original in characters (bytes for binary). */
  originalLength: number;
}

export const DEFAULT_SANITIZED_MAX_LENGTH = 16 * 1024;
/** Beyond this the content is not even scanned: it cannot be a queue message. */
const HARD_INPUT_LIMIT = 8 * 1024 * 1024;

function isPrintableText(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s);
}

/**
 * Makes a raw queue payload safe to keep in the rejected store: base64 text is decoded
 * (a SAS could hide inside it), every URL's query and fragment, `sig=` values, account
 * keys and key-shaped strings are replaced by `[redacted]`, and the result is truncated
 * to `maxLength` characters.
 */
export function sanitizeRawMessage(payload: unknown, opts: { maxLength?: number } = {}): SanitizedRawMessage {
  const maxLength = opts.maxLength ?? DEFAULT_SANITIZED_MAX_LENGTH;
  let text: string;
  let encoding: SanitizedRawMessage['encoding'];
  if (payload === undefined || payload === null) {
    return { text: '', encoding: 'none', redacted: false, truncated: false, originalLength: 0 };
  } else if (payload instanceof Uint8Array) {
    try {
      text = utf8.decode(payload);
      encoding = 'text';
    } catch {
      return {
        text: `[binary payload of ${payload.byteLength} bytes omitted]`,
        encoding: 'binary',
        redacted: true,
        truncated: false,
        originalLength: payload.byteLength,
      };
    }
  } else if (typeof payload === 'string') {
    text = payload;
    encoding = 'text';
  } else {
    try {
      text = JSON.stringify(payload) ?? String(payload);
    } catch {
      text = '[unserializable object]';
    }
    encoding = 'object';
  }
  const originalLength = text.length;
  if (text.length > HARD_INPUT_LIMIT) {
    return {
      text: `[payload of ${text.length} characters omitted]`,
      encoding,
      redacted: true,
      truncated: true,
      originalLength,
    };
  }
  if (encoding === 'text') {
    const trimmed = stripBom(text).trim();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) encoding = 'json';
    else {
      const decoded = decodeStrictBase64(trimmed);
      if (decoded !== undefined && isPrintableText(decoded)) {
        text = decoded;
        encoding = 'base64';
      }
    }
  }
  const scrubbed = scrubSecrets(text);
  const redacted = scrubbed !== text;
  const truncated = scrubbed.length > maxLength;
  return {
    text: truncated ? `${scrubbed.slice(0, maxLength)}…[truncated]` : scrubbed,
    encoding,
    redacted,
    truncated,
    originalLength,
  };
}

// ---------------------------------------------------------------------------------------
// Helpers for the (thin) queue function
// ---------------------------------------------------------------------------------------

/** What the rejected store keeps for a message that did not parse: the reason and a sanitized copy. */
export interface RejectedMessageRecord {
  reason: RejectionReason;
  raw: SanitizedRawMessage;
}

export function rejectedMessageRecord(
  payload: unknown,
  reason: RejectionReason,
  opts: { maxLength?: number } = {},
): RejectedMessageRecord {
  return { reason, raw: sanitizeRawMessage(payload, opts) };
}

/** Longest blob name part of a {@link notificationKey} (a blob name may be 1024 characters). */
export const MAX_KEY_BLOB_NAME = 200;

/**
 * The blob name as a key part: a name of the documented export shape (GUIDs and a platform
 * suffix, `parseExportBlobName`) as it is; any other name redacted (`scrubSecrets`) and
 * capped, so a key- or SAS-shaped path (`…ONNX;sig=…`, `…AccountKey=…`) never reaches a
 * record, a log or a response.
 */
function keyBlobName(blobName: string): string {
  if (parseExportBlobName(blobName)) return blobName;
  const t = scrubSecrets(blobName);
  return t.length > MAX_KEY_BLOB_NAME ? `${t.slice(0, MAX_KEY_BLOB_NAME)}…` : t;
}

/**
 * A stable key for a notification's *fact* (not its delivery): duplicates of the same
 * message map to the same key, so a record written under it makes processing idempotent.
 * e.g. `Export/{projectId}/{iterationId}/ExportCompleted`. Built from validated fields only
 * (GUIDs, enumerated statuses) and the blob name, redacted unless it has the export shape.
 */
export function notificationKey(n: CustomVisionNotification): string {
  switch (n.type) {
    case 'ConnectionTest':
      return `ConnectionTest/${n.projectId}`;
    case 'Training':
      return `Training/${n.projectId}/${n.iterationId}/${n.trainingStatus}`;
    case 'Export':
      return `Export/${n.projectId}/${n.iterationId}/${n.exportStatus}${n.modelLocation ? `/${keyBlobName(n.modelLocation.blobName)}` : ''}`;
  }
}
