/** URL and name rules shared by the setting groups. */

export interface ParsedUrl {
  url: string;
  origin: string;
  hostname: string;
  path: string;
}

/**
 * An https URL (http only for loopback hosts), without credentials, query or
 * fragment; `allowPath: false` also rejects a path. Returns the normalized URL without
 * trailing slash, or a problem description that quotes only the scheme, host and path.
 */
export function parseServiceUrl(value: string, opts: { allowPath: boolean }): ParsedUrl | string {
  const u = tryUrl(value);
  if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:'))
    return 'is not an http(s) URL (value not shown), e.g. "https://<name>.cognitiveservices.azure.com"';
  const shown = `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  if (u.username || u.password) return `must not carry credentials (user:password@) in the URL (${shown})`;
  if (u.search || value.includes('?')) return `must not have a query string (${shown})`;
  if (u.hash) return `must not have a fragment (${shown})`;
  if (u.protocol === 'http:' && !isLoopback(u.hostname))
    return `must use https (${shown}); http is allowed only for loopback hosts`;
  const path = u.pathname.replace(/\/+$/, '');
  if (!opts.allowPath && path !== '')
    return `must be the resource endpoint without a path (${shown}), e.g. "${u.protocol}//${u.host}"`;
  return { url: `${u.protocol}//${u.host}${path}`, origin: `${u.protocol}//${u.host}`, hostname: u.hostname, path };
}

export function tryUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** Blob container and queue names share the rules: 3–63 characters, lower-case letters, digits and single hyphens. */
export function containerNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return '3–63 characters';
  if (!/^[a-z0-9-]+$/.test(name)) return 'only lower-case letters, digits and hyphens';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'must start and end with a letter or digit';
  if (name.includes('--')) return 'no consecutive hyphens';
  return undefined;
}
