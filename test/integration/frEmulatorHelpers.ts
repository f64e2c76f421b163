/** Small raw-HTTP helpers for the Form Recognizer emulator tests (fetch over loopback). */
import type { EmulatedResource } from '../../dev/emulators/formRecognizer';

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

export function modelsUrl(r: EmulatedResource, version = 'v2.1'): string {
  return `${r.endpoint}/formrecognizer/${version}/custom/models`;
}

export async function send(
  r: EmulatedResource,
  method: string,
  pathOrUrl: string,
  opts: { key?: string | null; headers?: Record<string, string>; body?: string; version?: string } = {},
): Promise<RawResponse> {
  const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${modelsUrl(r, opts.version)}${pathOrUrl}`;
  const headers: Record<string, string> = { ...opts.headers };
  const key = opts.key === undefined ? r.key : opts.key;
  if (key !== null) headers['Ocp-Apim-Subscription-Key'] = key;
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: opts.body });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

export function json<T = Record<string, unknown>>(res: RawResponse): T {
  return JSON.parse(res.text) as T;
}

export interface Issued {
  /** The raw JSON text of the authorization, exactly as returned. */
  raw: string;
  modelId: string;
  location: string | null;
}

export async function authorize(target: EmulatedResource): Promise<Issued> {
  const res = await send(target, 'POST', '/copyAuthorization');
  if (res.status !== 201) throw new Error(`authorize: ${res.status} ${res.text}`);
  return { raw: res.text, modelId: json<{ modelId: string }>(res).modelId, location: res.headers.get('location') };
}

/** Copy body embedding the authorization's raw text verbatim. */
export function copyBody(target: { resourceId: string; region: string }, authorizationRaw: string): string {
  return `{"targetResourceId":${JSON.stringify(target.resourceId)},"targetResourceRegion":${JSON.stringify(target.region)},"copyAuthorization":${authorizationRaw}}`;
}

export async function startCopy(
  source: EmulatedResource,
  sourceModelId: string,
  body: string,
  headers?: Record<string, string>,
): Promise<RawResponse & { operationLocation: string | null }> {
  const res = await send(source, 'POST', `/${sourceModelId}/copy`, { body, headers });
  return { ...res, operationLocation: res.headers.get('operation-location') };
}

export interface CopyResultBody {
  status: string;
  createdDateTime: string;
  lastUpdatedDateTime: string;
  copyResult: { modelId: string; errors?: { code: string; message: string }[] };
}

export async function pollOnce(source: EmulatedResource, operationLocation: string): Promise<CopyResultBody> {
  const res = await send(source, 'GET', operationLocation);
  if (res.status !== 200) throw new Error(`copyResult: ${res.status} ${res.text}`);
  return json<CopyResultBody>(res);
}
