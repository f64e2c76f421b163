/**
 * Export platforms and flavors the Training API accepts, parsed and compared
 * case-insensitively, kept in their canonical casing.
 *
 * The v3.3 specification's `flavor` enum (Linux, Windows, ONNX10, ONNX12, ARM,
 * TensorFlowNormal, TensorFlowLite) is smaller than what the service takes: the v3.4-preview
 * specification and the SDK session records add ONNXFloat16, CoreMLFloat16,
 * TensorFlowLiteFloat16, TensorFlowSavedModel, TensorFlowJs and NoPostProcess (OpenVino),
 * and the platform IVS. Both enums are `modelAsString` (open), so a value outside these lists
 * from the service is kept as text, never an exception; only values the app *sends* are
 * checked against the lists.
 *
 * Flavors of one platform land on the same blob name in the service's integrated container
 * (`{projectId} - {iterationId}.{platform}`), so they must be exported one after another:
 * {@link planExportSequence} orders them.
 */

export const EXPORT_PLATFORMS = ['CoreML', 'TensorFlow', 'DockerFile', 'ONNX', 'VAIDK', 'OpenVino', 'IVS'] as const;
export type ExportPlatform = (typeof EXPORT_PLATFORMS)[number];

export const EXPORT_FLAVORS = [
  'Linux',
  'Windows',
  'ARM',
  'ONNX10',
  'ONNX12',
  'ONNXFloat16',
  'CoreMLFloat16',
  'TensorFlowNormal',
  'TensorFlowLite',
  'TensorFlowLiteFloat16',
  'TensorFlowSavedModel',
  'TensorFlowJs',
  'NoPostProcess',
] as const;
export type ExportFlavor = (typeof EXPORT_FLAVORS)[number];

/** Which flavors belong to which platform (the service rejects other pairs). */
export const FLAVORS_BY_PLATFORM: Readonly<Record<ExportPlatform, readonly ExportFlavor[]>> = {
  CoreML: ['CoreMLFloat16'],
  TensorFlow: ['TensorFlowNormal', 'TensorFlowLite', 'TensorFlowLiteFloat16', 'TensorFlowSavedModel', 'TensorFlowJs'],
  DockerFile: ['Linux', 'Windows', 'ARM'],
  ONNX: ['ONNX10', 'ONNX12', 'ONNXFloat16'],
  VAIDK: [],
  OpenVino: ['NoPostProcess'],
  IVS: [],
};

/** The canonical platform for any casing (`onnx` → `ONNX`); undefined when unknown. */
export function parsePlatform(text: unknown): ExportPlatform | undefined {
  if (typeof text !== 'string') return undefined;
  const t = text.trim().toLowerCase();
  return EXPORT_PLATFORMS.find((p) => p.toLowerCase() === t);
}

/** The canonical flavor for any casing (`tensorflowlite` → `TensorFlowLite`); undefined when unknown. */
export function parseFlavor(text: unknown): ExportFlavor | undefined {
  if (typeof text !== 'string') return undefined;
  const t = text.trim().toLowerCase();
  return EXPORT_FLAVORS.find((f) => f.toLowerCase() === t);
}

/** True when `flavor` is one of `platform`'s flavors (case-insensitive). */
export function flavorFitsPlatform(platform: string, flavor: string): boolean {
  const p = parsePlatform(platform);
  const f = parseFlavor(flavor);
  return p !== undefined && f !== undefined && FLAVORS_BY_PLATFORM[p].includes(f);
}

/** Case-insensitive equality of two optional names (platform or flavor); '' and undefined are equal. */
export function sameName(a: string | null | undefined, b: string | null | undefined): boolean {
  return (a ?? '').toLowerCase() === (b ?? '').toLowerCase();
}

export interface ExportSpec {
  platform: ExportPlatform;
  flavor?: ExportFlavor;
}

/** `{platform}` or `{platform}.{flavor}`: the per-flavor part of backup names and ledger keys. */
export function exportLabel(spec: { platform: string; flavor?: string | undefined }): string {
  return spec.flavor ? `${spec.platform}.${spec.flavor}` : spec.platform;
}

export type ExportSpecCheck = { ok: true; specs: ExportSpec[] } | { ok: false; message: string };

/**
 * Validates a configured export list (e.g. `CV_EXPORT_PLATFORMS` parsed into pairs):
 * canonical casing, flavor belongs to its platform, no duplicate (case-insensitive), no platform
 * both without a flavor and with one.
 */
export function normalizeExportSpecs(
  input: readonly { platform: string; flavor?: string | undefined }[],
  settingName = 'CV_EXPORT_PLATFORMS',
): ExportSpecCheck {
  const out: ExportSpec[] = [];
  const seen = new Set<string>();
  for (const s of input) {
    const platform = parsePlatform(s.platform);
    if (!platform)
      return {
        ok: false,
        message: `${settingName}: '${String(s.platform).slice(0, 40)}' is not a platform (${EXPORT_PLATFORMS.join(', ')})`,
      };
    let flavor: ExportFlavor | undefined;
    if (s.flavor !== undefined && s.flavor !== '') {
      flavor = parseFlavor(s.flavor);
      if (!flavor || !FLAVORS_BY_PLATFORM[platform].includes(flavor))
        return {
          ok: false,
          message: `${settingName}: '${String(s.flavor).slice(0, 40)}' is not a flavor of ${platform} (${FLAVORS_BY_PLATFORM[platform].join(', ') || 'none'})`,
        };
    }
    const key = exportLabel({ platform, ...(flavor ? { flavor } : {}) }).toLowerCase();
    if (seen.has(key))
      return { ok: false, message: `${settingName}: ${exportLabel({ platform, flavor })} is listed twice` };
    seen.add(key);
    out.push(flavor ? { platform, flavor } : { platform });
  }
  // A platform without a flavor is exported in the service's default flavor: listed beside one of
  // its flavors, the two exports would be written to one blob, one over the other.
  for (const bare of out.filter((s) => !s.flavor)) {
    const flavored = out.find((s) => s.platform === bare.platform && s.flavor);
    if (flavored)
      return {
        ok: false,
        message: `${settingName}: ${bare.platform} is listed both without a flavor and as ${bare.platform}:${flavored.flavor}; both exports would be written to one blob: name each flavor you want (e.g. ${bare.platform}:${FLAVORS_BY_PLATFORM[bare.platform][0] ?? flavored.flavor},${bare.platform}:${flavored.flavor})`,
      };
  }
  return { ok: true, specs: out };
}

/**
 * The order in which to request exports: a list of rounds. Every round holds at most one
 * export per platform, so two flavors of one platform never run at the same time (they would
 * overwrite each other's blob `{projectId} - {iterationId}.{platform}` in the integrated
 * container). Round *n+1* of a platform may start only after round *n*'s blob of that platform
 * has been copied to its per-flavor backup name. Order inside a platform is the configured
 * order. Pure and deterministic (safe in an orchestrator).
 */
export function planExportSequence(specs: readonly ExportSpec[]): ExportSpec[][] {
  const byPlatform = new Map<string, ExportSpec[]>();
  for (const s of specs) {
    const k = s.platform.toLowerCase();
    const list = byPlatform.get(k) ?? [];
    if (!list.some((x) => sameName(x.flavor, s.flavor))) list.push(s);
    byPlatform.set(k, list);
  }
  const rounds: ExportSpec[][] = [];
  for (const list of byPlatform.values())
    list.forEach((s, i) => {
      (rounds[i] ??= []).push(s);
    });
  return rounds;
}

/**
 * The next exports to request for one iteration, given which are already backed up
 * (`done`, compared case-insensitively by platform and flavor): for every platform, its
 * first flavor not yet done — only if no earlier flavor of that platform is still pending.
 * The orchestrator calls it after each copy; an empty result with nothing pending means all done.
 */
export function nextExports(
  specs: readonly ExportSpec[],
  done: readonly { platform: string; flavor?: string | undefined }[],
): ExportSpec[] {
  const isDone = (s: ExportSpec): boolean =>
    done.some((d) => sameName(d.platform, s.platform) && sameName(d.flavor, s.flavor));
  const out: ExportSpec[] = [];
  const started = new Set<string>();
  for (const s of specs) {
    const k = s.platform.toLowerCase();
    if (started.has(k) || isDone(s)) continue;
    started.add(k);
    out.push(s);
  }
  return out;
}
