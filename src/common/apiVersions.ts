/**
 * The one list of Form Recognizer / Document Intelligence API versions (`DR_API_VERSION`), used by
 * the settings and the REST clients (and, outside the app, by its development tools).
 *
 * - `v2.1`: `{endpoint}/formrecognizer/v2.1/custom/models…` (API family `formRecognizerV2`);
 * - `2023-07-31` (Form Recognizer v3.1) and `2024-11-30` (Document Intelligence v4):
 *   `…/documentModels…?api-version=` (API family `documentModels`).
 *
 * `v2.0` and `v2.0-preview` were retired by the service on 31 Aug 2026: the app refuses them as
 * `DR_API_VERSION` ({@link retiredApiVersionProblem}). The v2 REST client still speaks their paths
 * (same copy routes as v2.1), for wire-format tests only.
 */

/** `formrecognizer/v2.1/custom/models…`: the v2 version the app accepts. */
export const V2_API_VERSIONS = ['v2.1'] as const;

/** `…/documentModels…?api-version=…` (`formrecognizer/` for 2023-07-31, `documentintelligence/` for 2024-11-30). */
export const DOCUMENT_MODELS_API_VERSIONS = ['2023-07-31', '2024-11-30'] as const;
export type DocumentModelsApiVersion = (typeof DOCUMENT_MODELS_API_VERSIONS)[number];

/** Every version the app accepts as `DR_API_VERSION`, v2 family first. */
export const SUPPORTED_API_VERSIONS = [...V2_API_VERSIONS, ...DOCUMENT_MODELS_API_VERSIONS] as const;
export type ApiVersion = (typeof SUPPORTED_API_VERSIONS)[number];

export const DEFAULT_API_VERSION: ApiVersion = 'v2.1';

/** Retired by the service on 31 Aug 2026; refused as `DR_API_VERSION`. */
export const RETIRED_API_VERSIONS = ['v2.0', 'v2.0-preview'] as const;
export type RetiredApiVersion = (typeof RETIRED_API_VERSIONS)[number];
export const API_V2_0_RETIRED_ON = '31 Aug 2026';

/**
 * The v2 path segments the v2 REST client speaks: `v2.1`, and the retired `v2.0` (same copy
 * routes; kept for wire-format tests: the app never selects it).
 */
export const V2_CLIENT_API_VERSIONS = ['v2.1', 'v2.0'] as const;
export type V2ApiVersion = (typeof V2_CLIENT_API_VERSIONS)[number];

/**
 * Which copy API a resource speaks — the one meaning of "API family" in the app (settings, clients,
 * authorizations): `formRecognizerV2` is `formrecognizer/v2.1/custom/models…` (and the retired v2.0
 * paths the v2 client still speaks); `documentModels` is `…/documentModels…?api-version=`, both
 * 2023-07-31 (Form Recognizer v3.1) and 2024-11-30 (Document Intelligence v4).
 */
export type ApiFamily = 'formRecognizerV2' | 'documentModels';

export function isSupportedApiVersion(value: string): value is ApiVersion {
  return (SUPPORTED_API_VERSIONS as readonly string[]).includes(value);
}

export function isRetiredApiVersion(value: string): value is RetiredApiVersion {
  return (RETIRED_API_VERSIONS as readonly string[]).includes(value.toLowerCase());
}

export function isDocumentModelsApiVersion(value: string): value is DocumentModelsApiVersion {
  return (DOCUMENT_MODELS_API_VERSIONS as readonly string[]).includes(value);
}

export function apiFamilyOf(version: ApiVersion): ApiFamily {
  return isDocumentModelsApiVersion(version) ? 'documentModels' : 'formRecognizerV2';
}

/** Why a retired version is refused, or undefined when `value` is not a retired version. */
export function retiredApiVersionProblem(value: string): string | undefined {
  if (!isRetiredApiVersion(value)) return undefined;
  return `"${value}" was retired by the service on ${API_V2_0_RETIRED_ON}; use "v2.1" (same copy API and routes), or "2024-11-30" (Document Intelligence, current GA)`;
}
