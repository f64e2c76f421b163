/** v3.1 / v4 routing: `{ep}/{formrecognizer|documentintelligence}/…?api-version=…` → a call kind. */
import type { Collection } from './documentDetails';
import type { ApiVersion, CallKind, DocumentApiVersion } from './types';

export interface DocumentRoute {
  call: CallKind;
  collection: Collection | 'operations' | 'info';
  version: DocumentApiVersion;
  prefix: 'formrecognizer' | 'documentintelligence';
  id?: string;
}

const PREFIX_OF: Record<DocumentApiVersion, DocumentRoute['prefix']> = {
  '2023-07-31': 'formrecognizer',
  '2024-11-30': 'documentintelligence',
};

/** Matches a v3.1/v4 request, or undefined (then the v2 router is tried). */
export function matchDocumentRoute(
  method: string,
  url: URL,
  served: readonly ApiVersion[],
): DocumentRoute | 'unserved' | undefined {
  const m =
    /^\/(formrecognizer|documentintelligence)\/(documentModels|documentClassifiers|operations|info)(?::(authorizeCopy))?(?:\/(.+))?$/i.exec(
      url.pathname.replace(/\/+$/, ''),
    );
  if (!m) return undefined;
  const version = url.searchParams.get('api-version') as DocumentApiVersion | null;
  const prefix = (m[1] ?? '').toLowerCase() as DocumentRoute['prefix'];
  if (version === null || PREFIX_OF[version] !== prefix || !served.includes(version)) return 'unserved';
  const collection = (m[2] ?? '').toLowerCase();
  const action = m[3];
  let rest: string | undefined;
  try {
    rest = m[4] === undefined ? undefined : decodeURIComponent(m[4]);
  } catch {
    return 'unserved';
  }
  const base = { version, prefix };
  if (collection === 'info')
    return action || rest !== undefined || method !== 'GET'
      ? 'unserved'
      : { ...base, call: 'summary', collection: 'info' };
  if (collection === 'operations')
    return !action && rest !== undefined && !rest.includes('/') && method === 'GET'
      ? { ...base, call: 'copyResult', collection: 'operations', id: rest }
      : 'unserved';
  const coll: Collection = collection === 'documentmodels' ? 'documentModels' : 'documentClassifiers';
  const classifierCopy = coll === 'documentClassifiers' && version === '2023-07-31';
  if (action)
    return rest === undefined && method === 'POST' && !classifierCopy
      ? { ...base, call: 'authorize', collection: coll }
      : 'unserved';
  if (rest === undefined) return method === 'GET' ? { ...base, call: 'list', collection: coll } : 'unserved';
  if (rest.includes('/')) return 'unserved';
  const colon = rest.lastIndexOf(':');
  if (colon > 0) {
    return rest.slice(colon + 1).toLowerCase() === 'copyto' && method === 'POST' && !classifierCopy
      ? { ...base, call: 'copy', collection: coll, id: rest.slice(0, colon) }
      : 'unserved';
  }
  if (method === 'GET') return { ...base, call: 'getModel', collection: coll, id: rest };
  if (method === 'DELETE') return { ...base, call: 'deleteModel', collection: coll, id: rest };
  return 'unserved';
}

export function documentUrl(endpoint: string, route: { prefix: string; version: string }, path: string): string {
  return `${endpoint}/${route.prefix}${path}?api-version=${route.version}`;
}
