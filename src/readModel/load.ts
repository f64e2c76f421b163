/**
 * Reading the ledger once for the read model: the replica records (region verifications
 * applied), the last finished run's facts, the drill records and, when backups are configured,
 * the Custom Vision records — then `buildReadModel`. No service is called: the model answers
 * even while the source region is down.
 *
 * The dashboard keeps its own cached sources (a replica snapshot, run views by ETag) and calls
 * `buildReadModel` with them; everything else calls `loadReadModel`.
 */
import type { CustomVisionDrSettings, CustomVisionSettings, Settings } from '../config';
import type { CvProjectReplicaRepository } from '../ledger/customVisionProjects';
import type { Ledger } from '../ledger/connect';
import type { CustomVisionRecordRepository } from '../ledger/customVisionRecords';
import type { RunReportRepository } from '../ledger/runReports';
import { buildReadModel, lastRunFactsOf, type LastRunFacts, type ReadModel, type ReadModelInput } from './model';

/** Runs looked at for the last finished run that is not a dry run. */
const LAST_RUNS_SCANNED = 10;

export interface ReadModelSettings {
  regions: readonly string[];
  rpoHours: number;
  now: number;
  /** Present when Custom Vision backups are configured (`CV_BACKUP_CONTAINER_URL`). */
  customVision?: { settings: CustomVisionSettings; records: () => Promise<CustomVisionRecordRepository> };
  /** Present when Custom Vision project DR is configured (`CV_DR_TARGETS`). */
  customVisionDr?: { settings: CustomVisionDrSettings; replicas: () => Promise<CvProjectReplicaRepository> };
  /** The DR group's members in order (`DR_SOURCE_REGION` first): their roles and last (test) failovers are read. */
  members?: readonly string[];
}

/**
 * The DR group's members in order (`DR_SOURCE_REGION`, then `DR_TARGETS`): every reader passes
 * them, so the matrix's columns are the standbys of the active primary everywhere.
 */
export function membersOf(settings: Pick<Settings, 'source' | 'targets'>): string[] {
  return [...new Set([settings.source.region, ...settings.targets.map((t) => t.region)])];
}

/** Failover records read for the members' view (newest first; enough for the last of each kind per member). */
const FAILOVERS_READ = 200;

/**
 * The DR group as the read model takes it: the members (`DR_SOURCE_REGION` first), the primary
 * document (absent: the first member, epoch 0) and the newest failover records.
 */
export async function membersInput(
  ledger: Ledger,
  members: readonly string[],
): Promise<NonNullable<ReadModelInput['members']>> {
  const [primary, failovers] = await Promise.all([
    ledger.primary.read(members[0]),
    ledger.failovers.latest(FAILOVERS_READ),
  ]);
  return { regions: members, primary: primary.state, failovers };
}

/** The last finished run that is not a dry run: reports are read newest first, one at a time, until one is found. */
export async function lastRunFacts(runs: RunReportRepository): Promise<LastRunFacts | undefined> {
  for (const runId of await runs.latestRunIds(LAST_RUNS_SCANNED)) {
    const report = await runs.get(runId);
    if (report && !report.dryRun) return lastRunFactsOf(report);
  }
  return undefined;
}

export async function customVisionInput(
  cv: NonNullable<ReadModelSettings['customVision']>,
): Promise<NonNullable<ReadModelInput['customVision']>> {
  const records = await cv.records();
  const [backups, iterations] = await Promise.all([records.listBackups(), records.listIterations()]);
  return {
    backups,
    iterations,
    platforms: cv.settings.exportPlatforms.map((p) => p.platform),
    requireReplica: cv.settings.replicaContainer !== undefined,
  };
}

/** The read model from the ledger (each document read once). */
export async function loadReadModel(ledger: Ledger, settings: ReadModelSettings): Promise<ReadModel> {
  const dr = settings.customVisionDr;
  const regions = settings.members;
  const [{ records: replicas, verifications }, lastRun, drills, customVision, drRecords, members] = await Promise.all([
    ledger.replicas.listAllVerified(),
    lastRunFacts(ledger.runReports),
    ledger.drills.listAll(),
    settings.customVision ? customVisionInput(settings.customVision) : undefined,
    dr && dr.settings.targets.length > 0 ? dr.replicas().then((r) => r.list()) : undefined,
    regions && regions.length > 0 ? membersInput(ledger, regions) : undefined,
  ]);
  return buildReadModel({
    regions: settings.regions,
    rpoHours: settings.rpoHours,
    now: settings.now,
    replicas,
    verifications,
    drills,
    ...(lastRun ? { lastRun } : {}),
    ...(customVision ? { customVision } : {}),
    ...(dr && drRecords ? { customVisionDr: { settings: dr.settings, records: drRecords } } : {}),
    ...(members ? { members } : {}),
  });
}
