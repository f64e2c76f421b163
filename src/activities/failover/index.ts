/**
 * The failover's activities (docs/failover.md) and the routing publication runs share. Built
 * from the replication dependencies (members, ledger, clock, telemetry). Each is idempotent:
 * the at-least-once tests run them twice.
 */
import { parseLineageKey } from '../../common/pairs';
import type {
  FailoverReadiness,
  FailoverRecord,
  ReadinessInput,
  SwitchInput,
  SwitchResult,
} from '../../failover/contracts';
import type { FailoverActivities } from '../../failover/registry';
import { buildRoutes } from '../../failover/routing';
import type { ActivityHandlers } from '../../durable/register';
import type { ReadinessModel } from '../../ledger/failovers';
import type { ModelReplicaRecord } from '../../ledger/replicas';
import { emitFailoverCompleted } from '../../telemetry/emit';
import type { ReplicationDeps } from '../replication/deps';
import { lineageMapper } from '../replication/planning';

export type FailoverActivityHandlers = ActivityHandlers<typeof FailoverActivities>;

export function createFailoverActivities(deps: ReplicationDeps): FailoverActivityHandlers {
  return {
    failoverReadiness: (input) => failoverReadiness(deps, input),
    switchPrimary: (input) => switchPrimary(deps, input),
    saveFailoverRecord: (input) => saveFailoverRecord(deps, input),
  };
}

/** Publishes the routing document from the ledger (every switch; every run that changed a mapping). */
export async function publishRouting(
  deps: ReplicationDeps,
  cause: string,
): Promise<{ publishedAt: string; routed: number; models: number; version: number; records: ModelReplicaRecord[] }> {
  const ledger = await deps.ledger();
  const [{ state }, { records, verifications }] = await Promise.all([
    ledger.primary.read(deps.settings.source.region),
    ledger.replicas.listAllVerified(),
  ]);
  const members = [...deps.members.values()].map((m) => ({
    region: m.settings.region,
    endpoint: m.settings.endpoint,
  }));
  const models = buildRoutes(records, members, state.home, state.primary, verifications);
  const customVisionProjects = await deps.customVisionRoutes?.();
  const publishedAt = new Date(deps.clock.now()).toISOString();
  const { version } = await ledger.routing.publish({
    epoch: state.epoch,
    primary: state.primary,
    publishedAt,
    cause,
    models,
    ...(customVisionProjects ? { customVisionProjects } : {}),
  });
  return {
    publishedAt,
    routed: models.filter((m) => m.now !== undefined).length,
    models: models.length,
    version,
    records,
  };
}

function byLineage(records: readonly ModelReplicaRecord[]): Map<string, ModelReplicaRecord[]> {
  const out = new Map<string, ModelReplicaRecord[]>();
  for (const r of records) {
    const list = out.get(r.sourceModelId);
    if (list) list.push(r);
    else out.set(r.sourceModelId, [r]);
  }
  return out;
}

/**
 * Whether `to` holds a verified copy of every lineage the ledger knows (and, with
 * `listPrimary`, of every model the primary lists now); the achievable RPO.
 */
export async function failoverReadiness(deps: ReplicationDeps, input: ReadinessInput): Promise<FailoverReadiness> {
  const ledger = await deps.ledger();
  const [{ state }, records] = await Promise.all([
    ledger.primary.read(deps.settings.source.region),
    ledger.replicas.listAll(),
  ]);
  const nowMs = deps.clock.now();
  const lineages = byLineage(records);
  let basis: FailoverReadiness['basis'] = 'ledger';
  let primaryNote: string | undefined;
  /** Models the primary lists that the ledger has no lineage for, with their last change. */
  const unknown = new Map<string, string | undefined>();
  if (input.listPrimary) {
    const primary = deps.members.get(state.primary);
    try {
      if (!primary) throw new Error(`${state.primary} is not a member`);
      const lineageOf = lineageMapper(state.primary, state.home, records);
      for await (const m of primary.client.listModels()) {
        if (m.status !== 'ready' || m.modelId.startsWith('prebuilt-')) continue;
        const key = lineageOf(m.modelId);
        if (!lineages.has(key)) unknown.set(key, m.lastUpdatedDateTime);
      }
      basis = 'ledgerAndPrimaryListing';
    } catch (e) {
      primaryNote = `the primary ${state.primary} could not be listed: ${(e instanceof Error ? e.message : String(e)).slice(0, 300)}`;
    }
  } else {
    primaryNote = `the primary ${state.primary} was not called (unplanned failover: the ledger only)`;
  }
  const models: ReadinessModel[] = [];
  const withoutCopy: string[] = [];
  let oldestUnreplicatedMs: number | undefined;
  const older = (ms: number): void => {
    if (Number.isFinite(ms) && (oldestUnreplicatedMs === undefined || ms < oldestUnreplicatedMs))
      oldestUnreplicatedMs = ms;
  };
  for (const [key, rs] of [...lineages].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const lineage = parseLineageKey(key, state.home);
    const inRegion = (region: string): { id?: string; verifiedAt?: string } => {
      const r = rs.find((x) => x.region === region && x.state === 'replicated' && x.targetModelId !== undefined);
      if (r) return { id: r.targetModelId, ...(r.lastVerifiedAt ? { verifiedAt: r.lastVerifiedAt } : {}) };
      return lineage.origin === region ? { id: lineage.itemId } : {};
    };
    const atTo = inRegion(input.to);
    const atPrimary = inRegion(state.primary);
    const row: ReadinessModel = { lineage: key };
    if (atPrimary.id !== undefined) row.primaryModelId = atPrimary.id;
    if (atTo.id !== undefined) {
      row.toModelId = atTo.id;
      if (atTo.verifiedAt !== undefined) {
        row.lastVerifiedAt = atTo.verifiedAt;
        row.ageSeconds = Math.max(0, Math.round((nowMs - Date.parse(atTo.verifiedAt)) / 1000));
      }
    } else {
      withoutCopy.push(key);
      older(Math.min(...rs.map((r) => Date.parse(r.lastAttemptAt))));
    }
    models.push(row);
  }
  for (const [key, changed] of unknown) {
    models.push({ lineage: key, primaryModelId: parseLineageKey(key, state.home).itemId });
    withoutCopy.push(key);
    older(changed !== undefined ? Date.parse(changed) : nowMs);
  }
  return {
    at: new Date(nowMs).toISOString(),
    models,
    withoutCopy,
    rpoSeconds: oldestUnreplicatedMs === undefined ? 0 : Math.max(0, Math.round((nowMs - oldestUnreplicatedMs) / 1000)),
    basis,
    ...(primaryNote !== undefined ? { primaryNote } : {}),
  };
}

/**
 * primary := `to` with one conditional write (idempotent per failover id), then the routing
 * document, then the event. Never calls a Form Recognizer resource.
 */
export async function switchPrimary(deps: ReplicationDeps, input: SwitchInput): Promise<SwitchResult> {
  if (!deps.members.has(input.to)) return { switched: false, reason: `${input.to} is not a member` };
  const ledger = await deps.ledger();
  const at = new Date(deps.clock.now()).toISOString();
  const from = input.from ?? (await ledger.primary.read(deps.settings.source.region)).state.primary;
  const outcome = await ledger.primary.switchTo(deps.settings.source.region, from, input.to, input.id, at);
  if (!outcome.switched) return { switched: false, reason: outcome.reason };
  const published = await publishRouting(deps, `switch:${input.id}`);
  // The records the routing was built from: one listing for both.
  const lineages = byLineage(published.records);
  const withoutCopy: string[] = [];
  for (const [key, rs] of lineages) {
    const origin = parseLineageKey(key, outcome.state.home).origin;
    if (origin !== input.to && !rs.some((r) => r.region === input.to && r.state === 'replicated'))
      withoutCopy.push(key);
  }
  const switchedAt = outcome.state.since ?? at;
  return {
    switched: true,
    epoch: outcome.state.epoch,
    switchedAt,
    routingPublishedAt: published.publishedAt,
    routed: published.routed,
    withoutCopy: withoutCopy.sort(),
  };
}

/**
 * Writes the failover record; for a completed switch, then sends `ModelDr.FailoverCompleted`
 * once: sent, then marked in the record (`eventSentAt`, a conditional update). A re-run that
 * finds the mark sends nothing; a crash between sending and marking sends it again (at least
 * once, never zero times).
 */
export async function saveFailoverRecord(deps: ReplicationDeps, record: FailoverRecord): Promise<void> {
  const ledger = await deps.ledger();
  const stored = await ledger.failovers.put(record);
  if (record.status !== 'completed' || record.mode === 'test' || record.dryRun || !record.switchedAt) return;
  if (stored.eventSentAt !== undefined) return;
  emitFailoverCompleted(deps.telemetry, {
    failoverId: record.id,
    mode: record.mode,
    from: record.from,
    to: record.to,
    routed: record.routed ?? 0,
    withoutCopy: record.withoutCopy?.length ?? 0,
    ...(record.achievedRpoSeconds !== undefined ? { achievedRpoSeconds: record.achievedRpoSeconds } : {}),
    achievedRtoSeconds: record.achievedRtoSeconds ?? 0,
  });
  await ledger.failovers.markEventSent(record.id, new Date(deps.clock.now()).toISOString());
}
