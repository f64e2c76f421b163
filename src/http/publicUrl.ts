/**
 * The app's own absolute URLs (a run's `statusUrl` and `Location`) are built from the host name
 * the platform configures — `WEBSITE_HOSTNAME`, which Azure App Service sets to the app's
 * default host name (`<app>.azurewebsites.net`; the local host sets it to its own address) —
 * never from the request's `Host` header, which the caller chooses. Without a usable
 * `WEBSITE_HOSTNAME` the URLs are relative (`/api/...`), which `Location` allows (RFC 9110 §10.2.2).
 */
import { isLoopback } from '../config/urls';

const HOST_NAME =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV6 = /^\[[0-9A-Fa-f:.]+\]$/;

/**
 * `https://<WEBSITE_HOSTNAME>` (`http://` for a loopback host: the local host), or undefined
 * when it is unset, not a host name with an optional port, or the wildcard `0.0.0.0`.
 */
export function publicOrigin(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const value = env.WEBSITE_HOSTNAME?.trim();
  if (!value) return undefined;
  const m = /^(.+?)(?::(\d{1,5}))?$/.exec(value);
  if (!m) return undefined;
  const [, host, port] = m;
  if (!(HOST_NAME.test(host) || IPV6.test(host)) || host === '0.0.0.0' || host.length > 253) return undefined;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return undefined;
  const scheme = isLoopback(host.toLowerCase()) ? 'http' : 'https';
  return `${scheme}://${host.toLowerCase()}${port !== undefined ? `:${port}` : ''}`;
}
