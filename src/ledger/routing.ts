/**
 * The routing document (docs/failover.md): for every lineage, the member a client calls now
 * and the alternates. Published on every switch and every run that changed a mapping; a client
 * reads it with its own identity. Endpoints and model ids only: no key, token or SAS (the
 * store's secret guard checks every write).
 *
 * Blob: `routing/current.json` (the ETag changes with every publication; `version` counts them).
 */
import type { ContainerClient } from '@azure/storage-blob';
import type { CvDrProjectRoute } from '../health/customVisionDr';
import { DocumentStore, type DocumentStoreOptions, type DocumentType } from './documentStore';
import { arrayOf, hasShape, isCount, isIsoDate, isNonEmptyString, isRecord, optional } from './guards';

export interface RouteTarget {
  region: string;
  endpoint: string;
  /** The model's id in that member (v2.1 ids differ per member). */
  modelId: string;
  /** `origin`: the lineage's original; `ready`: a verified copy; else the replica state (`failed`, `inProgress`, `unverified`). */
  state: string;
  lastVerifiedAt?: string;
  lastDrill?: { at: string; outcome: string };
}

export interface ModelRoute {
  /** The lineage key (src/common/pairs.ts). */
  lineage: string;
  origin: string;
  originModelId: string;
  name?: string;
  /** The member to call now (absent: no member holds a usable copy). */
  now?: RouteTarget;
  alternates: RouteTarget[];
}

export interface RoutingDocument {
  /** Increases with every publication. */
  version: number;
  /** The primary's epoch (switches so far). */
  epoch: number;
  primary: string;
  publishedAt: string;
  /** Why it was published: `switch:<failover id>` or `run:<run id>`. */
  cause: string;
  models: ModelRoute[];
  /**
   * Custom Vision project DR (when configured): per project, per DR region, the prediction
   * endpoint, DR project id and publish name to call. Absent when `CV_DR_TARGETS` is empty.
   */
  customVisionProjects?: CvDrProjectRoute[];
}

const isModelRoute = (v: unknown): v is ModelRoute =>
  isRecord(v) && isNonEmptyString(v.lineage) && isNonEmptyString(v.origin) && Array.isArray(v.alternates);

const isCvProjectRoute = (v: unknown): v is CvDrProjectRoute =>
  isRecord(v) && isNonEmptyString(v.projectId) && Array.isArray(v.replicas);

export const isRoutingDocument = (v: unknown): v is RoutingDocument =>
  hasShape<RoutingDocument>(v, {
    version: isCount,
    epoch: isCount,
    primary: isNonEmptyString,
    publishedAt: isIsoDate,
    cause: isNonEmptyString,
    models: arrayOf(isModelRoute),
    customVisionProjects: optional(arrayOf(isCvProjectRoute)),
  });

export const ROUTING_DOCUMENT: DocumentType<RoutingDocument> = {
  kind: 'routing',
  schemaVersion: 1,
  isData: isRoutingDocument,
};

export class RoutingRepository {
  static readonly KEY = 'routing/current.json';
  readonly store: DocumentStore<RoutingDocument>;

  constructor(container: ContainerClient, options: DocumentStoreOptions = {}) {
    this.store = new DocumentStore(container, ROUTING_DOCUMENT, options);
  }

  async get(): Promise<{ document: RoutingDocument; etag: string } | undefined> {
    const d = await this.store.get(RoutingRepository.KEY);
    return d ? { document: d.value, etag: d.etag } : undefined;
  }

  /** Publishes `next` (its `version` is set to the stored one + 1); returns the ETag. */
  async publish(next: Omit<RoutingDocument, 'version'>): Promise<{ etag: string; version: number }> {
    const r = await this.store.update(RoutingRepository.KEY, (current) => ({
      ...next,
      version: (current?.version ?? 0) + 1,
    }));
    if (!r.value || !r.etag) throw new Error('the routing document was not written');
    return { etag: r.etag, version: r.value.version };
  }
}
