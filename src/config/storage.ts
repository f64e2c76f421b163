/**
 * Storage (`AzureWebJobsStorage`: a connection string, or the identity-based
 * `AzureWebJobsStorage__*` form) and the app's managed identity (`AZURE_CLIENT_ID`).
 */
import { DEFAULTS } from './names';
import { SettingsReader } from './reader';
import type { Env, IdentitySettings, StorageSettings } from './types';
import { containerNameProblem, parseServiceUrl, tryUrl } from './urls';

const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;
const TASK_HUB = /^[A-Za-z][A-Za-z0-9]{2,44}$/;
const IDENTITY_PARTS = [
  'AzureWebJobsStorage__accountName',
  'AzureWebJobsStorage__blobServiceUri',
  'AzureWebJobsStorage__queueServiceUri',
] as const;

export function parseStorage(r: SettingsReader): StorageSettings | undefined {
  const cs = r.get('AzureWebJobsStorage');
  if (cs !== undefined) {
    const parts = parseConnectionString(cs);
    if (!parts) {
      r.add(
        'AzureWebJobsStorage',
        'is not a storage connection string ("Key=Value;…"), e.g. "UseDevelopmentStorage=true" (value not shown)',
      );
      return undefined;
    }
    if (parts.get('usedevelopmentstorage')?.toLowerCase() === 'true') {
      return {
        kind: 'connectionString',
        connectionString: { setting: 'AzureWebJobsStorage' },
        developmentStorage: true,
        accountName: 'devstoreaccount1',
      };
    }
    const accountName = parts.get('accountname');
    const blobEndpointRaw = parts.get('blobendpoint');
    const hasKey = parts.has('accountkey');
    const hasSas = parts.has('sharedaccesssignature');
    if (!(accountName && hasKey) && !(hasSas && (accountName || blobEndpointRaw))) {
      r.add(
        'AzureWebJobsStorage',
        'needs AccountName and AccountKey, or SharedAccessSignature with AccountName or BlobEndpoint, or UseDevelopmentStorage=true (value not shown); for identity-based connections set AzureWebJobsStorage__accountName instead',
      );
      return undefined;
    }
    let blobEndpoint: string | undefined;
    if (blobEndpointRaw) {
      const u = tryUrl(blobEndpointRaw);
      if (!u) {
        r.add('AzureWebJobsStorage', 'BlobEndpoint is not a URL (value not shown)');
        return undefined;
      }
      blobEndpoint = `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
    }
    return {
      kind: 'connectionString',
      connectionString: { setting: 'AzureWebJobsStorage' },
      developmentStorage: false,
      accountName,
      blobEndpoint,
    };
  }

  const accountName = r.get('AzureWebJobsStorage__accountName');
  const blobUri = r.get('AzureWebJobsStorage__blobServiceUri');
  const queueUri = r.get('AzureWebJobsStorage__queueServiceUri');
  const tableUri = r.get('AzureWebJobsStorage__tableServiceUri');
  const clientId = r.get('AzureWebJobsStorage__clientId');
  const credential = r.get('AzureWebJobsStorage__credential');
  if (!accountName && !blobUri && !queueUri) {
    if (IDENTITY_PARTS.some((n) => r.unresolved(n))) return undefined;
    r.add(
      'AzureWebJobsStorage',
      'is missing: set a storage connection string, or AzureWebJobsStorage__accountName for an identity-based connection',
    );
    return undefined;
  }
  let ok = true;
  if (credential !== undefined && credential.toLowerCase() !== 'managedidentity') {
    r.add(
      'AzureWebJobsStorage__credential',
      `"${credential.slice(0, 40)}" is not supported: use "managedidentity" (or leave it out), with __clientId for a user-assigned identity`,
    );
    ok = false;
  }
  if (accountName && !ACCOUNT_NAME.test(accountName)) {
    r.add(
      'AzureWebJobsStorage__accountName',
      `"${accountName}" is not a storage account name (3–24 lower-case letters and digits)`,
    );
    ok = false;
  }
  const service = (name: string, value: string | undefined, kind: string): string | undefined => {
    if (value !== undefined) {
      const u = parseServiceUrl(value, { allowPath: true });
      if (typeof u === 'object') return u.url;
      r.add(name, u);
      ok = false;
      return undefined;
    }
    if (accountName) return `https://${accountName}.${kind}.core.windows.net`;
    r.add(name, 'is required when AzureWebJobsStorage__accountName is not set');
    ok = false;
    return undefined;
  };
  const blobServiceUri = service('AzureWebJobsStorage__blobServiceUri', blobUri, 'blob');
  const queueServiceUri = service('AzureWebJobsStorage__queueServiceUri', queueUri, 'queue');
  let tableServiceUri: string | undefined;
  if (tableUri !== undefined || accountName)
    tableServiceUri = service('AzureWebJobsStorage__tableServiceUri', tableUri, 'table');
  if (!ok || !blobServiceUri || !queueServiceUri) return undefined;
  return { kind: 'identity', accountName, blobServiceUri, queueServiceUri, tableServiceUri, clientId };
}

function parseConnectionString(cs: string): Map<string, string> | undefined {
  const parts = new Map<string, string>();
  for (const segment of cs.split(';')) {
    if (segment.trim() === '') continue;
    const eq = segment.indexOf('=');
    if (eq <= 0) return undefined;
    parts.set(segment.slice(0, eq).trim().toLowerCase(), segment.slice(eq + 1).trim());
  }
  return parts.size > 0 ? parts : undefined;
}

/**
 * The managed identity of the app's Azure credentials: `AZURE_CLIENT_ID` (a user-assigned
 * identity), else `AzureWebJobsStorage__clientId` when that is all there is (an identity-based
 * storage connection names the same identity), else none (system-assigned, or a developer
 * credential locally).
 */
export function parseIdentity(r: SettingsReader, storageClientId: string | undefined): IdentitySettings {
  const clientId = r.get('AZURE_CLIENT_ID');
  if (clientId !== undefined) {
    if (/\s/.test(clientId) || clientId.length > 100) {
      r.add('AZURE_CLIENT_ID', "is not a client id: a managed identity's client id is a GUID (value not shown)");
      return {};
    }
    return { clientId, clientIdSetting: 'AZURE_CLIENT_ID' };
  }
  if (storageClientId !== undefined)
    return { clientId: storageClientId, clientIdSetting: 'AzureWebJobsStorage__clientId' };
  return {};
}

/** `DR_TASK_HUB`: the durable task hub (letters and digits only, as the Azure Storage backend requires). */
export function parseTaskHub(r: SettingsReader): string {
  const taskHub = r.string('DR_TASK_HUB', DEFAULTS.DR_TASK_HUB);
  if (!TASK_HUB.test(taskHub)) {
    r.add(
      'DR_TASK_HUB',
      `"${taskHub}" is not a valid task hub name: 3–45 characters, letters and digits only, starting with a letter (e.g. "${DEFAULTS.DR_TASK_HUB}")`,
    );
  }
  return taskHub;
}

/** `DR_LEDGER_CONTAINER`: the ledger's blob container. */
export function parseLedgerContainer(r: SettingsReader): string {
  const ledgerContainer = r.string('DR_LEDGER_CONTAINER', DEFAULTS.DR_LEDGER_CONTAINER);
  const containerProblem = containerNameProblem(ledgerContainer);
  if (containerProblem)
    r.add('DR_LEDGER_CONTAINER', `"${ledgerContainer}" is not a valid blob container name: ${containerProblem}`);
  return ledgerContainer;
}

const SECONDARY_SETTING = 'DR_LEDGER_SECONDARY_BLOB_URL';

/**
 * `DR_LEDGER_SECONDARY_BLOB_URL`: the blob endpoint of the ledger storage's secondary location
 * (RA-GRS / RA-GZRS), read while the primary endpoint cannot be reached. Default: derived from
 * an Azure account's blob endpoint (`https://<account>.blob.<suffix>` →
 * `https://<account>-secondary.blob.<suffix>`, the documented secondary endpoint); none for
 * development storage or a custom endpoint unless set.
 */
export function parseLedgerSecondary(r: SettingsReader, storage: StorageSettings | undefined): string | undefined {
  const raw = r.get(SECONDARY_SETTING);
  if (raw !== undefined) {
    const parsed = parseServiceUrl(raw, { allowPath: true });
    if (typeof parsed === 'string') {
      r.add(SECONDARY_SETTING, parsed);
      return undefined;
    }
    return parsed.url;
  }
  if (r.unresolved(SECONDARY_SETTING) || !storage) return undefined;
  return secondaryOf(primaryBlobEndpoint(storage));
}

/** The account's primary blob endpoint, when the settings name one (never for development storage). */
function primaryBlobEndpoint(storage: StorageSettings): string | undefined {
  if (storage.kind === 'identity') return storage.blobServiceUri;
  if (storage.developmentStorage) return undefined;
  if (storage.blobEndpoint) return storage.blobEndpoint;
  return storage.accountName ? `https://${storage.accountName}.blob.core.windows.net` : undefined;
}

/** `https://<account>.blob.<suffix>` → `https://<account>-secondary.blob.<suffix>`; anything else has no known secondary. */
export function secondaryOf(primary: string | undefined): string | undefined {
  const m = primary ? /^https:\/\/([a-z0-9]{3,24})\.blob\.([a-z0-9.-]+?)\/?$/.exec(primary) : null;
  return m ? `https://${m[1]}-secondary.blob.${m[2]}` : undefined;
}

/**
 * The managed identity from a raw environment (without loading every setting), by the same
 * rule as `loadSettings`: `AZURE_CLIENT_ID`, else `AzureWebJobsStorage__clientId` when no
 * `AzureWebJobsStorage` connection string is set. Throws `ConfigurationError` naming the setting.
 */
export function identityFromEnv(env: Env): IdentitySettings {
  const r = new SettingsReader(env);
  const storageClientId =
    r.get('AzureWebJobsStorage') === undefined ? r.get('AzureWebJobsStorage__clientId') : undefined;
  const identity = parseIdentity(r, storageClientId);
  r.problems.throwIfAny();
  return identity;
}
