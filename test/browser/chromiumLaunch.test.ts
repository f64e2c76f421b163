/**
 * The browser tests' Chromium, really launched: on a machine with nothing but `npm ci`, the
 * packaged @sparticuz/chromium starts and renders a page; concurrent first launches share one
 * complete copy; a Chromium that cannot start fails with its reason.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchChromiumFrom } from './browserSupport';
import { PACKAGED, chromiumCandidates, defaultCandidates, installedPackage, packagedExecutable } from './chromium';

jest.setTimeout(180_000);

let tmp = '';
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-launch-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function installed(): { entry: string; version: string } {
  const pkg = installedPackage();
  if ('missing' in pkg) throw new Error(`${PACKAGED}: ${pkg.missing}`);
  return pkg;
}

test('this machine: the default candidates launch a Chromium that renders a page (the packaged one on Linux x64)', async () => {
  const { browser, source } = await launchChromiumFrom(defaultCandidates());
  try {
    const page = await browser.newPage();
    await page.setContent('<h1 id="t">dashboard ✓</h1>');
    expect(await page.textContent('#t')).toBe('dashboard ✓');
  } finally {
    await browser.close();
  }
  if (process.env.CHROMIUM_PATH) expect(source).toBe('CHROMIUM_PATH');
  else if (process.platform === 'linux' && process.arch === 'x64')
    expect(source).toBe(`${PACKAGED} ${installed().version}`);
});

test('two first launches at once decompress privately and share one complete copy', async () => {
  const { entry, version } = installed();
  const [a, b] = await Promise.all([packagedExecutable(entry, version, tmp), packagedExecutable(entry, version, tmp)]);
  expect(a).toBe(b);
  expect(path.dirname(a)).toBe(path.join(tmp, `ai-model-dr-chromium-${version}-${process.getuid?.() ?? 'user'}`));
  // No staging directory is left behind, and the copy is complete: it launches.
  expect(fs.readdirSync(tmp)).toEqual([path.basename(path.dirname(a))]);
  const { browser, executablePath } = await launchChromiumFrom([{ source: 'test', executable: async () => a }]);
  expect(executablePath).toBe(a);
  await browser.close();
});

test('a directory planted under the shared temp dir (writable by others) is refused, not run', async () => {
  const { entry, version } = installed();
  const other = fs.mkdtempSync(path.join(tmp, 'planted-'));
  const dir = path.join(other, `ai-model-dr-chromium-${version}-${process.getuid?.() ?? 'user'}`);
  fs.mkdirSync(dir);
  fs.chmodSync(dir, 0o777);
  await expect(packagedExecutable(entry, version, other)).rejects.toThrow(/writable by others: remove it/);
});

test('a Chromium that cannot start: the launch fails with the candidate and its reason', async () => {
  const notABrowser = path.join(tmp, 'not-a-browser');
  fs.writeFileSync(notABrowser, '#!/bin/sh\necho "this is no browser" >&2\nexit 3\n', { mode: 0o755 });
  const candidates = chromiumCandidates({
    env: { CHROMIUM_PATH: notABrowser },
    platform: process.platform,
    arch: process.arch,
    exists: (p) => fs.existsSync(p),
    packaged: { missing: 'unused' },
  });
  const failure = await launchChromiumFrom(candidates).then(
    () => new Error('launched'),
    (e: Error) => e,
  );
  expect(failure.message).toContain('No headless Chromium could start for the browser tests:');
  expect(failure.message).toContain(`  - CHROMIUM_PATH (${notABrowser}): `);
  // The browser's own stderr is part of the reason.
  expect(failure.message).toContain('this is no browser');
  expect(failure.message).toMatch(/set CHROMIUM_PATH/);
});
