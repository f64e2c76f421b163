/**
 * The drills' page budget (pure): each analyze costs the sample's pages and the source analyze
 * comes first, so a model is drilled with as many of its replicas as fit after its source
 * analyze; models are taken in plan order. Used by the orchestration (what to drill) and by
 * `planDrills` (how many pages the run reserves of the day's budget): both get the same answer.
 */
import type { PlannedModel } from './contracts';

export interface Admission {
  admitted: PlannedModel[];
  skipped: Array<{ sourceModelId: string; region: string }>;
  /** Pages the admitted analyzes cost (estimated). */
  pages: number;
}

export function admitWithinBudget(models: readonly PlannedModel[], maxPages: number): Admission {
  let budget = maxPages;
  const admitted: PlannedModel[] = [];
  const skipped: Admission['skipped'] = [];
  for (const m of models) {
    const fit = Math.floor(budget / m.estimatedPages) - 1; // replicas that fit after the source
    const kept = fit > 0 ? m.replicas.slice(0, fit) : [];
    for (const r of m.replicas.slice(kept.length)) skipped.push({ sourceModelId: m.sourceModelId, region: r.region });
    if (kept.length === 0) continue;
    budget -= m.estimatedPages * (kept.length + 1);
    admitted.push({ ...m, replicas: kept });
  }
  return { admitted, skipped, pages: maxPages - budget };
}
