/**
 * The Functions package holds only what runs in Azure: .funcignore applied to the project tree
 * (tracked files, the build output and the artifacts a developer's tree typically has) leaves
 * dist/src/**.js, host.json, package.json, package-lock.json and production node_modules.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './deployment';
import { isIgnored, parseIgnore } from './funcignore';

const rules = parseIgnore(readFileSync(join(ROOT, '.funcignore'), 'utf8'));

const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f !== '');
/** What `npm run build` (tsconfig.build.json: src/ only, rootDir ".") writes. */
const buildOutput = tracked
  .filter((f) => f.startsWith('src/') && f.endsWith('.ts'))
  .flatMap((f) => [`dist/${f.replace(/\.ts$/, '.js')}`, `dist/${f.replace(/\.ts$/, '.js.map')}`]);
/** Untracked things a developer's tree has (.gitignore lists most of them). */
const localArtifacts = [
  'local.settings.json',
  '.azure/dr-test/.env',
  '.azure/config.json',
  '.host.json.azurestorage',
  '.vscode/settings.json',
  'coverage/lcov.info',
  'dist/test/unit/settings.test.js',
  'dist/dev/local.js',
  'dist/bench/run.js',
  '__azurite_db_blob__.json',
  '__blobstorage__/abc',
  '__queuestorage__/abc',
  '.azurite/db.json',
  'npm-debug.log',
];
const ALLOWED = (f: string): boolean =>
  ['host.json', 'package.json', 'package-lock.json'].includes(f) || /^dist\/src\/.+\.js$/.test(f);

describe('.funcignore', () => {
  test('the matcher follows gitignore rules (anchoring, directories, negation)', () => {
    const r = parseIgnore('/src/\n*.md\nlogs/\n!keep.md\n');
    expect(isIgnored(r, 'src/a.ts')).toBe(true);
    expect(isIgnored(r, 'node_modules/x/src/index.js')).toBe(false);
    expect(isIgnored(r, 'node_modules/x/README.md')).toBe(true);
    expect(isIgnored(r, 'keep.md')).toBe(false);
    expect(isIgnored(r, 'a/logs/x')).toBe(true);
    expect(isIgnored(r, 'logs')).toBe(false); // a file named logs, not the directory
  });

  test('outside node_modules the package holds only the compiled app, host.json and the package manifests', () => {
    const candidates = [...tracked, ...buildOutput, ...localArtifacts];
    const included = candidates.filter((f) => !f.startsWith('node_modules/') && !isIgnored(rules, f));
    expect(included.filter((f) => !ALLOWED(f))).toEqual([]);
    for (const needed of ['host.json', 'package.json', 'package-lock.json', 'dist/src/functions/index.js'])
      expect(included).toContain(needed);
    // Every compiled source file is in (nothing the app imports is dropped).
    expect(included.filter((f) => f.startsWith('dist/src/')).length).toBe(buildOutput.length / 2);
    // Nothing dev-only: no sources, tests, emulators, benchmarks, docs, infra, host.dts.json or local settings.
    for (const devOnly of ['src/', 'test/', 'dev/', 'bench/', 'docs/', 'infra/', 'scripts/', 'dist/test/', 'dist/dev/'])
      expect(included.filter((f) => f.startsWith(devOnly))).toEqual([]);
    expect(included).not.toContain('host.dts.json');
    expect(included).not.toContain('local.settings.json');
  });

  test('node_modules: every production dependency is kept, and no dev dependency is left by the hook', () => {
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
    };
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      main: string;
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const prod = Object.entries(lock.packages).filter(
      ([k, v]) => k.startsWith('node_modules/') && !v.dev && !v.devOptional,
    );
    expect(prod.length).toBeGreaterThan(0);
    for (const name of Object.keys(pkg.dependencies)) expect(prod.map(([k]) => k)).toContain(`node_modules/${name}`);
    for (const [dir] of prod) {
      if (dir.startsWith('node_modules/@types/')) continue; // type declarations: not needed at run time
      const manifest = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as { main?: string };
      expect({ dir, ignored: isIgnored(rules, `${dir}/package.json`) }).toEqual({ dir, ignored: false });
      if (manifest.main && /\.(c|m)?js$/.test(manifest.main))
        expect({
          dir,
          main: manifest.main,
          ignored: isIgnored(rules, join(dir, manifest.main).split('\\').join('/')),
        }).toMatchObject({
          ignored: false,
        });
    }
    // `npm prune --omit=dev` (the prepackage hook) removes exactly what the lock marks dev-only;
    // each direct dev dependency is one of those unless a production package needs it too.
    const prodNames = new Set(prod.map(([k]) => k));
    const devInPackage = Object.keys(pkg.devDependencies).filter((d) => prodNames.has(`node_modules/${d}`));
    expect(devInPackage).toEqual(['@types/node']);
    expect(isIgnored(rules, 'node_modules/@types/node/index.d.ts')).toBe(true);
    // package.json "main" points into the package.
    expect(isIgnored(rules, pkg.main.replace('*', 'index'))).toBe(false);
  });
});
