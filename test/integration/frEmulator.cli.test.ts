/**
 * `npm run emulate` as a process: prints one JSON line per resource, serves, exits cleanly on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = resolve(__dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const CLI = join(ROOT, 'dev/emulators/formRecognizer/cli.ts');

interface Line {
  name: string;
  region: string;
  endpoint: string;
  key: string;
  resourceId: string;
  encrypted: boolean;
}

async function runUntilLines(
  args: string[],
  count: number,
): Promise<{ lines: Line[]; stop: () => Promise<number | null> }> {
  const child = spawn(TSX, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Line[] = [];
  const rl = createInterface({ input: child.stdout });
  for await (const line of rl) {
    lines.push(JSON.parse(line) as Line);
    if (lines.length === count) break;
  }
  return {
    lines,
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}

describe('npm run emulate', () => {
  it('serves the default resources and stops cleanly on SIGTERM', async () => {
    const { lines, stop } = await runUntilLines([], 3);
    try {
      expect(lines.map((l) => [l.region, l.encrypted])).toEqual([
        ['westus2', false],
        ['eastus', false],
        ['westeurope', false],
      ]);
      expect(Object.keys(lines[0]!)).toEqual(['name', 'region', 'endpoint', 'key', 'resourceId', 'encrypted']);
      const res = await fetch(`${lines[0]!.endpoint}/formrecognizer/v2.1/custom/models?op=summary`, {
        headers: { 'Ocp-Apim-Subscription-Key': lines[0]!.key },
      });
      expect(((await res.json()) as { summary: { count: number } }).summary.count).toBe(6);
    } finally {
      expect(await stop()).toBe(0);
    }
  });

  it('takes --resources FILE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fr-emu-'));
    const file = join(dir, 'resources.json');
    writeFileSync(file, JSON.stringify([{ name: 'only', region: 'northeurope', key: 'fixed-key', encrypted: true }]));
    const { lines, stop } = await runUntilLines(['--resources', file], 1);
    try {
      expect(lines[0]).toMatchObject({ name: 'only', region: 'northeurope', key: 'fixed-key', encrypted: true });
    } finally {
      expect(await stop()).toBe(0);
    }
  });

  it('exits 2 naming the problem for an invalid resources file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fr-emu-'));
    const file = join(dir, 'resources.json');
    writeFileSync(file, JSON.stringify([{ name: 'x', region: 'west europe' }]));
    const child = spawn(TSX, [CLI, '--resources', file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(stderr).toMatch(/--resources: resources\[0\]\.region must be an Azure region name/);
  });
});
