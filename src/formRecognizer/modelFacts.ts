/**
 * Pure decisions from a model's own fields (no I/O, deterministic: safe in an activity or
 * an orchestrator). See docs/v4.md, "What a listing says about a model".
 *
 * - {@link copyability}: can this listed model be copied with the configured API version?
 *   A v3/v4 listing also holds v2-era models (`apiVersion` "2.0"/"2.1"), some expired
 *   (recorded listings in Azure/azure-sdk-assets): those are reported, never tried.
 * - {@link referencedComponents}: what a v4 composed model needs in the target under the same
 *   ids — its `docTypes[*].modelId` components and its `classifierId` (2024-11-30 spec).
 */
import type { ModelInfo } from './types';

export type NotCopyableReason = 'prebuilt' | 'invalid' | 'createdWithV2' | 'expired';

export type Copyability = { copyable: true } | { copyable: false; reason: NotCopyableReason; message: string };

/** The fields {@link copyability} reads (a ModelInfo has them all). */
export type CopyabilityInput = Pick<ModelInfo, 'modelId' | 'status'> &
  Partial<Pick<ModelInfo, 'prebuilt' | 'apiVersion' | 'expirationDateTime'>>;

const V2_FAMILY = /^v?2\.\d/i;

/** True for an API version string of the v2 family (`v2.0`, `v2.1`, `2.0`, `2.1`, `v2.0-preview`). */
export function isV2ApiVersion(apiVersion: string): boolean {
  return V2_FAMILY.test(apiVersion.trim());
}

/**
 * Decides whether `model` can be copied by a client configured for `apiVersion` at `nowMs`.
 * Not copyable, with the reason: a prebuilt model; an `invalid` one; (v3/v4) one created with
 * the v2 API (its `apiVersion` is "2.0"/"2.1" — the v3/v4 copy cannot take it; copy it with
 * `DR_API_VERSION=v2.1`); one whose `expirationDateTime` has passed (the service no longer
 * serves it). An unparseable `expirationDateTime` is not taken as expired.
 */
export function copyability(model: CopyabilityInput, apiVersion: string, nowMs: number): Copyability {
  const id = model.modelId;
  if (model.prebuilt === true || id.toLowerCase().startsWith('prebuilt-'))
    return { copyable: false, reason: 'prebuilt', message: `${id} is a prebuilt model: never copied` };
  if (model.status === 'invalid')
    return { copyable: false, reason: 'invalid', message: `${id} is invalid in the source: it cannot be copied` };
  if (!isV2ApiVersion(apiVersion) && model.apiVersion !== undefined && isV2ApiVersion(model.apiVersion)) {
    return {
      copyable: false,
      reason: 'createdWithV2',
      message:
        `${id} was created with API version ${model.apiVersion}; the ${apiVersion} copy API cannot copy it ` +
        `(copy it with DR_API_VERSION=v2.1, or rebuild it with ${apiVersion})`,
    };
  }
  if (model.expirationDateTime !== undefined) {
    const expires = Date.parse(model.expirationDateTime);
    if (Number.isFinite(expires) && expires <= nowMs) {
      return {
        copyable: false,
        reason: 'expired',
        message: `${id} expired at ${model.expirationDateTime}: the service no longer serves it, so it cannot be copied`,
      };
    }
  }
  return { copyable: true };
}

export interface ComponentRef {
  kind: 'model' | 'classifier';
  id: string;
}

/**
 * The ids a v4 composed model references, which must exist in the target under the same ids
 * for its copy to be usable: every distinct `docTypes[*].modelId` (in first-seen order), then
 * its `classifierId`. Empty for a plain model. Self-references are ignored.
 */
export function referencedComponents(
  model: Pick<ModelInfo, 'modelId'> & Partial<Pick<ModelInfo, 'componentModelIds' | 'classifierId'>>,
): ComponentRef[] {
  const out: ComponentRef[] = [];
  const seen = new Set<string>();
  for (const id of model.componentModelIds ?? []) {
    if (id === '' || id === model.modelId || seen.has(id)) continue;
    seen.add(id);
    out.push({ kind: 'model', id });
  }
  if (model.classifierId !== undefined && model.classifierId !== '')
    out.push({ kind: 'classifier', id: model.classifierId });
  return out;
}

/**
 * The components of `model` that are NOT present in the target under their ids, given the
 * target's item ids (`present(kind, id)`; for the planner, "present" means verified there
 * this run or by a recorded verification — a failed, burned or fallback-id component is not).
 */
export function missingComponents(
  model: Parameters<typeof referencedComponents>[0],
  present: (ref: ComponentRef) => boolean,
): ComponentRef[] {
  return referencedComponents(model).filter((c) => !present(c));
}
