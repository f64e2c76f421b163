/**
 * Analyze (restore drills), for v2.1 (`…/custom/models/{id}/analyze` + `analyzeResults/{rid}`)
 * and 2023-07-31 / 2024-11-30 (`documentModels/{id}:analyze` + `analyzeResults/{rid}`).
 *
 * The answer is deterministic: derived from the model (v2: `custom:{modelId}` and the
 * training fields; v3.1/v4: its first docType and that docType's `fieldSchema`) and a hash of
 * the document's bytes, so a faithful copy answers like its source. The operation lifecycle:
 * 202 + `Operation-Location`, `running` with `Retry-After` until the analyze's clock time has
 * passed, then `succeeded` (or `failed`). Posts are limited per resource (`analyzePerSecond`,
 * S0: 15 per second, [doc] "Service quotas and limits") with 429 + `Retry-After`.
 *
 * Faults per resource (`ResourceSpec.analyze`): `differentFields` answers other values for
 * those fields (a replica that is not the same model); `fail` fails every analyze operation
 * with that error; `failModels` only those models' analyzes; `unavailable` answers 503 (region down).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate, type Context } from './gate';
import {
  ACCESS_DENIED,
  MISSING_KEY,
  errorReply,
  statusFault,
  json,
  throttled,
  writeReply,
  apiLabel,
  type Reply,
} from './reply';
import type { ResourceState } from './state';
import type { AnalyzeSpec, ApiVersion, RequestLogEntry, ResourceSpec } from './types';

export const DEFAULT_ANALYZE_DURATION_MS = 3000;
export const DEFAULT_ANALYZE_PER_SECOND = 15;
const MAX_DOCUMENT_BYTES = 50 * 1024 * 1024;

interface AnalyzeOperation {
  resource: string;
  modelId: string;
  completeMs: number;
  createdMs: number;
  outcome: { kind: 'result'; analyzeResult: unknown } | { kind: 'failure'; error: { code: string; message: string } };
}

interface AnalyzeContext {
  specs: Map<string, AnalyzeSpec>;
  operations: Map<string, AnalyzeOperation>;
  windows: Map<string, { second: number; count: number }>;
}

const contexts = new WeakMap<Context, AnalyzeContext>();

/** Called once by the server with the resources' specs. */
export function registerAnalyze(ctx: Context, resources: readonly ResourceSpec[]): void {
  contexts.set(ctx, {
    specs: new Map(resources.map((r) => [r.name, r.analyze ?? {}])),
    operations: new Map(),
    windows: new Map(),
  });
}

/** Changes a resource's analyze behaviour (faults) at run time. */
export function setAnalyzeSpec(ctx: Context, resource: string, spec: AnalyzeSpec): void {
  const a = contexts.get(ctx);
  if (!a || !a.specs.has(resource)) throw new Error(`unknown emulated resource '${resource}'`);
  a.specs.set(resource, spec);
}

type AnalyzeRoute =
  | { kind: 'analyze'; family: 'v2' | 'documentModels'; version: string; modelId: string }
  | { kind: 'analyzeResult'; family: 'v2' | 'documentModels'; version: string; modelId: string; resultId: string };

const V2 = /^\/formrecognizer\/([^/]+)\/custom\/models\/([^/]+)\/(analyze|analyzeResults\/([^/]+))$/i;
const DOC = /^\/(formrecognizer|documentintelligence)\/documentModels\/([^/]+?)(:analyze|\/analyzeResults\/([^/]+))$/i;

export function matchAnalyzeRoute(method: string, url: URL, served: readonly ApiVersion[]): AnalyzeRoute | undefined {
  const path = url.pathname.replace(/\/+$/, '');
  const v2 = V2.exec(path);
  if (v2) {
    const version = served.find((v) => v.toLowerCase() === (v2[1] ?? '').toLowerCase());
    if (!version || !version.startsWith('v2')) return undefined;
    const modelId = decodeURIComponent(v2[2] ?? '');
    if (v2[3]?.toLowerCase() === 'analyze' && method === 'POST')
      return { kind: 'analyze', family: 'v2', version, modelId };
    if (v2[4] !== undefined && method === 'GET')
      return { kind: 'analyzeResult', family: 'v2', version, modelId, resultId: decodeURIComponent(v2[4]) };
    return undefined;
  }
  const d = DOC.exec(path);
  if (!d) return undefined;
  const version = url.searchParams.get('api-version') ?? '';
  const prefixOk =
    (d[1] ?? '').toLowerCase() === (version === '2023-07-31' ? 'formrecognizer' : 'documentintelligence');
  if (!served.includes(version as ApiVersion) || !prefixOk) return undefined;
  const modelId = decodeURIComponent(d[2] ?? '');
  if (d[3]?.toLowerCase() === ':analyze' && method === 'POST')
    return { kind: 'analyze', family: 'documentModels', version, modelId };
  if (d[4] !== undefined && method === 'GET')
    return { kind: 'analyzeResult', family: 'documentModels', version, modelId, resultId: decodeURIComponent(d[4]) };
  return undefined;
}

function readBytes(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_DOCUMENT_BYTES) chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Pages of a document: a PDF's `/Type /Page` objects, else one. */
export function pagesOf(bytes: Buffer): number {
  const text = bytes.toString('latin1');
  if (!text.startsWith('%PDF')) return 1;
  return Math.max(1, (text.match(/\/Type\s*\/Page(?![s\w])/g) ?? []).length);
}

function digest(...parts: Array<string | Buffer>): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

interface ModelShape {
  docType: string;
  fields: string[];
}

const DEFAULT_FIELDS = ['Date', 'Total', 'Vendor'];

function modelShape(ctx: Context, r: ResourceState, route: AnalyzeRoute): ModelShape | undefined {
  if (route.family === 'v2') {
    const m = r.models.get(route.modelId);
    if (!m || m.status !== 'ready') return undefined;
    const trained = [
      ...(m.trainResult?.fields ?? []),
      ...(m.composedTrainResults ?? []).flatMap((t) => t.fields ?? []),
    ].map((f) => f.fieldName);
    return {
      docType: `custom:${m.modelId}`,
      fields: trained.length > 0 ? [...new Set(trained)].sort() : DEFAULT_FIELDS,
    };
  }
  const m = ctx.docs.resource(r.config.name).models.get(route.modelId);
  if (!m) return undefined;
  const [docType, d] = Object.entries(m.docTypes)[0] ?? [m.modelId, undefined];
  const schema = d?.fieldSchema ? Object.keys(d.fieldSchema).sort() : [];
  return { docType, fields: schema.length > 0 ? schema : DEFAULT_FIELDS };
}

function fieldValue(name: string, seed: Buffer, confidenceByte: number, v2: boolean): Record<string, unknown> {
  const confidence = 0.8 + confidenceByte / 255 / 5; // 0.80–1.00
  const rounded = Math.round(confidence * 1000) / 1000;
  if (/total|amount|price|number/i.test(name)) {
    const amount = ((seed.readUInt32BE(2) % 1_000_000) / 100).toFixed(2);
    const text = Number(amount).toLocaleString('en-US', { minimumFractionDigits: 2 });
    return v2
      ? { type: 'number', valueNumber: Number(amount), text, confidence: rounded }
      : { type: 'number', valueNumber: Number(amount), content: text, confidence: rounded };
  }
  if (/date/i.test(name)) {
    const day = new Date(Date.UTC(2025, 0, 1) + (seed.readUInt16BE(2) % 365) * 86_400_000).toISOString().slice(0, 10);
    return v2
      ? { type: 'date', valueDate: day, text: day, confidence: rounded }
      : { type: 'date', valueDate: day, content: day, confidence: rounded };
  }
  const value = `Value ${seed.toString('hex', 2, 6)}`;
  return v2
    ? { type: 'string', valueString: value, text: value, confidence: rounded }
    : { type: 'string', valueString: value, content: value, confidence: rounded };
}

function analyzeResultOf(shape: ModelShape, bytes: Buffer, route: AnalyzeRoute, spec: AnalyzeSpec): unknown {
  const pages = pagesOf(bytes);
  const v2 = route.family === 'v2';
  const docHash = digest(bytes);
  const fields: Record<string, unknown> = {};
  for (const name of shape.fields) {
    const seed = digest(docHash, '\0', name);
    // A replica that answers differently: other values, the same confidence.
    const valueSeed = spec.differentFields?.includes(name) ? digest(seed, 'different') : seed;
    fields[name] = fieldValue(name, valueSeed, seed[1] ?? 0, v2);
  }
  if (v2) {
    return {
      version: '2.1.0',
      readResults: Array.from({ length: pages }, (_, i) => ({
        page: i + 1,
        angle: 0,
        width: 8.5,
        height: 11,
        unit: 'inch',
      })),
      pageResults: [],
      documentResults: [{ docType: shape.docType, pageRange: [1, pages], fields }],
      errors: [],
    };
  }
  return {
    apiVersion: route.version,
    modelId: route.modelId,
    content: '',
    pages: Array.from({ length: pages }, (_, i) => ({ pageNumber: i + 1, width: 8.5, height: 11, unit: 'inch' })),
    documents: [{ docType: shape.docType, fields, confidence: 0.95, spans: [] }],
  };
}

function documentBytes(route: AnalyzeRoute, body: Buffer, contentType: string): Buffer | Reply {
  if (route.family === 'v2') {
    if (/^application\/json/i.test(contentType))
      return errorReply(400, { code: 'InvalidImageURL', message: 'Image URLs are not reachable from this emulator.' });
    if (body.length === 0) return errorReply(400, { code: 'InvalidImage', message: 'The input data is empty.' });
    return body;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return errorReply(400, {
      code: 'InvalidRequest',
      message: 'Invalid request.',
      innererror: { code: 'InvalidContent', message: 'The request body is not valid JSON.' },
    } as never);
  }
  const b64 = (parsed as { base64Source?: unknown } | null)?.base64Source;
  if (typeof b64 !== 'string' || b64 === '')
    return errorReply(400, {
      code: 'InvalidRequest',
      message: 'Invalid request.',
      innererror: {
        code: 'InvalidContent',
        message: 'base64Source is required (urlSource is not reachable from this emulator).',
      },
    } as never);
  return Buffer.from(b64, 'base64');
}

/**
 * Handles an analyze route of resource `r`, or returns false when the request is not one.
 * Called by the server before it reads the body (analyze bodies are binary).
 */
export async function handleAnalyze(
  ctx: Context,
  r: ResourceState,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const a = contexts.get(ctx);
  const url = new URL(req.url ?? '/', 'http://emulator.invalid');
  const route = a ? matchAnalyzeRoute(req.method ?? 'GET', url, r.config.apiVersions) : undefined;
  if (!a || !route) return false;
  const name = r.config.name;
  const endpoint = ctx.endpoints.get(name) ?? '';
  const body = await readBytes(req);
  const now = ctx.clock.now();
  const entry: RequestLogEntry = {
    resource: name,
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    status: 0,
    time: now,
    credential: authenticate(r, req),
    call: route.kind,
    modelId: route.modelId,
  };
  const finish = (reply: Reply): true => {
    entry.status = reply.status;
    writeReply(res, reply);
    ctx.log.push(entry);
    return true;
  };
  if (entry.credential !== 'key' && entry.credential !== 'bearer')
    return finish(errorReply(401, entry.credential === 'none' ? MISSING_KEY : ACCESS_DENIED));
  const spec = a.specs.get(name) ?? {};
  if (spec.unavailable) return finish(statusFault(503));
  ctx.state.settle(now);
  ctx.docs.settle(now);

  if (route.kind === 'analyzeResult') {
    const op = a.operations.get(route.resultId);
    if (!op || op.resource !== name || op.modelId !== route.modelId)
      return finish(errorReply(404, { code: 'NotFound', message: 'Resource not found.' }));
    if (now < op.completeMs) {
      const retry = String(Math.max(1, Math.ceil((op.completeMs - now) / 1000)));
      return finish(
        json(
          200,
          {
            status: 'running',
            createdDateTime: new Date(op.createdMs).toISOString(),
            lastUpdatedDateTime: new Date(now).toISOString(),
          },
          { 'Retry-After': retry },
        ),
      );
    }
    const times = {
      createdDateTime: new Date(op.createdMs).toISOString(),
      lastUpdatedDateTime: new Date(op.completeMs).toISOString(),
    };
    if (op.outcome.kind === 'failure') {
      return finish(
        json(
          200,
          route.family === 'v2'
            ? { status: 'failed', ...times, analyzeResult: { version: '2.1.0', errors: [op.outcome.error] } }
            : { status: 'failed', ...times, error: op.outcome.error },
        ),
      );
    }
    return finish(json(200, { status: 'succeeded', ...times, analyzeResult: op.outcome.analyzeResult }));
  }

  const second = Math.floor(now / 1000);
  const w = a.windows.get(name);
  const limit = spec.analyzePerSecond ?? DEFAULT_ANALYZE_PER_SECOND;
  if (w && w.second === second && w.count >= limit) {
    entry.fault = 'rateLimit';
    return finish(throttled(1, 'analyze', apiLabel(route.version)));
  }
  a.windows.set(name, w && w.second === second ? { second, count: w.count + 1 } : { second, count: 1 });

  const shape = modelShape(ctx, r, route);
  if (!shape)
    return finish(
      route.family === 'v2'
        ? errorReply(404, { code: '1022', message: `Model with 'id=${route.modelId}' not found.` })
        : errorReply(404, {
            code: 'NotFound',
            message: 'Resource not found.',
            innererror: { code: 'ModelNotFound', message: 'The requested model was not found.' },
          } as never),
    );
  const bytes = documentBytes(route, body, String(req.headers['content-type'] ?? ''));
  if (!Buffer.isBuffer(bytes)) return finish(bytes);

  const resultId = randomUUID();
  const fails =
    spec.fail ??
    (spec.failModels?.includes(route.modelId)
      ? { code: 'InternalServerError', message: 'An unexpected error occurred.' }
      : undefined);
  a.operations.set(resultId, {
    resource: name,
    modelId: route.modelId,
    createdMs: now,
    completeMs: now + (spec.durationMs ?? DEFAULT_ANALYZE_DURATION_MS),
    outcome: fails
      ? { kind: 'failure', error: { ...fails } }
      : { kind: 'result', analyzeResult: analyzeResultOf(shape, bytes, route, spec) },
  });
  const id = encodeURIComponent(route.modelId);
  const location =
    route.family === 'v2'
      ? `${endpoint}/formrecognizer/${route.version}/custom/models/${id}/analyzeResults/${resultId}`
      : `${endpoint}/${route.version === '2023-07-31' ? 'formrecognizer' : 'documentintelligence'}/documentModels/${id}/analyzeResults/${resultId}?api-version=${route.version}`;
  return finish({ status: 202, headers: { 'Operation-Location': location, 'Retry-After': '1' } });
}
