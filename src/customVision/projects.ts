/**
 * Custom Vision project copy (ExportProject / ImportProject, Training API v3.3): the shapes
 * the client returns and the export token, a secret. Facts and sources: docs/custom-vision.md
 * ("Project DR").
 */
import { REDACTED } from './errors';
import { isGuid } from './notifications';

/** What an export says it "will" carry, and what the app reads back from an imported project. */
export interface ProjectCounts {
  iterations: number;
  images: number;
  tags: number;
  regions: number;
}

/** GetProject's fields the project copy uses. `status` is open-ended: unknown text means "not done yet". */
export interface ProjectInfo {
  id: string;
  name: string;
  description: string;
  /** `Succeeded`, `Importing`, `Failed`, or other text. */
  status: string;
  drModeEnabled: boolean;
}

/**
 * ExportProject's `token`: it "grants access to import this project to all that have the token"
 * (in public it was a read-only blob SAS URL valid about a day). It serializes, prints and
 * inspects as `[redacted]`; only {@link reveal} gives it, for the ImportProject call made in
 * the same activity.
 */
export class ProjectExportToken {
  readonly #token: string;
  constructor(token: string) {
    this.#token = token;
  }
  reveal(): string {
    return this.#token;
  }
  toJSON(): string {
    return REDACTED;
  }
  toString(): string {
    return REDACTED;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `ProjectExportToken(${REDACTED})`;
  }
}

export interface ProjectExport {
  counts: ProjectCounts;
  estimatedImportTimeMs: number;
  token: ProjectExportToken;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

export function toProjectInfo(v: unknown): ProjectInfo | undefined {
  if (!isRecord(v) || !isGuid(v.id)) return undefined;
  return {
    id: v.id.toLowerCase(),
    name: typeof v.name === 'string' ? v.name.slice(0, 1000) : '',
    description: typeof v.description === 'string' ? v.description.slice(0, 2000) : '',
    // v3.3 documents `status` on imported projects; a project made in place may omit it.
    status: typeof v.status === 'string' ? v.status.slice(0, 40) : 'Succeeded',
    drModeEnabled: v.drModeEnabled === true,
  };
}

/** Bounded: a token longer than 8 KB is not one the app will send in a query string. */
const MAX_TOKEN_LENGTH = 8192;

export function toProjectExport(v: unknown): ProjectExport | undefined {
  if (!isRecord(v)) return undefined;
  const { iterationCount, imageCount, tagCount, regionCount, estimatedImportTimeInMS, token } = v;
  if (![iterationCount, imageCount, tagCount, regionCount].every(isCount)) return undefined;
  if (typeof token !== 'string' || token === '' || token.length > MAX_TOKEN_LENGTH) return undefined;
  const est = isCount(estimatedImportTimeInMS) ? estimatedImportTimeInMS : 0;
  return {
    counts: {
      iterations: iterationCount as number,
      images: imageCount as number,
      tags: tagCount as number,
      regions: regionCount as number,
    },
    estimatedImportTimeMs: est,
    token: new ProjectExportToken(token),
  };
}
