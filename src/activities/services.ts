/**
 * What activities and HTTP functions work with: validated settings, one copy client per
 * resource and the ledger — built once per process from the environment, rebuilt when
 * the environment they were built from changes (the local host runs several apps in
 * one process during tests). Keys are read from their settings at the moment the
 * clients are built and live only inside the clients.
 */
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import {
  loadSettings,
  resolveSecret,
  type CredentialRef,
  type Env,
  type ModelResource,
  type Settings,
  type TargetSettings,
} from '../config';
import { createCopyClient, type CopyApi, type FormRecognizerCredential } from '../formRecognizer';
import { createLedgerContainerClient, ledgerConnectionFromSettings, openLedger, type Ledger } from '../ledger/connect';
import { ManagementPacer } from '../replication/pacing';
import { now } from '../runtime/time';

export interface TargetContext {
  settings: TargetSettings;
  client: CopyApi;
}

export interface Services {
  settings: Settings;
  source: CopyApi;
  targets: ReadonlyMap<string, TargetContext>;
  target(region: string): TargetContext;
  ledger(): Promise<Ledger>;
  /** Paces management calls per resource at `DR_MANAGEMENT_RPS`, for this process (see replication/pacing.ts). */
  pacer: ManagementPacer;
  /** Paces list pages per resource at 2 × `DR_MANAGEMENT_RPS` (S0: list 10/s, management 5/s). */
  listPacer: ManagementPacer;
}

/**
 * Ledger documents remembered per repository (value and ETag): a copy's marks and its pending
 * blank model are then written with one conditional request each instead of a read and a
 * write (see `knownDocuments` in ledger/documentStore.ts; a stale one only costs a retry).
 */
const KNOWN_LEDGER_DOCUMENTS = 4096;

let cached: { fingerprint: string; services: Services } | undefined;
let entraCredential: TokenCredential | undefined;

export function getServices(env: Env = process.env): Services {
  const fingerprint = fingerprintOf(env);
  if (cached?.fingerprint === fingerprint) return cached.services;
  const services = buildServices(loadSettings(env), env);
  cached = { fingerprint, services };
  return services;
}

/** Forget the cached services (tests that change settings between hosts). */
export function resetServices(): void {
  cached = undefined;
}

function buildServices(settings: Settings, env: Env): Services {
  const client = (resource: ModelResource): CopyApi =>
    createCopyClient({
      endpoint: resource.endpoint,
      region: resource.region,
      resourceId: resource.resourceId,
      apiVersion: settings.apiVersion,
      credential: credentialFor(resource.credential, env),
      now,
    });
  const targets = new Map<string, TargetContext>(
    settings.targets.map((t) => [t.region, { settings: t, client: client(t) }]),
  );
  let ledger: Promise<Ledger> | undefined;
  return {
    settings,
    source: client(settings.source),
    targets,
    pacer: new ManagementPacer(settings.pacing.managementRequestsPerSecond),
    listPacer: new ManagementPacer(2 * settings.pacing.managementRequestsPerSecond),
    target(region: string): TargetContext {
      const t = targets.get(region);
      if (!t) throw new Error(`region '${region}' is not a configured target (DR_TARGETS)`);
      return t;
    },
    ledger(): Promise<Ledger> {
      ledger ??= openLedger(
        createLedgerContainerClient(ledgerConnectionFromSettings(settings, env), settings.ledgerContainer),
        { clock: { now }, knownDocuments: KNOWN_LEDGER_DOCUMENTS },
      ).catch((e: unknown) => {
        ledger = undefined;
        throw e;
      });
      return ledger;
    },
  };
}

function credentialFor(ref: CredentialRef, env: Env): FormRecognizerCredential {
  if (ref.kind === 'key') return { key: resolveSecret({ setting: ref.setting }, env) };
  entraCredential ??= new DefaultAzureCredential();
  return entraCredential;
}

/** Settings names and values that shape the services, hashed cheaply (values are never kept or logged). */
function fingerprintOf(env: Env): string {
  let h = 2166136261;
  const targets = env.DR_TARGETS;
  // Called for every activity: the names are filtered before sorting, and values read only for those that count.
  const names = Object.keys(env).filter(
    (key) => /^(DR_|CV_|AzureWebJobsStorage)/.test(key) || isKeySettingName(key, targets),
  );
  for (const key of names.sort()) {
    const text = `${key}=${env[key] ?? ''};`;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  }
  return h.toString(16);
}

function isKeySettingName(key: string, targets: string | undefined): boolean {
  return typeof targets === 'string' && targets.includes(`"${key}"`);
}
