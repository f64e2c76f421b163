/**
 * The `modelUri` policy. A queue message is untrusted input: the app must never call a
 * URL just because a message named it. `modelUri` is accepted only when it points into
 * the configured backup container — same scheme, host, port (and, for path-style
 * URLs `http://127.0.0.1:10000/{account}/{container}/...`, the same account path
 * segment) and the same container — otherwise it is rejected as `foreignModelUri` and
 * never fetched. The app reads the blob with its own identity, so any query string
 * (a SAS) is dropped: locations kept in records never carry a secret.
 *
 * Schemes: `https` always; `http` only when the host is a loopback address.
 * URL style: path-style `/{account}/{container}` on loopback and IP-address hosts,
 * virtual-host style `{account}.blob.../{container}` everywhere else.
 */

/** A parsed container URL (from `CV_BACKUP_CONTAINER_URL` / `CV_REPLICA_CONTAINER_URL`). */
export interface ContainerRef {
  /** `https:` or (loopback only) `http:`. */
  protocol: string;
  /** Lower-case host name, as the WHATWG URL parser normalizes it (IPv6 in brackets). */
  hostname: string;
  /** Explicit port, '' for the scheme's default. */
  port: string;
  /** Path-style URLs (loopback and IP-address hosts): the account path segment; undefined for `{account}.blob...` hosts. */
  accountSegment?: string;
  container: string;
  /** The container URL without query or fragment. */
  url: string;
}

/** A blob inside a configured container, with no SAS. */
export interface BlobLocation {
  /** `{container url}/{encoded blob name}`, no query, no fragment. */
  url: string;
  containerUrl: string;
  /** Decoded blob name, e.g. `{projectId} - {iterationId}.ONNX`. */
  blobName: string;
}

export interface ModelUriPolicy {
  readonly backup: ContainerRef;
  readonly replica?: ContainerRef;
}

export type ModelUriCheck = { ok: true; location: BlobLocation } | { ok: false; message: string };

export const MAX_URI_LENGTH = 4096;

/** 127.0.0.0/8, `localhost`, `::1`. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === 'localhost' || h === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The URL without its query and fragment (where a SAS lives). Text that is not a URL yields ''. */
export function blobLocationWithoutSas(uri: string): string {
  let u: URL;
  try {
    u = new URL(uri.trim());
  } catch {
    return '';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return '';
  return `${u.protocol}//${u.host}${u.pathname}`;
}

function segments(pathname: string): string[] {
  return pathname.split('/').slice(1);
}

function decodeSegment(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/**
 * Parses a configured container URL. Throws an Error naming `settingName` when it is not
 * an https (or loopback http) URL of exactly one container.
 */
export function parseContainerUrl(url: string, settingName = 'container URL'): ContainerRef {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    throw new Error(`${settingName} is not a URL`);
  }
  if (u.username || u.password) throw new Error(`${settingName} must not contain credentials`);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopbackHost(u.hostname)))
    throw new Error(`${settingName} must be https (http is allowed only for loopback hosts), got ${u.protocol}`);
  const segs = segments(u.pathname).filter((s, i, all) => s !== '' || i < all.length - 1);
  // Path-style (`/{account}/{container}`) on loopback and IP hosts, virtual-host style otherwise.
  const pathStyle =
    isLoopbackHost(u.hostname) || /^\d{1,3}(\.\d{1,3}){3}$/.test(u.hostname) || u.hostname.startsWith('[');
  const expected = pathStyle ? 2 : 1;
  if (segs.length !== expected || segs.some((s) => s === ''))
    throw new Error(
      `${settingName} must name exactly one container (${pathStyle ? '/{account}/{container}' : '/{container}'}), got path ${u.pathname}`,
    );
  const container = decodeSegment(segs[expected - 1] as string);
  if (!container || (!/^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/.test(container) && container !== '$root'))
    throw new Error(`${settingName}: '${segs[expected - 1]}' is not a valid container name`);
  const ref: ContainerRef = {
    protocol: u.protocol,
    hostname: u.hostname.toLowerCase(),
    port: u.port,
    container,
    url: `${u.protocol}//${u.host}/${segs.join('/')}`,
  };
  if (pathStyle) ref.accountSegment = segs[0] as string;
  return ref;
}

export function createModelUriPolicy(opts: {
  backupContainerUrl: string;
  replicaContainerUrl?: string;
}): ModelUriPolicy {
  const backup = parseContainerUrl(opts.backupContainerUrl, 'CV_BACKUP_CONTAINER_URL');
  if (opts.replicaContainerUrl === undefined || opts.replicaContainerUrl.trim() === '') return { backup };
  return { backup, replica: parseContainerUrl(opts.replicaContainerUrl, 'CV_REPLICA_CONTAINER_URL') };
}

function sameAccount(u: URL, segs: readonly string[], c: ContainerRef): boolean {
  if (u.protocol !== c.protocol || u.hostname.toLowerCase() !== c.hostname || u.port !== c.port) return false;
  if (c.accountSegment === undefined) return true;
  return segs[0] !== undefined && decodeSegment(segs[0])?.toLowerCase() === c.accountSegment.toLowerCase();
}

/** Applies the policy to a `modelUri`. The message names `modelUri` and never contains the query. */
export function checkModelUri(uri: string, policy: ModelUriPolicy): ModelUriCheck {
  const fail = (why: string): ModelUriCheck => ({ ok: false, message: `Content.modelUri ${why}` });
  if (uri.length > MAX_URI_LENGTH) return fail(`is longer than ${MAX_URI_LENGTH} characters`);
  let u: URL;
  try {
    u = new URL(uri.trim());
  } catch {
    return fail('is not an absolute URL');
  }
  const shown = blobLocationWithoutSas(uri) || u.protocol;
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    return fail(`has scheme ${u.protocol}; only https is accepted`);
  if (u.protocol === 'http:' && !isLoopbackHost(u.hostname))
    return fail(`(${shown}) uses http on a non-loopback host; only https is accepted`);
  if (u.username || u.password) return fail('contains credentials');
  const segs = segments(u.pathname);
  const accounts = [policy.backup, ...(policy.replica ? [policy.replica] : [])];
  if (!accounts.some((c) => sameAccount(u, segs, c))) return fail(`(${shown}) is not in a configured storage account`);
  const b = policy.backup;
  if (!sameAccount(u, segs, b)) return fail(`(${shown}) is not in the backup container`);
  const rest = b.accountSegment === undefined ? segs : segs.slice(1);
  const container = rest[0] !== undefined ? decodeSegment(rest[0]) : undefined;
  if (container !== b.container) return fail(`(${shown}) is not in the backup container`);
  const encodedName = rest.slice(1).join('/');
  const blobName = decodeSegment(encodedName);
  if (!blobName) return fail(`(${shown}) does not name a blob`);
  return { ok: true, location: { url: `${b.url}/${encodedName}`, containerUrl: b.url, blobName } };
}
