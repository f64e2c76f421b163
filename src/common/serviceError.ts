/**
 * What the service clients' error families share: the Form Recognizer / Document
 * Intelligence errors (`src/formRecognizer/errors.ts`) and the Custom Vision errors
 * (`src/customVision/errors.ts`) both extend {@link ServiceError}, each with its own
 * kinds, reasons and operations. A caller still decides on a family's `kind` or
 * `instanceof` (`FormRecognizerError`, `CustomVisionError`), never on text.
 *
 * This is where service text enters: every message is scrubbed here with the one set of
 * secret patterns (`src/common/secrets.ts`; a client removes its exact keys and tokens
 * first), made one line with its control characters shown escaped (`src/common/controlText.ts`:
 * a message quoting terminal escapes or bidi overrides drives no terminal or page), then capped at {@link MAX_MESSAGE_LENGTH} characters. Nothing built from an error
 * (durable history, logs, ledger records, telemetry, HTTP answers) sees the raw text.
 */
import { escapeControls } from './controlText';
import { scrubSecrets } from './secrets';

export const MAX_MESSAGE_LENGTH = 500;
export { REDACTED } from './secrets';

/** A scrubbed message capped at {@link MAX_MESSAGE_LENGTH} characters (`…` marks a cut). */
export function cappedMessage(scrubbed: string): string {
  return scrubbed.length > MAX_MESSAGE_LENGTH ? `${scrubbed.slice(0, MAX_MESSAGE_LENGTH)}…` : scrubbed;
}

export interface ServiceErrorInit<Reason extends string, Operation extends string> {
  reason: Reason;
  operation: Operation;
  status?: number;
  serviceCode?: string;
  requestId?: string;
  retryAfterMs?: number;
}

/** A plain object safe for durable history, logs and records (no secrets, no stack). */
export interface SerializedServiceError<Kind extends string, Reason extends string, Operation extends string> {
  name: string;
  kind: Kind | 'unknown';
  reason?: Reason;
  operation?: Operation;
  status?: number;
  code?: string;
  message: string;
  requestId?: string;
  retryAfterMs?: number;
}

export abstract class ServiceError<Kind extends string, Reason extends string, Operation extends string> extends Error {
  abstract readonly kind: Kind;
  readonly reason: Reason;
  readonly operation: Operation;
  /** HTTP status of the failed response, when there was one. */
  readonly status?: number;
  /** The service's error code (e.g. "1022", `BadRequestExportValidationFailed`, storage `BlobNotFound`). */
  readonly serviceCode?: string;
  /** Request id of the failed response, for a support ticket. */
  readonly requestId?: string;
  /** Delay the service asked for (Retry-After), in ms. */
  readonly retryAfterMs?: number;

  /** `message` is scrubbed of every secret shape and capped here (a client removes its exact secrets first). */
  protected constructor(message: string, init: ServiceErrorInit<Reason, Operation>) {
    super(cappedMessage(escapeControls(scrubSecrets(message), { singleLine: true })));
    this.reason = init.reason;
    this.operation = init.operation;
    if (init.status !== undefined) this.status = init.status;
    if (init.serviceCode !== undefined) this.serviceCode = init.serviceCode;
    if (init.requestId !== undefined) this.requestId = init.requestId;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
  }

  /** True when trying again later can succeed (a family may add kinds). */
  get retryable(): boolean {
    return this.kind === 'throttled' || this.kind === 'transient';
  }

  toJSON(): SerializedServiceError<Kind, Reason, Operation> {
    return serializedFields(this);
  }
}

function serializedFields<Kind extends string, Reason extends string, Operation extends string>(
  e: ServiceError<Kind, Reason, Operation>,
): SerializedServiceError<Kind, Reason, Operation> {
  const out: SerializedServiceError<Kind, Reason, Operation> = {
    name: e.name,
    kind: e.kind,
    reason: e.reason,
    operation: e.operation,
    message: e.message,
  };
  if (e.status !== undefined) out.status = e.status;
  if (e.serviceCode !== undefined) out.code = e.serviceCode;
  if (e.requestId !== undefined) out.requestId = e.requestId;
  if (e.retryAfterMs !== undefined) out.retryAfterMs = e.retryAfterMs;
  return out;
}

/**
 * Serializes any thrown value: an error of the `family` keeps its classification; anything
 * else becomes kind `unknown` with its message scrubbed and capped.
 */
export function serializeServiceError<Kind extends string, Reason extends string, Operation extends string>(
  e: unknown,
  family: abstract new (...args: never[]) => ServiceError<Kind, Reason, Operation>,
  scrub: (text: string) => string = scrubSecrets,
): SerializedServiceError<Kind, Reason, Operation> {
  if (e instanceof family) return serializedFields(e);
  if (e instanceof Error) return { name: e.name, kind: 'unknown', message: cappedMessage(scrub(e.message)) };
  return {
    name: 'Error',
    kind: 'unknown',
    message: cappedMessage(scrub(typeof e === 'string' ? e : 'non-error value thrown')),
  };
}
