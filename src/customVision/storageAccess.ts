/**
 * How the app reaches a configured container (`CV_BACKUP_CONTAINER_URL`,
 * `CV_REPLICA_CONTAINER_URL`), and a cheap read-only probe that names the setting when it
 * cannot.
 *
 * Choice ({@link chooseContainerAccess}), first match wins:
 * 1. the URL carries a SAS → that SAS;
 * 2. the container is on the same storage account as the `AzureWebJobsStorage` connection
 *    → that connection's credential: the account key of a connection string
 *    (`StorageSharedKeyCredential`), its `SharedAccessSignature`, or — for an identity-based
 *    connection (`AzureWebJobsStorage__accountName` / `__blobServiceUri`, optional
 *    `__credential=managedidentity` and `__clientId`) — a token credential for that identity;
 * 3. otherwise a token credential from the injected provider (e.g. `DefaultAzureCredential`
 *    with the managed identity's client id).
 *
 * A credential that cannot be obtained (`CredentialUnavailableError`, `AuthenticationError`,
 * `AggregateAuthenticationError`) and a 401/403 from storage are configuration failures
 * ({@link CvConfigurationError}) naming the setting — see `classifyStorageError` in backup.ts.
 * Nothing here logs or returns a key, SAS or token: {@link describeAccess} is safe to log.
 */
import {
  AnonymousCredential,
  ContainerClient,
  RestError,
  StorageSharedKeyCredential,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
import type { TokenCredential } from '@azure/identity';
import {
  CustomVisionError,
  CvConfigurationError,
  CvPermanentError,
  CvTransientError,
  type CvOperation,
} from './errors';
import { parseContainerUrl, type ContainerRef } from './modelUri';

export const BACKUP_CONTAINER_SETTING = 'CV_BACKUP_CONTAINER_URL';
export const REPLICA_CONTAINER_SETTING = 'CV_REPLICA_CONTAINER_URL';

/** The `AzureWebJobsStorage` connection, as far as blob access is concerned. Holds secrets: never log it. */
export type StorageConnection =
  | {
      kind: 'connectionString';
      /** The blob service URL, no query (`https://acct.blob.core.windows.net`, `http://127.0.0.1:P/devstoreaccount1`). */
      blobEndpoint: string;
      accountName?: string;
      accountKey?: string;
      sas?: string;
    }
  | { kind: 'identity'; blobEndpoint: string; accountName?: string; clientId?: string };

export type Env = Readonly<Record<string, string | undefined>>;

const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

function parseConnectionString(text: string): StorageConnection | undefined {
  const parts = new Map<string, string>();
  for (const seg of text.split(';')) {
    const eq = seg.indexOf('=');
    if (eq <= 0) continue;
    parts.set(seg.slice(0, eq).trim().toLowerCase(), seg.slice(eq + 1).trim());
  }
  if (parts.get('usedevelopmentstorage')?.toLowerCase() === 'true')
    return {
      kind: 'connectionString',
      blobEndpoint: `http://127.0.0.1:10000/${DEV_ACCOUNT}`,
      accountName: DEV_ACCOUNT,
      accountKey: DEV_KEY,
    };
  const accountName = parts.get('accountname');
  let blobEndpoint = parts.get('blobendpoint');
  if (!blobEndpoint && accountName) {
    const protocol = parts.get('defaultendpointsprotocol') ?? 'https';
    blobEndpoint = `${protocol}://${accountName}.blob.${parts.get('endpointsuffix') ?? 'core.windows.net'}`;
  }
  if (!blobEndpoint) return undefined;
  const out: StorageConnection = { kind: 'connectionString', blobEndpoint: blobEndpoint.replace(/\/+$/, '') };
  if (accountName) out.accountName = accountName;
  const key = parts.get('accountkey');
  if (key) out.accountKey = key;
  const sas = parts.get('sharedaccesssignature');
  if (sas) out.sas = sas.replace(/^\?/, '');
  return out;
}

/**
 * Reads the `AzureWebJobsStorage` connection (or another name) from the environment: a
 * connection string, or the identity-based `{name}__accountName` / `{name}__blobServiceUri`
 * (+ `__clientId` when `__credential` is `managedidentity`). Undefined when neither is set.
 */
export function readStorageConnection(env: Env, name = 'AzureWebJobsStorage'): StorageConnection | undefined {
  const cs = env[name]?.trim();
  if (cs) return parseConnectionString(cs);
  const blobUri = env[`${name}__blobServiceUri`]?.trim();
  const account = env[`${name}__accountName`]?.trim();
  if (!blobUri && !account) return undefined;
  const out: StorageConnection = {
    kind: 'identity',
    blobEndpoint: (blobUri || `https://${account}.blob.core.windows.net`).replace(/\/+$/, ''),
  };
  if (account) out.accountName = account;
  const clientId = env[`${name}__clientId`]?.trim();
  if (clientId && (env[`${name}__credential`]?.trim().toLowerCase() ?? 'managedidentity') === 'managedidentity')
    out.clientId = clientId;
  return out;
}

/** True when the container is on the account of this blob endpoint (scheme, host, port; and the account path segment of a path-style URL). */
export function sameStorageAccount(container: ContainerRef, blobEndpoint: string): boolean {
  let u: URL;
  try {
    u = new URL(blobEndpoint);
  } catch {
    return false;
  }
  if (u.protocol !== container.protocol || u.hostname.toLowerCase() !== container.hostname || u.port !== container.port)
    return false;
  const seg = u.pathname.split('/').filter(Boolean)[0];
  if (container.accountSegment === undefined) return seg === undefined;
  return seg !== undefined && seg.toLowerCase() === container.accountSegment.toLowerCase();
}

export type AccessVia = 'sas' | 'connectionKey' | 'connectionSas' | 'connectionIdentity' | 'tokenCredential';

export interface ContainerAccess {
  /** The setting this container came from (named in every failure). */
  setting: string;
  via: AccessVia;
  client: ContainerClient;
  /** The container URL without query. */
  url: string;
}

export interface ChooseAccessOptions {
  /** `CV_BACKUP_CONTAINER_URL` or `CV_REPLICA_CONTAINER_URL`. */
  setting: string;
  /** The setting's value: a container URL, possibly with a SAS query. */
  containerUrl: string;
  /** A SAS held separately (without `?`); wins over none in the URL. */
  sas?: string;
  /** The `AzureWebJobsStorage` connection ({@link readStorageConnection}). */
  storage?: StorageConnection;
  /** Token credentials (e.g. `DefaultAzureCredential`); `clientId` is an identity-based connection's client id. */
  tokenCredential: (o: { clientId?: string }) => TokenCredential;
  pipelineOptions?: StoragePipelineOptions;
}

/** Chooses the credential for one container (see the module comment). Throws a plain Error naming the setting on a bad URL. */
export function chooseContainerAccess(o: ChooseAccessOptions): ContainerAccess {
  const q = o.containerUrl.indexOf('?');
  const bare = q < 0 ? o.containerUrl.trim() : o.containerUrl.slice(0, q).trim();
  const urlSas = q < 0 ? '' : o.containerUrl.slice(q + 1).trim();
  const ref = parseContainerUrl(bare, o.setting);
  const sas = (o.sas ?? urlSas).replace(/^\?/, '');
  const opts = o.pipelineOptions ?? {};
  const made = (via: AccessVia, client: ContainerClient): ContainerAccess => ({
    setting: o.setting,
    via,
    client,
    url: ref.url,
  });
  if (sas) return made('sas', new ContainerClient(`${ref.url}?${sas}`, new AnonymousCredential(), opts));
  const st = o.storage;
  if (st && sameStorageAccount(ref, st.blobEndpoint)) {
    if (st.kind === 'identity')
      return made(
        'connectionIdentity',
        new ContainerClient(ref.url, o.tokenCredential(st.clientId ? { clientId: st.clientId } : {}), opts),
      );
    const account = st.accountName ?? ref.accountSegment ?? ref.hostname.split('.')[0];
    if (st.accountKey && account)
      return made(
        'connectionKey',
        new ContainerClient(ref.url, new StorageSharedKeyCredential(account, st.accountKey), opts),
      );
    if (st.sas)
      return made('connectionSas', new ContainerClient(`${ref.url}?${st.sas}`, new AnonymousCredential(), opts));
  }
  return made('tokenCredential', new ContainerClient(ref.url, o.tokenCredential({}), opts));
}

/** Safe to log: the setting, the container URL (no query) and which kind of credential. */
export function describeAccess(a: ContainerAccess): string {
  const how: Record<AccessVia, string> = {
    sas: 'the SAS in the setting',
    connectionKey: 'the account key of AzureWebJobsStorage (same account)',
    connectionSas: 'the SAS of AzureWebJobsStorage (same account)',
    connectionIdentity: 'the identity of AzureWebJobsStorage (same account)',
    tokenCredential: 'Microsoft Entra ID (token credential)',
  };
  return `${a.setting} ${a.url} via ${how[a.via]}`;
}

const CREDENTIAL_ERROR_NAMES = new Set([
  'CredentialUnavailableError',
  'AuthenticationError',
  'AggregateAuthenticationError',
  'AuthenticationRequiredError',
]);

/**
 * True when `e` (or its `cause`, or one of an aggregate's `errors`) says no credential could
 * be obtained, or a token credential was used on a non-https URL (both are settings to fix).
 */
export function isCredentialFailure(e: unknown, depth = 0): boolean {
  if (depth > 4 || typeof e !== 'object' || e === null) return false;
  const x = e as { name?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof x.name === 'string' && CREDENTIAL_ERROR_NAMES.has(x.name)) return true;
  if (typeof x.message === 'string' && /not permitted for non-TLS protected/i.test(x.message)) return true;
  if (isCredentialFailure(x.cause, depth + 1)) return true;
  return Array.isArray(x.errors) && x.errors.some((c) => isCredentialFailure(c, depth + 1));
}

/** The configuration error for a credential failure or a 401/403 on the container of `setting`. */
export function configurationError(
  setting: string,
  operation: CvOperation,
  cause: 'credentialUnavailable' | 'storageAccessDenied',
  detail?: { status?: number; code?: string },
): CvConfigurationError {
  const what =
    cause === 'credentialUnavailable'
      ? 'no credential could be obtained for the container'
      : `storage refused access to the container (HTTP ${detail?.status ?? '401/403'}${detail?.code ? ` ${detail.code}` : ''})`;
  return new CvConfigurationError(
    `configuration: ${what}. Check ${setting} (a SAS with read/list rights, or an identity with a Storage Blob Data role on that account, or the same account as AzureWebJobsStorage)`,
    {
      setting,
      operation,
      reason: cause,
      ...(detail?.status !== undefined ? { status: detail.status } : {}),
      ...(detail?.code !== undefined ? { serviceCode: detail.code } : {}),
    },
  );
}

export type ProbeResult =
  | { ok: true; setting: string; url: string; via: AccessVia; message: string }
  | { ok: false; setting: string; url: string; via: AccessVia; kind: CustomVisionError['kind']; message: string };

/**
 * One cheap read-only call (a listing of at most one blob) on the container. Never throws:
 * the result names the setting and says whether it is a configuration problem (fix the
 * setting) or something passing (storage unavailable). Call it once per configured
 * container at start.
 */
export async function probeContainer(access: ContainerAccess): Promise<ProbeResult> {
  const base = { setting: access.setting, url: access.url, via: access.via };
  try {
    const page = access.client.listBlobsFlat().byPage({ maxPageSize: 1 });
    await page.next();
    return { ok: true, ...base, message: `${describeAccess(access)}: reachable` };
  } catch (e) {
    const err = classifyStorageError(e, 'probeContainer', 'listing the container', access.setting);
    if (err.kind !== 'configuration' && err.reason === 'blobNotFound')
      return {
        ok: false,
        ...base,
        kind: 'configuration',
        message: `configuration: the container of ${access.setting} (${access.url}) does not exist`,
      };
    return { ok: false, ...base, kind: err.kind, message: `${access.setting} (${access.url}): ${err.message}` };
  }
}

/**
 * Maps a storage SDK failure to the Custom Vision error hierarchy (no URL, no SAS in the
 * message). A credential that cannot be obtained, and 401/403, are configuration failures
 * naming `setting`; 404 is `blobNotFound`; 408/409/412/429/5xx and network failures are
 * transient.
 */
export function classifyStorageError(
  e: unknown,
  operation: CvOperation,
  what: string,
  settingName?: string,
): CustomVisionError {
  if (e instanceof CustomVisionError) return e;
  const code = e instanceof RestError && typeof e.code === 'string' ? e.code : undefined;
  // Replica operations fail on the replica's credential, except a copy whose *source* was refused.
  const setting =
    settingName ??
    ((operation === 'copyToReplica' || operation === 'verifyReplica') && code !== 'CannotVerifyCopySource'
      ? REPLICA_CONTAINER_SETTING
      : BACKUP_CONTAINER_SETTING);
  if (isCredentialFailure(e)) return configurationError(setting, operation, 'credentialUnavailable');
  if (e instanceof RestError) {
    const status = e.statusCode;
    if (status === 401 || status === 403)
      return configurationError(setting, operation, 'storageAccessDenied', {
        status,
        ...(code !== undefined ? { code } : {}),
      });
    const base = {
      operation,
      ...(status !== undefined ? { status } : {}),
      ...(code !== undefined ? { serviceCode: code } : {}),
    };
    const msg = `${operation}: ${what}: storage ${status !== undefined ? `HTTP ${status}` : 'request failed'}${code ? ` (${code})` : ''}`;
    if (status === undefined) return new CvTransientError(msg, { ...base, reason: 'network' });
    if (status === 404) return new CvPermanentError(msg, { ...base, reason: 'blobNotFound' });
    if (status === 408) return new CvTransientError(msg, { ...base, reason: 'timeout' });
    // InvalidBlockList: another writer's commit discarded this writer's staged blocks (a race, like 409/412).
    if (status === 409 || status === 412 || status === 429 || status >= 500 || code === 'InvalidBlockList')
      return new CvTransientError(msg, { ...base, reason: 'storageUnavailable' });
    return new CvPermanentError(msg, { ...base, reason: 'storageRejected' });
  }
  const name = e instanceof Error ? e.name : 'Error';
  return new CvTransientError(
    `${operation}: ${what}: ${name === 'AbortError' ? 'aborted' : 'network or stream failure'}`,
    { operation, reason: 'network' },
  );
}
