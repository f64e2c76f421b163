import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * The determinism fence around orchestrators is a lint rule set; this checks the fence
 * itself, so a config change that silently drops it fails a test.
 */
describe('orchestrator determinism fence (eslint.config.mjs)', () => {
  const root = path.join(__dirname, '..', '..');
  const orchestratorFile = path.join(root, 'src', 'orchestrators', 'copyModel.ts');
  const activityFile = path.join(root, 'src', 'activities', 'replication', 'copy.ts');
  const contractsFile = path.join(root, 'src', 'customVisionBackup', 'contracts.ts');
  const cases: Array<{ code: string; filePath: string }> = [];
  let results: string[][] | undefined;

  /** Registers a snippet; all snippets are linted in one ESLint process (typed linting starts slowly). */
  function lint(code: string, filePath: string): () => string[] {
    const index = cases.push({ code, filePath }) - 1;
    return () => {
      results ??= runLint();
      return results[index];
    };
  }

  function runLint(): string[][] {
    const r = spawnSync(process.execPath, [path.join(__dirname, '..', 'support', 'lintCases.cjs'), root], {
      input: JSON.stringify(cases),
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (r.status !== 0) throw new Error(`eslint failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as string[][];
  }

  const refused = [
    ["import * as fs from 'fs';\nexport const x = fs;", 'no-restricted-imports'],
    ["import { readFileSync } from 'node:fs';\nexport const x = readFileSync;", 'no-restricted-imports'],
    [
      "import { BlobServiceClient } from '@azure/storage-blob';\nexport const x = BlobServiceClient;",
      'no-restricted-imports',
    ],
    ["import { getServices } from '../activities/services';\nexport const x = getServices;", 'no-restricted-imports'],
    [
      "import { FormRecognizerV2Client } from '../formRecognizer';\nexport const x = FormRecognizerV2Client;",
      'no-restricted-imports',
    ],
    [
      "import { CustomVisionBackup } from '../customVision';\nexport const x = CustomVisionBackup;",
      'no-restricted-imports',
    ],
    [
      "import { CustomVisionTrainingClient } from '../customVision/trainingClient';\nexport const x = CustomVisionTrainingClient;",
      'no-restricted-imports',
    ],
    ['export const t = Date.now();', 'no-restricted-syntax'],
    ['export const t = new Date();', 'no-restricted-syntax'],
    ['export const r = Math.random();', 'no-restricted-syntax'],
    ['export const s = setTimeout(() => undefined, 1);', 'no-restricted-globals'],
    ['export const e = process.env.X;', 'no-restricted-globals'],
  ].map(([code, rule]) => [code, rule, lint(code, orchestratorFile)] as const);
  const typeOnly = lint(
    "import type { CopyApi } from '../formRecognizer';\nexport type C = CopyApi;\nexport const d = new Date(0);\n",
    orchestratorFile,
  );
  // The one pure Custom Vision module an orchestrator may use at run time (export order, name comparison).
  const flavorsAllowed = lint(
    "import { nextExports, sameName } from '../customVision/flavors';\nexport const x = [nextExports, sameName];\n",
    orchestratorFile,
  );
  const activityClock = lint('export const t = Date.now();\n', activityFile);
  const activityImportsOrchestrator = lint(
    "import { copyModelOrchestrator } from '../../orchestrators/copyModel';\nexport const o = copyModelOrchestrator;\n",
    activityFile,
  );
  const contractsClock = lint('export const t = Date.now();\n', contractsFile);
  const floating = lint('async function f(): Promise<void> {}\nexport function g(): void { f(); }\n', activityFile);

  it.each(refused)('refuses %p in an orchestrator', (_code, rule, result) => {
    expect(result().join('\n')).toContain(rule);
  });

  it('allows type-only imports of clients and a fixed date in an orchestrator', () => {
    expect(typeOnly()).toEqual([]);
  });

  it('allows the pure src/customVision/flavors.ts (nextExports, sameName) in an orchestrator, nothing else of Custom Vision', () => {
    expect(flavorsAllowed()).toEqual([]);
  });

  it('does not fence activities', () => {
    expect(activityClock().filter((m) => m.startsWith('no-restricted'))).toEqual([]);
  });

  it('refuses an orchestrator import in an activity (shared shapes live in contracts modules)', () => {
    expect(activityImportsOrchestrator().join('\n')).toContain('no-restricted-imports');
  });

  it('fences the contracts and registries that orchestrators import', () => {
    expect(contractsClock().join('\n')).toContain('no-restricted-syntax');
  });

  it('flags floating promises everywhere', () => {
    expect(floating().join('\n')).toContain('no-floating-promises');
  });
});
