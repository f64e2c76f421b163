/**
 * One benchmark scenario: N ready models in a source, R empty targets, S0 rate limits,
 * per-pair copy durations drawn from a seeded distribution — and the lower bound of any
 * sync of it, computed from the emulator's own schedule.
 */
import type {
  CopyOperationView,
  FormRecognizerEmulatorOptions,
  RateLimits,
  ResourceSpec,
} from '../dev/emulators/formRecognizer';
import { S0_RATE_LIMITS } from '../dev/emulators/formRecognizer/types';
import { pairDurationMs, seededRandom } from './stats';

export const SOURCE_NAME = 'fr-source-westus2';
const TARGET_REGIONS = [
  'eastus',
  'westeurope',
  'japaneast',
  'australiaeast',
  'brazilsouth',
  'uksouth',
  'canadacentral',
  'southeastasia',
];

export interface Scenario {
  models: number;
  regions: number;
  seed: number;
  copyMinMs: number;
  copyMaxMs: number;
  rateLimits: RateLimits;
}

export function label(s: Pick<Scenario, 'models' | 'regions'>): string {
  return `${s.models} × ${s.regions}`;
}

export function targetName(region: string): string {
  return `fr-dr-${region}`;
}

/** The emulated resources: a source with `models` ready models (stable ids), `regions` empty targets. */
export function resourcesFor(s: Scenario): ResourceSpec[] {
  if (s.regions < 1 || s.regions > TARGET_REGIONS.length)
    throw new RangeError(`regions must be 1–${TARGET_REGIONS.length}`);
  const rng = seededRandom(s.seed);
  const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(rng() * 16).toString(16)).join('');
  const models = Array.from({ length: s.models }, (_, i) => ({
    modelId: `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`,
    modelName: `bench-model-${String(i).padStart(5, '0')}`,
    status: 'ready' as const,
    createdDateTime: '2026-01-01T00:00:00Z',
    lastUpdatedDateTime: '2026-01-01T00:00:00Z',
  }));
  // Room for the steady-state runs' new copies: at the service's default limit of 5000 custom
  // models, a 5000-model target is full and the app refuses every new copy (`targetFull`, as it
  // should), which is not what these runs measure. A raised quota, as a support request gives.
  const modelLimit = Math.max(5000, 2 * s.models + 100);
  return [
    { name: SOURCE_NAME, region: 'westus2', models, modelLimit },
    ...TARGET_REGIONS.slice(0, s.regions).map((region) => ({ name: targetName(region), region, modelLimit })),
  ];
}

/**
 * The incremental change of a steady-state run: about 1 % of the source's models, half
 * changed (retrained: a new `lastUpdatedDateTime`), half new — at least one of each. Which
 * models change and the new ids follow from the seed.
 */
export function incrementalChange(
  s: Scenario,
  sourceModelIds: readonly string[],
): { changed: string[]; added: Array<{ modelId: string; modelName: string }> } {
  const half = Math.max(1, Math.round(s.models * 0.005));
  const rng = seededRandom(s.seed ^ 0x5eed);
  const ids = [...sourceModelIds];
  const changed: string[] = [];
  for (let i = 0; i < Math.min(half, ids.length); i++) {
    const j = i + Math.floor(rng() * (ids.length - i));
    [ids[i], ids[j]] = [ids[j], ids[i]];
    changed.push(ids[i]);
  }
  const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(rng() * 16).toString(16)).join('');
  const added = Array.from({ length: half }, (_, i) => ({
    modelId: `${hex(8)}-${hex(4)}-4${hex(3)}-b${hex(3)}-${hex(12)}`,
    modelName: `bench-model-new-${String(i).padStart(5, '0')}`,
  }));
  return { changed, added };
}

export function emulatorOptionsFor(s: Scenario): Omit<FormRecognizerEmulatorOptions, 'resources' | 'clock'> {
  return { rateLimits: s.rateLimits, copyDurationMs: pairDurationMs(s.seed, s.copyMinMs, s.copyMaxMs) };
}

export const DEFAULT_SCENARIO: Omit<Scenario, 'models' | 'regions'> = {
  seed: 20261121,
  copyMinMs: 5_000,
  copyMaxMs: 25_000,
  rateLimits: { ...S0_RATE_LIMITS },
};

/**
 * Lower bound of the makespan of any sync that starts at `startMs`.
 *
 * Every copy needs one `POST …/copy` on the **source**, and the source accepts at most
 * L = rateLimits.management management requests in any 1 s window, so the k-th copy
 * request (in time order, k from 1) is accepted no earlier than startMs + ⌊(k−1)/L⌋ s.
 * Copy k then takes its duration d (the emulator's own, from `operations(source)`:
 * completesDateTime − createdDateTime of the copy that succeeded). The latest finish
 * max_k(⌊(k−1)/L⌋ s + d_σ(k)) is smallest when the longest copies take the earliest
 * slots (exchange argument), so
 *
 *     LB = startMs + max_k ( ⌊(k−1)/L⌋ · 1 s + d_(k) ),   d_(1) ≥ d_(2) ≥ … (descending).
 *
 * It ignores everything else a sync must do (authorizations — N per target, spread over
 * R targets, while the source takes all N·R copy requests, so they never bind first;
 * noticing completion; verifying), so it can only be optimistic.
 */
export function lowerBoundMs(
  startMs: number,
  operations: readonly CopyOperationView[],
  managementPerSecond: number,
): { lowerBoundMs: number; durations: number[] } {
  const succeeded = operations.filter((op) => op.status === 'succeeded');
  const durations = succeeded.map((op) => Date.parse(op.completesDateTime) - Date.parse(op.createdDateTime));
  const bound = (ds: number[]): number => {
    const sorted = [...ds].sort((a, b) => b - a);
    let worst = 0;
    sorted.forEach((d, i) => {
      worst = Math.max(worst, Math.floor(i / managementPerSecond) * 1000 + d);
    });
    return worst;
  };
  return { lowerBoundMs: startMs + bound(durations), durations };
}
