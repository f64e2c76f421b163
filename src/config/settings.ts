/**
 * App settings: parsed and validated once at start-up, then passed around as a typed, deeply
 * frozen object. Plain TypeScript, no Functions types. One module per setting group:
 *
 * - storage.ts: `AzureWebJobsStorage` (or `AzureWebJobsStorage__*`), `DR_TASK_HUB`,
 *   `DR_LEDGER_CONTAINER`, and the managed identity (`AZURE_CLIENT_ID`);
 * - resources.ts: the source (`DR_SOURCE_*`) and the targets (`DR_TARGETS`);
 * - pacing.ts: `DR_API_VERSION`, `DR_SCHEDULE`, `DR_MAX_PARALLEL`, pacing and deadlines;
 * - customVision.ts: `CV_*`; customVisionDr.ts: `CV_DR_*` (the project copy);
 * - health.ts: `DR_RPO_HOURS` (the health model's recovery point objective);
 * - drills.ts: `DR_DRILL_*` (restore drills);
 * - secrets.ts: reading a referenced secret at the moment of use; summary.ts: the log line.
 *
 * Every group reads through one `SettingsReader` (reader.ts), which records every problem with
 * its setting and path; `loadSettings` throws them all at once in one `ConfigurationError`.
 */
import { apiFamilyOf } from '../common/apiVersions';
import { parseCustomVision } from './customVision';
import { parseCustomVisionDr } from './customVisionDr';
import { RPO_HOURS_SETTING, parseHealthSettings } from './health';
import { parseDrills } from './drills';
import { parseApiVersion, parseMaxParallel, parsePacing, parseSchedule } from './pacing';
import { SettingsReader, deepFreeze } from './reader';
import { parseSource, parseTargets } from './resources';
import { parseIdentity, parseLedgerContainer, parseLedgerSecondary, parseStorage, parseTaskHub } from './storage';
import type { Env, Settings } from './types';

/**
 * Reads and validates every setting. Returns a deeply frozen `Settings`, or throws one
 * `ConfigurationError` listing every problem found. Error messages never contain secret values.
 * A setting still holding an unresolved `@Microsoft.KeyVault(...)` reference is reported as such.
 */
export function loadSettings(env: Env = process.env): Settings {
  const r = new SettingsReader(env);

  const storage = parseStorage(r);
  const taskHub = parseTaskHub(r);
  const source = parseSource(r);
  const targets = parseTargets(r, source);
  const apiVersion = parseApiVersion(r);
  const schedule = parseSchedule(r);
  const maxParallel = parseMaxParallel(r);
  const pacing = parsePacing(r);
  const ledgerContainer = parseLedgerContainer(r);
  const ledgerSecondaryBlobUrl = parseLedgerSecondary(r, storage);
  const customVision = parseCustomVision(r);
  const drills = parseDrills(r);
  const customVisionDr = parseCustomVisionDr(r, customVision?.endpoint);
  const identity = parseIdentity(r, storage?.kind === 'identity' ? storage.clientId : undefined);
  // Read through the reader (an unresolved Key Vault reference is reported as such), validated by its group.
  const rpoRaw = r.get(RPO_HOURS_SETTING);
  const health = r.unresolved(RPO_HOURS_SETTING) ? undefined : parseHealthSettings({ [RPO_HOURS_SETTING]: rpoRaw });
  for (const p of health?.problems ?? []) r.add(p.setting, p.message);

  r.problems.throwIfAny();
  const settings: Settings = {
    storage: storage!,
    taskHub,
    source: source!,
    targets: targets!,
    apiVersion: apiVersion!,
    apiFamily: apiFamilyOf(apiVersion!),
    schedule,
    maxParallel: maxParallel!,
    pacing: pacing!,
    ledgerContainer,
    ...(ledgerSecondaryBlobUrl !== undefined ? { ledgerSecondaryBlobUrl } : {}),
    customVision: customVision!,
    customVisionDr,
    drills: drills!,
    identity,
    health: health!.settings!,
  };
  return deepFreeze(settings);
}
