/** Small type-guard helpers for validating documents read from storage. */
export type Guard<T> = (value: unknown) => value is T;

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
export const isString = (v: unknown): v is string => typeof v === 'string';
export const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
export const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
export const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
export const isIsoDate = (v: unknown): v is string =>
  typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) && Number.isFinite(Date.parse(v));
export const optional =
  <T>(guard: Guard<T>): Guard<T | undefined> =>
  (v: unknown): v is T | undefined =>
    v === undefined || guard(v);
export const oneOf =
  <T extends string>(values: readonly T[]): Guard<T> =>
  (v: unknown): v is T =>
    typeof v === 'string' && (values as readonly string[]).includes(v);
export const arrayOf =
  <T>(guard: Guard<T>): Guard<T[]> =>
  (v: unknown): v is T[] =>
    Array.isArray(v) && v.every((x) => guard(x));

/** Checks an object's fields against guards; unknown fields are allowed (forward-compatible within a version). */
export function hasShape<T>(v: unknown, shape: { [K in keyof T]-?: Guard<T[K]> }): v is T {
  if (!isRecord(v)) return false;
  return (Object.keys(shape) as (keyof T & string)[]).every((k) => shape[k](v[k]));
}
