/**
 * The one read model (docs/architecture.md, "One read model"): every reader of the app's state
 * — `GET /api/report`, `GET /api/health`, the dashboard's data, `npm run local`'s table and
 * `--json`, the `ModelDr.ReplicaHealth` events — takes its readiness, health, last drills,
 * unverified pairs and not-copyable models from `buildReadModel`, so no two of them can
 * disagree about a pair.
 *
 * Pure and deterministic: from the ledger's state (replica records, the last finished run's
 * facts, the drill records, the Custom Vision records), the configured regions, the RPO and
 * the time. The loader (src/readModel/load.ts) reads the ledger once for it.
 *
 * Rules every reader inherits:
 * - a pair is `replicated` only with a verified copy of the current source version that the
 *   last run did not report `unverified`; a pair the last run could not verify is `unverified`
 *   (with the run's reason) and degraded;
 * - the last drill of a pair is on its cell (`lastDrill`); a drill **mismatch** makes the pair
 *   unhealthy (`lastDrillMismatch`), so its region and the app are unhealthy and
 *   `GET /api/health` answers 503; a drill that could not analyze makes it degraded;
 * - models the last run saw invalid or still creating are `notCopyable` (with the reason);
 * - the app's health is the worst of the pairs' and the Custom Vision backups'; a last run that
 *   could not list its source (the active primary) makes it unhealthy, naming the primary's region.
 *
 * Room for more: a kind of pair the app adds later (e.g. a Custom Vision DR project per
 * region, a DR group's members) comes in as another input and another member of `ReadModel`,
 * judged here and combined into `health`; the readers render members, they never judge.
 */
import { pairKeyOf, type PairIdentity } from '../common/pairs';
import {
  assessCustomVisionHealth,
  assessReplicaHealth,
  combineHealth,
  primaryUnreachableLine,
  worst,
  type AppHealth,
  type CvHealthInput,
  type Health,
  type HealthReason,
  type PairHealth,
} from '../health/health';
import type { DrillRecord } from '../ledger/drills';
import {
  buildReadinessReport,
  type ReadinessCell,
  type ReadinessReport,
  type ReadinessRow,
  type SourceModelInfo,
} from '../ledger/readiness';
import type { ModelReplicaRecord } from '../ledger/replicas';
import type { FailoverMode, FailoverRecord, FailoverStatus } from '../ledger/failovers';
import type { PrimaryState } from '../ledger/primary';
import type { RegionVerification } from '../ledger/verifications';
import type { RunReport } from '../ledger/runReports';
import type { CustomVisionDrSettings } from '../config';
import type { CvProjectReplicaRecord } from '../ledger/customVisionProjects';
import {
  cvDrHealth,
  cvDrRows,
  withCvDrHealth,
  type CvDrHealth,
  type CvDrProjectRow,
  type CvDrSummary,
} from '../health/customVisionDr';

/** What the read model takes from the last finished (not dry) run's report. */
export interface LastRunFacts {
  runId: string;
  finishedAt: string;
  /** Item ids the run had pairs of (the source's ready items at the time). */
  pairModels: string[];
  /** Items the run found not copyable, with why (invalid) or `creating`. */
  notCopyable: Array<{ modelId: string; status: 'invalid' | 'creating'; reason?: string }>;
  /** Pairs the run could not verify (its target could not be read), with why. */
  unverified: Array<PairIdentity & { reason?: string }>;
  /** Regions the run could not verify. */
  unverifiedRegions: string[];
  /** The run could not list its source, the active primary (a failed run's report). */
  sourceUnreachable?: { region: string; reason: string };
}

/** The part of a run report the read model uses (small: kept per report by the dashboard's cache). */
export function lastRunFactsOf(report: RunReport): LastRunFacts {
  const why = new Map((report.notCopyable ?? []).map((m) => [m.modelId, m.reason]));
  return {
    runId: report.runId,
    finishedAt: report.finishedAt,
    pairModels: [...new Set(report.pairs.map((p) => p.sourceModelId))],
    notCopyable: [
      ...report.invalidModels.map((id) => {
        const reason = why.get(id);
        return { modelId: id, status: 'invalid' as const, ...(reason !== undefined ? { reason } : {}) };
      }),
      ...report.creatingModels.map((id) => ({ modelId: id, status: 'creating' as const })),
    ],
    unverified: report.pairs
      .filter((p) => p.outcome === 'unverified')
      .map((p) => ({ sourceModelId: p.sourceModelId, region: p.region, ...(p.reason ? { reason: p.reason } : {}) })),
    unverifiedRegions: (report.unverifiedRegions ?? []).map((u) => u.region),
    ...(report.sourceUnreachable
      ? { sourceUnreachable: { region: report.sourceUnreachable.region, reason: report.sourceUnreachable.reason } }
      : {}),
  };
}

export interface ReadModelInput {
  /**
   * The configured target regions, in order: the matrix's columns when `members` is absent (no
   * DR group read). With `members`, the columns are the standbys — every member but the active
   * primary, in member order — which before any failover are exactly these.
   */
  regions: readonly string[];
  rpoHours: number;
  now: number;
  /** Every replica record (region verifications applied). */
  replicas: readonly ModelReplicaRecord[];
  /** The last finished (not dry) run, if any. */
  lastRun?: LastRunFacts;
  /** The last drill of each pair. */
  drills?: readonly DrillRecord[];
  /** The Custom Vision backup records, when backups are configured. */
  customVision?: Omit<CvHealthInput, 'rpoHours' | 'now'>;
  /** The Custom Vision DR project records, when project DR is configured (`CV_DR_TARGETS`). */
  customVisionDr?: { settings: CustomVisionDrSettings; records: readonly CvProjectReplicaRecord[] };
  /**
   * The DR group (docs/failover.md): the configured members in order (the `DR_SOURCE_*` member
   * first), the primary document and the failover records (any order).
   */
  members?: { regions: readonly string[]; primary: PrimaryState; failovers: readonly FailoverRecord[] };
  /**
   * The region verification documents (the ledger's `verifications/`): with `members`, they verify
   * the cells of a lineage's origin (docs/failover.md, "The members in the report").
   */
  verifications?: readonly RegionVerification[];
}

/** A failover or test failover as a member's row shows it. */
export interface MemberFailover {
  id: string;
  mode: FailoverMode;
  status: FailoverStatus;
  /** When it ended (`finishedAt`), else when it was requested. */
  at: string;
  /** The member it failed over from. */
  from: string;
  /** Test failovers: the restore drills' outcome. */
  drills?: NonNullable<FailoverRecord['drills']>;
}

/** One member of the DR group: its role now and its last failover and test failover *to* it (dry runs left out). */
export interface MemberView {
  region: string;
  role: 'primary' | 'standby';
  /** The last planned or unplanned failover to this member. */
  lastFailover?: MemberFailover;
  /** The last test failover to this member, with its outcome. */
  lastTestFailover?: MemberFailover;
}

export interface MembersView {
  /** The active primary (from the ledger's primary document). */
  activePrimary: string;
  /** Failovers so far (the primary document's epoch). */
  epoch: number;
  since?: string;
  members: MemberView[];
}

/** The Custom Vision DR projects, one row per (configured project, DR region), judged like pairs. */
export interface CustomVisionDrView {
  health: Health;
  summary: CvDrSummary;
  rows: CvDrProjectRow[];
}

/** A pair as every reader shows it: its readiness cell, its health and why, its last drill. */
export type PairView = ReadinessCell & {
  health: Health;
  /** Absent when healthy. */
  healthReasons?: HealthReason[];
};

export type ModelView = Omit<ReadinessRow, 'cells'> & {
  cells: Record<string, PairView>;
  /** The worst of the row's pairs. */
  health: Health;
};

export interface ReadModel extends Omit<ReadinessReport, 'rows'> {
  rows: ModelView[];
  rpoHours: number;
  /** The app's health: replicas (per pair, per region), Custom Vision backups and DR projects. */
  health: AppHealth & { customVisionDr?: CvDrHealth };
  lastRun?: { runId: string; finishedAt: string };
  /** Present when Custom Vision project DR is configured. */
  customVisionDr?: CustomVisionDrView;
  /** The DR group's members, their roles and last (test) failovers; present when the loader read them. */
  members?: MembersView;
}

/** The members' view: roles from the primary document, the last failover and test failover to each. */
export function membersViewOf(input: NonNullable<ReadModelInput['members']>): MembersView {
  const { primary } = input.primary;
  const regions = [...new Set([...input.regions, primary])];
  const endOf = (f: FailoverRecord): string => f.finishedAt ?? f.requestedAt;
  const byEnd = [...input.failovers]
    .filter((f) => !f.dryRun)
    .sort((a, b) => (endOf(a) < endOf(b) ? 1 : endOf(a) > endOf(b) ? -1 : a.id < b.id ? 1 : -1));
  const view = (f: FailoverRecord | undefined): MemberFailover | undefined =>
    f && {
      id: f.id,
      mode: f.mode,
      status: f.status,
      at: endOf(f),
      from: f.from,
      ...(f.drills ? { drills: f.drills } : {}),
    };
  const members = regions.map((region): MemberView => {
    const lastFailover = view(byEnd.find((f) => f.to === region && f.mode !== 'test'));
    const lastTestFailover = view(byEnd.find((f) => f.to === region && f.mode === 'test'));
    return {
      region,
      role: region === primary ? 'primary' : 'standby',
      ...(lastFailover ? { lastFailover } : {}),
      ...(lastTestFailover ? { lastTestFailover } : {}),
    };
  });
  return {
    activePrimary: primary,
    epoch: input.primary.epoch,
    ...(input.primary.since !== undefined ? { since: input.primary.since } : {}),
    members,
  };
}

/** The source's items as the ledger knows them: the replica records plus the last run's view. */
export function sourceModelsOf(replicas: readonly ModelReplicaRecord[], lastRun?: LastRunFacts): SourceModelInfo[] {
  const models = new Map<string, SourceModelInfo>();
  for (const r of replicas)
    if (!models.has(r.sourceModelId) || r.sourceModelName)
      models.set(r.sourceModelId, {
        modelId: r.sourceModelId,
        status: 'ready',
        ...(r.sourceModelName ? { modelName: r.sourceModelName } : {}),
      });
  if (lastRun) {
    for (const id of lastRun.pairModels) if (!models.has(id)) models.set(id, { modelId: id, status: 'ready' });
    for (const m of lastRun.notCopyable) {
      const name = models.get(m.modelId)?.modelName;
      models.set(m.modelId, {
        modelId: m.modelId,
        status: m.status,
        ...(name !== undefined ? { modelName: name } : {}),
        ...(m.reason !== undefined ? { reason: m.reason } : {}),
      });
    }
  }
  return [...models.values()];
}

/**
 * The matrix's columns: the standbys (every member but the active primary, members in order) when
 * the DR group was read, else the configured targets. Before any failover both are `DR_TARGETS`;
 * after one, the home member is a standby column holding the origins, and the new primary's copies
 * are what is served (routing), not a column.
 */
export function standbyRegionsOf(input: Pick<ReadModelInput, 'regions' | 'members'>): string[] {
  if (!input.members) return [...new Set(input.regions)];
  const { primary } = input.members.primary;
  return [...new Set([...input.members.regions, ...input.regions])].filter((r) => r !== primary);
}

/**
 * The member the switch that made the current primary declared down: an unplanned failover is the
 * operator saying its `from` is down, so its copies are not ready until a run lists it again.
 */
function declaredDown(
  members: NonNullable<ReadModelInput['members']>,
): { down: { region: string; since: string; reason: string } } | Record<string, never> {
  const id = members.primary.failoverId;
  const f = id === undefined ? undefined : members.failovers.find((x) => x.id === id);
  if (!f || f.mode !== 'unplanned' || f.from === members.primary.primary) return {};
  const since = f.switchedAt ?? members.primary.since ?? f.requestedAt;
  return {
    down: {
      region: f.from,
      since,
      reason: `declared down by the unplanned failover ${f.id} (${f.from} → ${f.to}, ${since}); no listing of ${f.from} has verified it since`,
    },
  };
}

export function buildReadModel(input: ReadModelInput): ReadModel {
  const members = input.members;
  const readiness = buildReadinessReport({
    sourceModels: sourceModelsOf(input.replicas, input.lastRun),
    replicas: input.replicas,
    regions: standbyRegionsOf(input),
    now: input.now,
    ...(members
      ? {
          roles: {
            home: members.primary.home,
            primary: members.primary.primary,
            verifications: input.verifications ?? [],
            ...declaredDown(members),
          },
        }
      : {}),
    ...(input.lastRun ? { unverified: input.lastRun.unverified } : {}),
    ...(input.drills ? { drills: input.drills } : {}),
  });
  const unverifiedRegions = new Set(input.lastRun?.unverifiedRegions ?? []);
  for (const row of readiness.rows)
    for (const [region, cell] of Object.entries(row.cells))
      if (cell.status === 'unverified') unverifiedRegions.add(region);
  const replicas = assessReplicaHealth({
    readiness,
    rpoHours: input.rpoHours,
    unverifiedRegions: readiness.regions.filter((r) => unverifiedRegions.has(r)),
    now: input.now,
  });
  const customVision = input.customVision
    ? assessCustomVisionHealth({ ...input.customVision, rpoHours: input.rpoHours, now: input.now })
    : undefined;
  const byPair = new Map<string, PairHealth>(replicas.pairs.map((p) => [pairKeyOf(p), p]));
  const rows = readiness.rows.map((row): ModelView => {
    const cells: Record<string, PairView> = {};
    const states: Health[] = [];
    for (const [region, cell] of Object.entries(row.cells)) {
      const p = byPair.get(pairKeyOf({ sourceModelId: row.sourceModelId, region }));
      // Every cell of a row has its pair in the health report (both are built over the same regions).
      const health = p?.health ?? 'unhealthy';
      cells[region] = { ...cell, health, ...(p && p.reasons.length ? { healthReasons: p.reasons } : {}) };
      states.push(health);
    }
    return { ...row, cells, health: worst('healthy', ...states) };
  });
  let health: ReadModel['health'] = combineHealth(replicas, customVision);
  let customVisionDr: CustomVisionDrView | undefined;
  if (input.customVisionDr && input.customVisionDr.settings.targets.length > 0) {
    // A Custom Vision DR project counts like a Form Recognizer pair (src/health/customVisionDr.ts).
    const drRows = cvDrRows(input.customVisionDr.settings, input.customVisionDr.records, input.now, input.rpoHours);
    const dr = cvDrHealth(drRows, input.rpoHours);
    health = withCvDrHealth(health, dr);
    customVisionDr = { health: dr.health, summary: dr.summary, rows: drRows };
  }
  const unreachable = input.lastRun?.sourceUnreachable;
  if (unreachable && input.lastRun) {
    // A primary the last run could not list is down as far as the app knows: unhealthy (docs/failover.md).
    const primaryUnreachable = { ...unreachable, runId: input.lastRun.runId, at: input.lastRun.finishedAt };
    health = {
      ...health,
      health: 'unhealthy',
      reasons: [primaryUnreachableLine(primaryUnreachable), ...health.reasons],
      primaryUnreachable,
    };
  }
  const model: ReadModel = { ...readiness, rows, rpoHours: input.rpoHours, health };
  if (input.lastRun) model.lastRun = { runId: input.lastRun.runId, finishedAt: input.lastRun.finishedAt };
  if (customVisionDr) model.customVisionDr = customVisionDr;
  if (input.members) model.members = membersViewOf(input.members);
  return model;
}
