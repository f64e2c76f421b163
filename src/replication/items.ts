/**
 * What a run copies: models and (v4, 2024-11-30) classifiers, in the order their references
 * need. Pure and deterministic: orchestrators import this module.
 *
 * Item ids and pair keys are owned by src/common/pairs.ts (re-exported here).
 *
 * Order (docs/v4.md, "Composed models and classifiers"): a v4 composed model references its
 * classifier and its component models **by id**, and its copy keeps those ids, so they must
 * exist in the target first: classifiers → plain models → models that depend on others.
 * Each phase goes through the same batch / copy machinery; an empty phase is skipped (v2 and
 * 2023-07-31 have no classifiers and no id references, so they run one phase).
 */
import type { PairRef, SourceItem } from './contracts';
import { parseItemId } from '../common/pairs';

export { CLASSIFIER_PREFIX, classifierItemId, parseItemId, type ItemKind } from '../common/pairs';

/** 0 classifiers, 1 models that reference nothing, 2 models that reference other items by id. */
export function copyPhaseOf(item: Pick<SourceItem, 'modelId' | 'dependsOn'>): 0 | 1 | 2 {
  if (parseItemId(item.modelId).kind === 'classifier') return 0;
  return item.dependsOn && item.dependsOn.length > 0 ? 2 : 1;
}

/**
 * Splits the pairs to copy into phases run one after the other (empty phases dropped), the
 * pairs of each phase in their original order. A pair whose item is not among `items`
 * (should not happen) goes with the plain models.
 */
export function copyPhases(toCopy: readonly PairRef[], items: readonly SourceItem[]): PairRef[][] {
  const phaseOf = new Map(items.map((m) => [m.modelId, copyPhaseOf(m)]));
  const phases: PairRef[][] = [[], [], []];
  for (const pair of toCopy) phases[phaseOf.get(pair.sourceModelId) ?? 1].push(pair);
  return phases.filter((p) => p.length > 0);
}
