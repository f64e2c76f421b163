/**
 * The identity of what the app copies, in one place: the **item id** (a model, or a classifier
 * written `classifier:<id>`) and the **pair** (an item and one target region). Every map, cache,
 * ledger key and report that names an item or a pair builds it here, so one pair is never
 * spelled two ways (`${region}\n${id}` in one module, `${id}\u0000${region}` in another).
 *
 * Pure and deterministic (no Node built-ins, no I/O): orchestrators import it.
 *
 * Item ids: a model is named by its model id; a classifier by `classifier:<classifierId>`.
 * Model and classifier ids match `^[a-zA-Z0-9][a-zA-Z0-9._~-]{1,63}$` (v3/v4) or are UUIDs (v2),
 * so `:` never occurs in one and the two namespaces cannot collide — in the ledger, in reports
 * and in instance ids. The stored and reported field keeps the historical name `sourceModelId`
 * (docs/architecture.md, glossary) and holds an item id.
 */

export const CLASSIFIER_PREFIX = 'classifier:';

export type ItemKind = 'model' | 'classifier';

/** The item id of a classifier. */
export function classifierItemId(classifierId: string): string {
  return `${CLASSIFIER_PREFIX}${classifierId}`;
}

/** The item id of a model or a classifier, by kind. */
export function itemIdOf(kind: ItemKind, id: string): string {
  return kind === 'classifier' ? classifierItemId(id) : id;
}

/** The kind of an item id and the id the service knows it by. */
export function parseItemId(itemId: string): { kind: ItemKind; id: string } {
  return itemId.startsWith(CLASSIFIER_PREFIX)
    ? { kind: 'classifier', id: itemId.slice(CLASSIFIER_PREFIX.length) }
    : { kind: 'model', id: itemId };
}

/** A pair as the stored records and reports name it. */
export interface PairIdentity {
  /** The item id (historical field name, see above). */
  sourceModelId: string;
  region: string;
}

/**
 * The in-memory key of a pair, for maps and sets. NUL never occurs in an item id or a region
 * (both are validated where they enter), so the key is unambiguous and `parsePairKey` inverts it.
 * Not a ledger key: the ledger's blob names are built with `ledgerKey` (src/ledger/keys.ts)
 * from `pairSegments`.
 */
export type PairKey = string & { readonly __pairKey: unique symbol };

export function pairKey(itemId: string, region: string): PairKey {
  return `${itemId}\u0000${region}` as PairKey;
}

export function pairKeyOf(pair: PairIdentity): PairKey {
  return pairKey(pair.sourceModelId, pair.region);
}

export function parsePairKey(key: PairKey): PairIdentity {
  const i = key.indexOf('\u0000');
  return { sourceModelId: key.slice(0, i), region: key.slice(i + 1) };
}

/**
 * The segments a per-pair ledger document is stored under: `{prefix}/{itemId}/{region}`
 * (`replicas/…`, `drills/…`). Existing ledgers depend on this order: never change it.
 */
export function pairSegments(prefix: string, pair: PairIdentity): [string, string, string] {
  return [prefix, pair.sourceModelId, pair.region];
}

/**
 * A **lineage**: a model's identity across the members of the DR group — the member it was
 * born in (`origin`, a region) and its item id there. Each member holds at most one copy of a
 * lineage (docs/failover.md).
 */
export interface Lineage {
  origin: string;
  itemId: string;
}

/** Separates a non-home lineage's origin from its item id; never occurs in an item id nor a region. */
export const LINEAGE_SEPARATOR = '@';

/**
 * The key a lineage's replica records are stored under (the records' `sourceModelId`): the item
 * id itself for a lineage born in the `home` member (the DR group's first primary, so every
 * ledger written before failover existed keeps its keys), `{origin}@{itemId}` for one born in
 * another member (e.g. trained there during an outage).
 */
export function lineageKey(lineage: Lineage, home: string): string {
  return lineage.origin === home ? lineage.itemId : `${lineage.origin}${LINEAGE_SEPARATOR}${lineage.itemId}`;
}

/** The lineage a key names (inverse of {@link lineageKey}). */
export function parseLineageKey(key: string, home: string): Lineage {
  const i = key.indexOf(LINEAGE_SEPARATOR);
  return i < 0 ? { origin: home, itemId: key } : { origin: key.slice(0, i), itemId: key.slice(i + 1) };
}

/** The segments every per-pair document of one item is listed under: `{prefix}/{itemId}` (a listing prefix). */
export function itemSegments(prefix: string, itemId: string): [string, string] {
  return [prefix, itemId];
}

/**
 * The segments of a per-call document of a pair within a run, grouped by region for the
 * region's cleanup: `{prefix}/{region}/{runId}/{itemId}/{call}` (`copy-intents/…`).
 */
export function regionRunPairSegments(
  prefix: string,
  runId: string,
  pair: PairIdentity,
  call: string,
): [string, string, string, string, string] {
  return [prefix, pair.region, runId, pair.sourceModelId, call];
}

/**
 * The in-memory key of a pair within one run (per-run caches: held authorizations, failure
 * counts, pacing slots). Built on `pairKey`, so it never spells the pair itself.
 */
export function runPairKey(runId: string, pair: PairIdentity): string {
  return `${runId}\u0000${pairKeyOf(pair)}`;
}
