/**
 * The browser tests' Chromium resolver (test/browser/chromium.ts): the order of the candidates
 * and a launch that fails with every reason instead of skipping. The real launches are in
 * test/browser/chromiumLaunch.test.ts.
 */
import {
  PACKAGED,
  SYSTEM_CHROMIUM_PATHS,
  chromiumCandidates,
  launchFirst,
  type ChromiumCandidate,
  type ResolverContext,
} from '../../test/browser/chromium';

const packaged = { version: '143.0.4', executable: () => Promise.resolve('/tmp/x/chromium') };

function ctx(over: Partial<ResolverContext> & { present?: string[] } = {}): ResolverContext {
  const present = new Set(over.present ?? []);
  return {
    env: {},
    platform: 'linux',
    arch: 'x64',
    exists: (p) => present.has(p),
    packaged,
    ...over,
  };
}

async function resolved(candidates: ChromiumCandidate[]): Promise<Array<[string, string]>> {
  return Promise.all(
    candidates.map(async (c): Promise<[string, string]> => [
      c.source,
      await c.executable().catch((e: Error) => `rejected: ${e.message}`),
    ]),
  );
}

describe('chromiumCandidates: the order', () => {
  test('Linux x64 without CHROMIUM_PATH: the packaged Chromium first, then each system Chromium present', async () => {
    expect(
      await resolved(chromiumCandidates(ctx({ present: ['/usr/bin/chromium', '/usr/bin/google-chrome'] }))),
    ).toEqual([
      [`${PACKAGED} 143.0.4`, '/tmp/x/chromium'],
      ['system', '/usr/bin/chromium'],
      ['system', '/usr/bin/google-chrome'],
    ]);
  });

  test('no system Chromium: the system candidate says which paths it looked at', async () => {
    const r = await resolved(chromiumCandidates(ctx()));
    expect(r[1]).toEqual(['system', `rejected: none of ${SYSTEM_CHROMIUM_PATHS.join(', ')} exists`]);
  });

  test('CHROMIUM_PATH is the only candidate, and a missing one is named, not replaced by another browser', async () => {
    const present = ['/usr/bin/chromium', '/opt/chrome'];
    expect(await resolved(chromiumCandidates(ctx({ env: { CHROMIUM_PATH: '/opt/chrome' }, present })))).toEqual([
      ['CHROMIUM_PATH', '/opt/chrome'],
    ]);
    expect(await resolved(chromiumCandidates(ctx({ env: { CHROMIUM_PATH: '/nope/chromium' }, present })))).toEqual([
      ['CHROMIUM_PATH', 'rejected: CHROMIUM_PATH names /nope/chromium, which does not exist'],
    ]);
  });

  test('the packaged binary is Linux x64 only: elsewhere it says so and the system Chromium follows', async () => {
    expect(
      await resolved(chromiumCandidates(ctx({ platform: 'darwin', arch: 'arm64', present: ['/usr/bin/chromium'] }))),
    ).toEqual([
      [`${PACKAGED} 143.0.4`, 'rejected: it ships a Linux x64 binary only; this is darwin/arm64'],
      ['system', '/usr/bin/chromium'],
    ]);
  });

  test('the package not installed: said, and the system Chromium follows', async () => {
    expect(
      await resolved(
        chromiumCandidates(
          ctx({ packaged: { missing: 'not installed (run `npm ci`)' }, present: ['/usr/bin/chromium'] }),
        ),
      ),
    ).toEqual([
      [PACKAGED, 'rejected: not installed (run `npm ci`)'],
      ['system', '/usr/bin/chromium'],
    ]);
  });
});

describe('launchFirst: falls back, and fails with every reason', () => {
  const candidate = (source: string, exe: string | Error): ChromiumCandidate => ({
    source,
    executable: () => (exe instanceof Error ? Promise.reject(exe) : Promise.resolve(exe)),
  });

  test('the first candidate that launches wins; earlier failures are passed over', async () => {
    const tried: string[] = [];
    const launched = await launchFirst(
      [candidate('packaged', '/tmp/broken'), candidate('system', '/usr/bin/chromium')],
      (exe) => {
        tried.push(exe);
        return exe === '/tmp/broken' ? Promise.reject(new Error('spawn EACCES')) : Promise.resolve({ exe });
      },
    );
    expect(tried).toEqual(['/tmp/broken', '/usr/bin/chromium']);
    expect(launched).toEqual({
      browser: { exe: '/usr/bin/chromium' },
      source: 'system',
      executablePath: '/usr/bin/chromium',
    });
  });

  test('none starts: the error names each candidate, its reason and what to do', async () => {
    const launch = jest.fn((exe: string) => Promise.reject(new Error(`Failed to launch ${exe}\nlong log`)));
    await expect(
      launchFirst(
        [
          candidate(`${PACKAGED} 143.0.4`, new Error('it ships a Linux x64 binary only; this is darwin/arm64')),
          candidate('system', '/usr/bin/chromium'),
        ],
        launch,
      ),
    ).rejects.toThrow(
      [
        'No headless Chromium could start for the browser tests:',
        `  - ${PACKAGED} 143.0.4: it ships a Linux x64 binary only; this is darwin/arm64`,
        '  - system (/usr/bin/chromium): Failed to launch /usr/bin/chromium long log',
        'Run `npm ci` (it installs @sparticuz/chromium), install Chromium, or set CHROMIUM_PATH to a Chromium executable.',
      ].join('\n'),
    );
    expect(launch).toHaveBeenCalledTimes(1);
  });
});
