/**
 * Analyzing a document with a custom model (restore drills): start the analyze, then read its
 * result through the `Operation-Location` the service returned — checked against the
 * endpoint's origin and the analyze-result path before any credential is sent to it.
 *
 * Routes (public REST specifications, Azure/azure-rest-api-specs, FormRecognizer stable/v2.1
 * and DocumentIntelligence 2023-07-31 / 2024-11-30):
 * - v2.1: `POST {ep}/formrecognizer/v2.1/custom/models/{modelId}/analyze` with the document's
 *   bytes (`Content-Type` application/pdf, image/jpeg, image/png, image/tiff) or `{"source": url}`
 *   → 202, `Operation-Location: …/custom/models/{modelId}/analyzeResults/{resultId}`;
 * - 2023-07-31: `POST {ep}/formrecognizer/documentModels/{modelId}:analyze?api-version=…`,
 *   2024-11-30: `POST {ep}/documentintelligence/documentModels/{modelId}:analyze?api-version=…`,
 *   with `{"base64Source": …}` or `{"urlSource": …}` → 202,
 *   `Operation-Location: …/documentModels/{modelId}/analyzeResults/{resultId}?api-version=…`.
 * The result's `status` is `notStarted` / `running` / `succeeded` / `failed` (and `canceled`).
 */
import type { ApiVersion } from '../common/apiVersions';
import { parseEndpoint, parseJsonBody, resolveOperationLocation, unexpectedResponse } from './clientCommon';
import { ForeignHostError } from './errors';
import { HttpCore, type HttpCoreOptions } from './http';

export type AnalyzeDocument = { bytes: Uint8Array; contentType: string } | { url: string };

export type AnalyzeStatus =
  | { status: 'notStarted' | 'running'; retryAfterMs?: number }
  | { status: 'succeeded'; analyzeResult: unknown }
  | { status: 'failed'; error: { code?: string; message: string } };

export interface AnalyzeApi {
  readonly endpoint: string;
  readonly apiVersion: ApiVersion;
  readonly apiFamily: 'v2' | 'documentModels';
  /** Starts an analyze; returns its operation URL (no secret in it) and the service's Retry-After. */
  startAnalyze(
    modelId: string,
    document: AnalyzeDocument,
  ): Promise<{ operationLocation: string; retryAfterMs?: number }>;
  getAnalyzeResult(operationLocation: string): Promise<AnalyzeStatus>;
}

export interface AnalyzeClientOptions extends HttpCoreOptions {
  endpoint: string;
  apiVersion: ApiVersion;
  allowInsecureHttp?: boolean;
}

/** A result body larger than this is refused (a drill sample is a few pages). */
export const MAX_RESULT_CHARS = 20_000_000;
const LOG = 'formRecognizer';

export class AnalyzeClient implements AnalyzeApi {
  readonly endpoint: string;
  readonly apiVersion: ApiVersion;
  readonly apiFamily: 'v2' | 'documentModels';
  readonly #origin: string;
  readonly #root: string;
  readonly #http: HttpCore;

  constructor(options: AnalyzeClientOptions) {
    const { origin, basePath } = parseEndpoint(options.endpoint, options.allowInsecureHttp);
    this.#origin = origin;
    this.endpoint = `${origin}${basePath}`;
    this.apiVersion = options.apiVersion;
    this.apiFamily = options.apiVersion.startsWith('v2') ? 'v2' : 'documentModels';
    this.#root =
      this.apiFamily === 'v2'
        ? `${basePath}/formrecognizer/${options.apiVersion}`
        : `${basePath}/${options.apiVersion === '2023-07-31' ? 'formrecognizer' : 'documentintelligence'}`;
    this.#http = new HttpCore(options);
  }

  toJSON(): Record<string, string> {
    return { endpoint: this.endpoint, apiVersion: this.apiVersion, auth: this.#http.authMode };
  }

  async startAnalyze(
    modelId: string,
    document: AnalyzeDocument,
  ): Promise<{ operationLocation: string; retryAfterMs?: number }> {
    const id = encodeURIComponent(modelId);
    const v2 = this.apiFamily === 'v2';
    const url = v2
      ? `${this.#origin}${this.#root}/custom/models/${id}/analyze?includeTextDetails=false`
      : `${this.#origin}${this.#root}/documentModels/${id}:analyze?api-version=${this.apiVersion}`;
    const route = v2
      ? 'POST /formrecognizer/{version}/custom/models/{modelId}/analyze'
      : 'POST /{prefix}/documentModels/{modelId}:analyze';
    const body =
      'url' in document
        ? { body: JSON.stringify(v2 ? { source: document.url } : { urlSource: document.url }) }
        : v2
          ? { binaryBody: document.bytes, contentType: document.contentType }
          : { body: JSON.stringify({ base64Source: Buffer.from(document.bytes).toString('base64') }) };
    const res = await this.#http.send({ operation: 'analyze', method: 'POST', url, route, ...body });
    const location = res.headers.get('operation-location');
    if (res.status !== 202 || !location)
      throw unexpectedResponse(this.#http.logger, LOG, 'analyze', res, 'no 202 with an Operation-Location');
    const checked = this.#checkOperation(location);
    return {
      operationLocation: checked,
      ...(res.retryAfterMs !== undefined ? { retryAfterMs: res.retryAfterMs } : {}),
    };
  }

  /** The operation URL resolved on our endpoint, under `…/analyzeResults/{id}`; anything else is refused before a request. */
  #checkOperation(location: string): string {
    const u = resolveOperationLocation(location, this.endpoint, this.#origin, 'analyze');
    const path = u.pathname.toLowerCase();
    const under = `${this.#root}/${this.apiFamily === 'v2' ? 'custom/models/' : 'documentmodels/'}`.toLowerCase();
    if (!path.startsWith(under) || !/\/analyzeresults\/[^/]+$/.test(path))
      throw new ForeignHostError('analyze: Operation-Location is not an analyze result of this endpoint; refused', {
        reason: 'foreignHost',
        operation: 'analyze',
      });
    return u.toString();
  }

  async getAnalyzeResult(operationLocation: string): Promise<AnalyzeStatus> {
    const url = this.#checkOperation(operationLocation);
    const res = await this.#http.send({
      operation: 'getAnalyzeResult',
      method: 'GET',
      url,
      route:
        this.apiFamily === 'v2'
          ? 'GET /formrecognizer/{version}/custom/models/{modelId}/analyzeResults/{resultId}'
          : 'GET /{prefix}/documentModels/{modelId}/analyzeResults/{resultId}',
    });
    if (res.text.length > MAX_RESULT_CHARS)
      throw unexpectedResponse(this.#http.logger, LOG, 'getAnalyzeResult', res, 'result too large');
    const body = parseJsonBody(this.#http.logger, LOG, 'getAnalyzeResult', res) as Record<string, unknown> | null;
    const status = typeof body?.status === 'string' ? body.status.toLowerCase() : '';
    if (status === 'notstarted' || status === 'running')
      return {
        status: status === 'running' ? 'running' : 'notStarted',
        ...(res.retryAfterMs !== undefined ? { retryAfterMs: res.retryAfterMs } : {}),
      };
    if (status === 'succeeded') return { status: 'succeeded', analyzeResult: body?.analyzeResult };
    if (status === 'failed' || status === 'canceled') return { status: 'failed', error: this.#errorOf(body, status) };
    throw unexpectedResponse(this.#http.logger, LOG, 'getAnalyzeResult', res, 'no known status');
  }

  #errorOf(body: Record<string, unknown> | null, status: string): { code?: string; message: string } {
    const pick = (e: unknown): { code?: string; message: string } | undefined => {
      if (typeof e !== 'object' || e === null) return undefined;
      const r = e as Record<string, unknown>;
      const code = typeof r.code === 'string' || typeof r.code === 'number' ? String(r.code) : undefined;
      const message = typeof r.message === 'string' ? this.#http.scrub(r.message).slice(0, 500) : undefined;
      if (code === undefined && message === undefined) return undefined;
      return { ...(code !== undefined ? { code } : {}), message: message ?? `analyze ${status}` };
    };
    const v2Errors = (body?.analyzeResult as { errors?: unknown } | undefined)?.errors;
    return (
      pick(body?.error) ??
      (Array.isArray(v2Errors) ? pick(v2Errors[0]) : undefined) ?? { message: `the analyze operation ${status}` }
    );
  }
}
