/**
 * Listings page through a resource's models in id order. Sorting every model for every page
 * made a listing of N models cost O(N² log N / page) in the emulator (at 5000 models a no-op
 * run spent seconds of the benchmark's CPU sorting): the order is kept per map instead, and
 * recomputed only when a key is added or removed.
 */
export class VersionedMap<K, V> extends Map<K, V> {
  /** Changes whenever the set of keys changes (not when a value is replaced). */
  version = 0;

  override set(key: K, value: V): this {
    if (!this.has(key)) this.version += 1;
    return super.set(key, value);
  }

  override delete(key: K): boolean {
    const deleted = super.delete(key);
    if (deleted) this.version += 1;
    return deleted;
  }

  override clear(): void {
    if (this.size > 0) this.version += 1;
    super.clear();
  }
}

const cache = new WeakMap<object, { version: number; keys: string[] }>();

/** The map's sort keys (`keyOf` of each value), ascending, cached until its keys change. */
export function sortedKeys<V>(map: VersionedMap<string, V>, keyOf: (value: V, key: string) => string): string[] {
  const hit = cache.get(map);
  if (hit && hit.version === map.version) return hit.keys;
  const keys = [...map.entries()].map(([k, v]) => keyOf(v, k)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  cache.set(map, { version: map.version, keys });
  return keys;
}

/** Index of the first key greater than `after` (binary search), 0 without `after`. */
export function firstAfter(keys: readonly string[], after: string | undefined): number {
  if (after === undefined) return 0;
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
