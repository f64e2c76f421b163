/**
 * The replication activities, built from their dependencies. The composition root
 * (src/functions) builds one set per app instance and binds it to the definitions in
 * src/replication/registry.ts; the mapped type keeps the two in step.
 */
import type { ActivityHandlers } from '../../durable/register';
import type { Activities } from '../../replication/registry';
import { discardTarget, sweepBlankModels } from './cleanup';
import { checkCopy, finishCopy, recordCopyFailure, startCopy } from './copy';
import type { ReplicationDeps } from './deps';
import { listSourceModels, listTargetModels, loadRunConfig } from './listing';
import { planReplication } from './planning';
import { reportRunFailed, saveRunReport } from './report';

export type ReplicationActivities = ActivityHandlers<typeof Activities>;

export function createReplicationActivities(deps: ReplicationDeps): ReplicationActivities {
  return {
    loadRunConfig: (input) => loadRunConfig(deps, input),
    listSourceModels: (input) => listSourceModels(deps, input),
    listTargetModels: (input) => listTargetModels(deps, input),
    planReplication: (input) => planReplication(deps, input),
    startCopy: (input, context) => startCopy(deps, input, context),
    checkCopy: (input) => checkCopy(deps, input),
    finishCopy: (input) => finishCopy(deps, input),
    discardTarget: (input) => discardTarget(deps, input),
    recordCopyFailure: (input) => recordCopyFailure(deps, input),
    saveRunReport: (input) => saveRunReport(deps, input),
    reportRunFailed: (input) => reportRunFailed(deps, input),
    sweepBlankModels: (input, context) => sweepBlankModels(deps, input, context),
  };
}

export {
  inMemoryFailureCounts,
  inMemoryHeldAuthorizations,
  ledgerRoles,
  membersOf,
  rolesOf,
  type RunRoles,
  type FailureCounts,
  type HeldAuthorizations,
  type ReplicationDeps,
  type TargetContext,
} from './deps';
export { toFailureReason } from './failure';
export { toRunReport } from './report';
export { AUTHORIZATION_SAFETY_MARGIN_MS } from './copy';
export { BATCH_SIZE } from './listing';
