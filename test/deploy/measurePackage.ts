/**
 * Measures the Functions package: the files .funcignore keeps (see package.test.ts) with
 * node_modules reduced to the production dependencies (what `npm prune --omit=dev` in the azd
 * prepackage hook leaves), zipped with `zip -9`. Run after `npm run build`:
 *   npx tsx test/deploy/measurePackage.ts
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isIgnored, parseIgnore } from './funcignore';

const ROOT = join(__dirname, '..', '..');
const rules = parseIgnore(readFileSync(join(ROOT, '.funcignore'), 'utf8'));

function walk(dir: string, rel: string, out: string[], stopAtNodeModules: boolean): void {
  for (const name of readdirSync(join(dir, rel))) {
    const r = rel ? `${rel}/${name}` : name;
    if (r === '.git' || (stopAtNodeModules && name === 'node_modules')) continue;
    const s = statSync(join(dir, r));
    if (s.isDirectory()) walk(dir, r, out, stopAtNodeModules);
    else out.push(r);
  }
}

if (!existsSync(join(ROOT, 'dist/src/functions/index.js'))) throw new Error('run `npm run build` first');
const files: string[] = [];
walk(ROOT, '', files, true);
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
};
for (const [dir, v] of Object.entries(lock.packages)) {
  if (!dir.startsWith('node_modules/') || v.dev || v.devOptional || !existsSync(join(ROOT, dir))) continue;
  const inner: string[] = [];
  walk(join(ROOT, dir), '', inner, true);
  files.push(...inner.map((f) => `${dir}/${f}`));
}
const kept = files.filter((f) => !isIgnored(rules, f));
const stage = mkdtempSync(join(tmpdir(), 'funcpkg-'));
let bytes = 0;
let appBytes = 0;
for (const f of kept) {
  mkdirSync(dirname(join(stage, 'pkg', f)), { recursive: true });
  cpSync(join(ROOT, f), join(stage, 'pkg', f), { dereference: true });
  const size = statSync(join(ROOT, f)).size;
  bytes += size;
  if (!f.startsWith('node_modules/')) appBytes += size;
}
execFileSync('zip', ['-qr9', join(stage, 'package.zip'), '.'], { cwd: join(stage, 'pkg') });
const zipBytes = statSync(join(stage, 'package.zip')).size;
const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;
console.log(
  JSON.stringify(
    {
      files: kept.length,
      appFiles: kept.filter((f) => !f.startsWith('node_modules/')).length,
      uncompressed: mb(bytes),
      app: mb(appBytes),
      zip: mb(zipBytes),
      zipBytes,
    },
    null,
    2,
  ),
);
rmSync(stage, { recursive: true, force: true });
