/**
 * Names of exported model blobs. Only the storage integration guide states the name
 * `{projectId} - {iterationId}.{platform}`; no real example confirms the spacing, the GUID
 * format, a `.zip` or a flavor suffix, and Custom Vision's own export copies are named
 * `m-{projectId without dashes}/{iterationId without dashes}.TensorFlow.zip`. So a name is
 * accepted when it *identifies* a project and an iteration in any of those forms:
 *
 * - `{projectId} - {iterationId}.{suffix}` (also `{p}-{i}`, `{p}_{i}`, `{p} {i}`, `{p}/{i}`),
 * - `m-{projectId}/{iterationId}.{suffix}`,
 *
 * with GUIDs in any case, with or without dashes, and any suffix (`ONNX`, `TensorFlow.zip`,
 * `ONNX.ONNX12.zip`, …). The suffix is *not* trusted for the platform or flavor: those come
 * from GetExports. {@link backupBlobName} is the app's own, per-flavor name in the backup
 * container; {@link findExportBlobs} lists a container by prefix for every form.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { exportLabel } from './flavors';

const HEX32 = /^[0-9a-f]{32}$/;

/** A GUID with or without dashes, any case → 32 lower-case hex digits; undefined otherwise. */
export function compactGuid(text: string): string | undefined {
  const t = text.toLowerCase();
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(t)) return t.replace(/-/g, '');
  return HEX32.test(t) ? t : undefined;
}

/** 32 hex digits → the dashed lower-case form. */
export function dashedGuid(compact: string): string {
  const c = compact.toLowerCase();
  return `${c.slice(0, 8)}-${c.slice(8, 12)}-${c.slice(12, 16)}-${c.slice(16, 20)}-${c.slice(20, 32)}`;
}

/** True when two GUIDs are the same, ignoring case and dashes. */
export function sameGuid(a: string, b: string): boolean {
  const x = compactGuid(a);
  return x !== undefined && x === compactGuid(b);
}

export type BlobNameForm = 'documented' | 'customVisionCopy';

export interface ParsedExportBlobName {
  /** Dashed, lower case. */
  projectId: string;
  /** Dashed, lower case. */
  iterationId: string;
  /** Everything after the iteration id and its dot (`ONNX`, `TensorFlow.zip`, …); informative only. */
  suffix: string;
  form: BlobNameForm;
}

const GUID = '([0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12})';
const DOCUMENTED = new RegExp(`^${GUID}(?: - | -|- |-|_| |/)${GUID}\\.([A-Za-z0-9._-]{1,80})$`);
const CV_COPY = new RegExp(`^m-${GUID}/${GUID}\\.([A-Za-z0-9._-]{1,80})$`, 'i');
const MAX_NAME = 1024;

/** Parses any accepted form; undefined when the name does not identify a project and an iteration. */
export function parseExportBlobName(name: string): ParsedExportBlobName | undefined {
  if (typeof name !== 'string' || name.length > MAX_NAME) return undefined;
  for (const [re, form] of [
    [CV_COPY, 'customVisionCopy'],
    [DOCUMENTED, 'documented'],
  ] as const) {
    const m = re.exec(name);
    if (!m) continue;
    const p = compactGuid(m[1] as string);
    const i = compactGuid(m[2] as string);
    // Mixed dash use inside one GUID (`abcd1234-5678...` with some dashes missing) is not a GUID.
    if (!p || !i) continue;
    return { projectId: dashedGuid(p), iterationId: dashedGuid(i), suffix: m[3] as string, form };
  }
  return undefined;
}

/** True when `name` (any accepted form) belongs to this project and iteration. */
export function blobNameMatches(name: string, projectId: string, iterationId: string): boolean {
  const p = parseExportBlobName(name);
  return p !== undefined && sameGuid(p.projectId, projectId) && sameGuid(p.iterationId, iterationId);
}

/**
 * The app's own name for a backup in the backup container: the documented form plus the
 * flavor, so two flavors of one platform get two blobs:
 * `{projectId} - {iterationId}.{platform}` or `{projectId} - {iterationId}.{platform}.{flavor}`.
 */
export function backupBlobName(projectId: string, iterationId: string, platform: string, flavor?: string): string {
  return `${projectId.toLowerCase()} - ${iterationId.toLowerCase()}.${exportLabel({ platform, flavor })}`;
}

/**
 * The listing prefixes that cover every accepted form for one project and iteration
 * (listing is case-sensitive, so both cases of each form).
 */
export function exportBlobPrefixes(projectId: string, iterationId: string): string[] {
  const p = compactGuid(projectId);
  const i = compactGuid(iterationId);
  if (!p || !i) return [];
  const out = new Set<string>();
  for (const pf of [dashedGuid(p), p]) {
    for (const c of [pf, pf.toUpperCase()]) out.add(c); // documented: `{p}…`, then filter
  }
  out.add(`m-${p}/`);
  out.add(`m-${p.toUpperCase()}/`);
  out.add(`m-${dashedGuid(p)}/`);
  return [...out];
}

export interface ExportBlobListing {
  name: string;
  /** Epoch ms (0 when storage did not say). */
  lastModified: number;
  sizeBytes: number;
}

/**
 * Every blob in `container` whose name identifies this project and iteration (any accepted
 * form, ids compared case-insensitively with or without dashes), sorted, without duplicates.
 * Storage errors propagate (the caller classifies them).
 */
export async function findExportBlobs(
  container: ContainerClient,
  projectId: string,
  iterationId: string,
): Promise<ExportBlobListing[]> {
  const found = new Map<string, ExportBlobListing>();
  for (const prefix of exportBlobPrefixes(projectId, iterationId)) {
    for await (const item of container.listBlobsFlat({ prefix })) {
      if (!found.has(item.name) && blobNameMatches(item.name, projectId, iterationId))
        found.set(item.name, {
          name: item.name,
          lastModified: item.properties.lastModified?.getTime() ?? 0,
          sizeBytes: item.properties.contentLength ?? 0,
        });
    }
  }
  return [...found.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
