/**
 * host.json per durable backend, and the azd package hook that picks one (scripts/package-host-json.mjs),
 * run for real in a scratch folder.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './deployment';

type Json = Record<string, unknown>;
const readJson = (path: string): Json => JSON.parse(readFileSync(path, 'utf8')) as Json;
const durableTask = (host: Json): Json => (host.extensions as Json).durableTask as Json;

const SCRIPT = join(ROOT, 'scripts/package-host-json.mjs');
const AZURE_STORAGE_HOST = readFileSync(join(ROOT, 'host.json'), 'utf8');
const DTS_HOST = readFileSync(join(ROOT, 'host.dts.json'), 'utf8');

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hostjson-'));
  copyFileSync(join(ROOT, 'host.json'), join(dir, 'host.json'));
  copyFileSync(join(ROOT, 'host.dts.json'), join(dir, 'host.dts.json'));
  return dir;
}

function hook(dir: string, action: string, backend?: string): { status: number | null; out: string } {
  const env = { ...process.env };
  delete env.DURABLE_BACKEND;
  if (backend !== undefined) env.DURABLE_BACKEND = backend;
  const r = spawnSync(process.execPath, [SCRIPT, action], { cwd: dir, env, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('host.json per durable backend', () => {
  test('Azure Storage (host.json): no storageProvider, so the default Azure Storage provider; hub %DR_TASK_HUB%', () => {
    const host = readJson(join(ROOT, 'host.json'));
    expect(durableTask(host).storageProvider).toBeUndefined();
    expect(durableTask(host).hubName).toBe('%DR_TASK_HUB%');
  });

  test('Durable Task Scheduler (host.dts.json): host.json plus storageProvider azureManaged, nothing else', () => {
    const azureStorage = readJson(join(ROOT, 'host.json'));
    const dts = readJson(join(ROOT, 'host.dts.json'));
    expect(durableTask(dts).storageProvider).toEqual({
      type: 'azureManaged',
      connectionStringName: 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING',
    });
    // The same hub name: the scheduler's task hub is created with the name DR_TASK_HUB holds.
    expect(durableTask(dts).hubName).toBe('%DR_TASK_HUB%');
    const withoutProvider = structuredClone(dts);
    delete durableTask(withoutProvider).storageProvider;
    expect(withoutProvider).toEqual(azureStorage);
  });

  test('the connection string setting host.dts.json names is the one the Bicep writes', () => {
    const api = readFileSync(join(ROOT, 'infra/app/api.bicep'), 'utf8');
    expect(api).toMatch(/^\s+DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'Endpoint=\$\{/m);
  });
});

describe('package hook (scripts/package-host-json.mjs)', () => {
  let dir: string;
  beforeEach(() => {
    dir = scratch();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const host = (): string => readFileSync(join(dir, 'host.json'), 'utf8');

  test('dts: host.dts.json goes into the package as host.json; restore puts the original back', () => {
    expect(hook(dir, 'apply', 'dts').status).toBe(0);
    expect(host()).toBe(DTS_HOST);
    // Applying twice (a retried `azd package`) must not lose the original.
    expect(hook(dir, 'apply', 'dts').status).toBe(0);
    expect(hook(dir, 'restore').status).toBe(0);
    expect(host()).toBe(AZURE_STORAGE_HOST);
    expect(existsSync(join(dir, '.host.json.azurestorage'))).toBe(false);
  });

  test('azureStorage or unset: host.json is left as it is', () => {
    for (const backend of [undefined, '', 'azureStorage']) {
      expect(hook(dir, 'apply', backend).status).toBe(0);
      expect(host()).toBe(AZURE_STORAGE_HOST);
    }
  });

  test('switching back to azureStorage after a dts package that was not restored restores host.json', () => {
    hook(dir, 'apply', 'dts');
    expect(hook(dir, 'apply', 'azureStorage').status).toBe(0);
    expect(host()).toBe(AZURE_STORAGE_HOST);
  });

  test('an unknown backend stops packaging and changes nothing', () => {
    const r = hook(dir, 'apply', 'netherite');
    expect(r.status).toBe(2);
    expect(r.out).toMatch(/DURABLE_BACKEND "netherite" is not one of azureStorage, dts/);
    expect(host()).toBe(AZURE_STORAGE_HOST);
  });

  test('restore without a backup is a no-op', () => {
    writeFileSync(join(dir, 'host.json'), AZURE_STORAGE_HOST);
    expect(hook(dir, 'restore').status).toBe(0);
    expect(host()).toBe(AZURE_STORAGE_HOST);
  });
});

describe('azure.yaml', () => {
  const yaml = readFileSync(join(ROOT, 'azure.yaml'), 'utf8');
  test('service api: TypeScript on Functions, built locally (Flex Consumption has no remote build)', () => {
    expect(yaml).toMatch(/^services:\n {2}api:\n/m);
    expect(yaml).toMatch(/^ {4}language: ts$/m);
    expect(yaml).toMatch(/^ {4}host: function$/m);
    expect(yaml).toMatch(/^ {4}remoteBuild: false$/m);
  });
  test('prepackage builds, picks host.json and prunes dev dependencies; postpackage restores', () => {
    const pre = /prepackage:\n\s+posix:\n\s+shell: sh\n\s+run: (.+)\n/.exec(yaml)?.[1];
    expect(pre).toBe('npm ci && npm run build && node scripts/package-host-json.mjs apply && npm prune --omit=dev');
    const post = /postpackage:\n\s+posix:\n\s+shell: sh\n\s+run: (.+)\n/.exec(yaml)?.[1];
    expect(post).toBe('node scripts/package-host-json.mjs restore && npm ci');
    expect(yaml).toMatch(/windows:\n\s+shell: pwsh\n\s+run: npm ci; if \(\$\?\) \{ npm run build \}/);
  });
});
