/**
 * Which Chromium the browser tests launch, in order, and why each one that did not start did not:
 *
 * 1. `CHROMIUM_PATH`, when set: that executable and nothing else (an explicit choice is never
 *    silently replaced by another browser).
 * 2. The headless Chromium of the `@sparticuz/chromium` dev dependency (installed by `npm ci` from
 *    the npm registry; its brotli-compressed Linux x64 binary ships inside the package, nothing is
 *    downloaded). It is decompressed once into a per-user directory under the system temp dir.
 * 3. A system Chromium (Debian's `chromium`, or Chrome) at its usual paths.
 *
 * When none starts, the launch fails with every candidate and its reason: the browser tests then
 * fail, never skip.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export const SYSTEM_CHROMIUM_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
];

export const PACKAGED = '@sparticuz/chromium';

export interface ChromiumCandidate {
  /** Where it comes from: `CHROMIUM_PATH`, `@sparticuz/chromium <version>` or `system`. */
  source: string;
  /** The executable (may decompress it first), or a rejection saying why this candidate has none. */
  executable(): Promise<string>;
}

export interface ResolverContext {
  env: Readonly<Record<string, string | undefined>>;
  platform: NodeJS.Platform;
  arch: string;
  exists(file: string): boolean;
  /** The packaged browser's version and a function that makes its executable ready. */
  packaged: { version: string; executable(): Promise<string> } | { missing: string };
}

const rejectWith = (reason: string) => (): Promise<string> => Promise.reject(new Error(reason));

/** The candidates in the order they are tried (pure: everything it looks at is in `ctx`). */
export function chromiumCandidates(ctx: ResolverContext): ChromiumCandidate[] {
  const explicit = ctx.env.CHROMIUM_PATH;
  if (explicit !== undefined && explicit !== '')
    return [
      {
        source: 'CHROMIUM_PATH',
        executable: ctx.exists(explicit)
          ? () => Promise.resolve(explicit)
          : rejectWith(`CHROMIUM_PATH names ${explicit}, which does not exist`),
      },
    ];
  const out: ChromiumCandidate[] = [];
  const packaged = ctx.packaged;
  if ('missing' in packaged) out.push({ source: PACKAGED, executable: rejectWith(packaged.missing) });
  else
    out.push({
      source: `${PACKAGED} ${packaged.version}`,
      executable:
        ctx.platform === 'linux' && ctx.arch === 'x64'
          ? () => packaged.executable()
          : rejectWith(`it ships a Linux x64 binary only; this is ${ctx.platform}/${ctx.arch}`),
    });
  const system = SYSTEM_CHROMIUM_PATHS.filter((p) => ctx.exists(p));
  if (system.length === 0)
    out.push({
      source: 'system',
      executable: rejectWith(`none of ${SYSTEM_CHROMIUM_PATHS.join(', ')} exists`),
    });
  for (const p of system) out.push({ source: 'system', executable: () => Promise.resolve(p) });
  return out;
}

export interface Launched<B> {
  browser: B;
  source: string;
  executablePath: string;
}

/**
 * Launches the first candidate that starts. Fails, naming every candidate and why it did not
 * start, when none does.
 */
export async function launchFirst<B>(
  candidates: readonly ChromiumCandidate[],
  launch: (executablePath: string) => Promise<B>,
): Promise<Launched<B>> {
  const reasons: string[] = [];
  for (const c of candidates) {
    let executablePath: string;
    try {
      executablePath = await c.executable();
    } catch (e) {
      reasons.push(`${c.source}: ${message(e)}`);
      continue;
    }
    try {
      return { browser: await launch(executablePath), source: c.source, executablePath };
    } catch (e) {
      reasons.push(`${c.source} (${executablePath}): ${message(e)}`);
    }
  }
  throw new Error(
    [
      'No headless Chromium could start for the browser tests:',
      ...reasons.map((r) => `  - ${r}`),
      `Run \`npm ci\` (it installs ${PACKAGED}), install Chromium, or set CHROMIUM_PATH to a Chromium executable.`,
    ].join('\n'),
  );
}

/** The reason on one line, bounded: a launch failure's first lines carry the browser's own stderr. */
const message = (e: unknown): string =>
  (e instanceof Error ? e.message : String(e))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^=+/.test(l) && !/^<launch/.test(l))
    .slice(0, 6)
    .join(' ')
    .slice(0, 600);

// ---------------------------------------------------------------------------------------------
// The packaged browser, made ready once per user and package version, safely under concurrency.

/** The installed @sparticuz/chromium: its entry point and version, or why there is none. */
export function installedPackage(): { entry: string; version: string } | { missing: string } {
  let entry: string;
  try {
    entry = require.resolve(PACKAGED);
  } catch {
    return { missing: 'not installed (run `npm ci`)' };
  }
  // Its exports map hides package.json: walk up from the entry point.
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!fs.existsSync(file)) continue;
    const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
    if (pkg.name === PACKAGED && typeof pkg.version === 'string') return { entry, version: pkg.version };
  }
  return { missing: `no package.json above ${entry}` };
}

/** A directory we own and nobody else can write to (a directory planted in a shared temp dir is refused). */
function ownedDirectory(dir: string): boolean {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
  } catch {
    return false;
  }
  if (!st.isDirectory()) throw new Error(`${dir} exists and is not a directory`);
  const uid = process.getuid?.();
  if ((uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0)
    throw new Error(`${dir} is not owned by this user or is writable by others: remove it`);
  return true;
}

/**
 * The packaged Chromium's executable, decompressed into `<tmp>/ai-model-dr-chromium-<version>-<uid>/`.
 *
 * The package decompresses into `os.tmpdir()` and treats an existing file as done, so two jest
 * workers starting at once could launch a half-written binary. Here each process decompresses into
 * a private staging directory (a child process with TMPDIR pointing at it) and renames it into
 * place: rename is atomic, so the directory is either absent or complete; a process that loses
 * the race discards its copy and uses the winner's.
 */
export async function packagedExecutable(entry: string, version: string, tmp: string = os.tmpdir()): Promise<string> {
  const dir = path.join(tmp, `ai-model-dr-chromium-${version}-${process.getuid?.() ?? 'user'}`);
  const executable = path.join(dir, 'chromium');
  const ready = (): boolean => ownedDirectory(dir) && fs.existsSync(executable);
  if (ready()) return executable;
  const staging = await fs.promises.mkdtemp(`${dir}.staging-`);
  try {
    const script =
      'const c = require(process.argv[1]); (c.default ?? c).executablePath().then(' +
      '(p) => process.stdout.write(p), (e) => { console.error(e); process.exit(1); });';
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, entry], {
      env: { ...process.env, TMPDIR: staging, TMP: staging, TEMP: staging },
      timeout: 180_000,
    });
    if (stdout !== path.join(staging, 'chromium'))
      throw new Error(`decompressing ${PACKAGED} gave ${JSON.stringify(stdout)}, not ${staging}/chromium`);
    try {
      await fs.promises.rename(staging, dir);
    } catch (e) {
      // Another process renamed its copy first: use that one.
      const code = (e as NodeJS.ErrnoException).code;
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !ready()) throw e;
    }
  } finally {
    await fs.promises.rm(staging, { recursive: true, force: true });
  }
  if (!ready()) throw new Error(`${executable} is missing after decompression`);
  return executable;
}

/** The candidates for this machine. */
export function defaultCandidates(): ChromiumCandidate[] {
  const pkg = installedPackage();
  return chromiumCandidates({
    env: process.env,
    platform: process.platform,
    arch: process.arch,
    exists: (p) => fs.existsSync(p),
    packaged:
      'missing' in pkg ? pkg : { version: pkg.version, executable: () => packagedExecutable(pkg.entry, pkg.version) },
  });
}
