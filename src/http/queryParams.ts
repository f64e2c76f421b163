/**
 * Query parameters of the read routes: unknown ones are refused, each is given at most once, and
 * a value quoted in a problem is cut to 40 characters without splitting a surrogate pair (`code`,
 * the function key, is the host's and always allowed).
 */

/** A value as quoted in a problem: JSON-quoted, at most 40 characters (code points), `…` marking a cut. */
export function shown(v: string): string {
  const chars = Array.from(v);
  return JSON.stringify(chars.length > 40 ? `${chars.slice(0, 40).join('')}…` : v);
}

/** Adds a problem per parameter name not in `allowed` (besides `code`). */
export function unknownParams(query: URLSearchParams, allowed: readonly string[], problems: string[]): void {
  for (const name of new Set(query.keys()))
    if (name !== 'code' && !allowed.includes(name))
      problems.push(`${shown(name)}: unknown parameter (allowed: ${allowed.join(', ')})`);
}

/** The parameter's value (the first); a problem when it is given more than once. */
export function once(query: URLSearchParams, name: string, problems: string[]): string | undefined {
  const all = query.getAll(name);
  if (all.length > 1) problems.push(`${name}: given ${all.length} times, at most once`);
  return all[0];
}
