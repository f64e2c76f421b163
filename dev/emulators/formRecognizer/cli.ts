/**
 * `npm run emulate` — serves emulated Form Recognizer resources on loopback until SIGINT/SIGTERM.
 * Prints one JSON object per resource per line: {"name","region","endpoint","key","resourceId","encrypted"}.
 *
 *   --resources FILE    JSON array of {name, region, key?, port?, encrypted?, models?} (default: a seeded
 *                       westus2 source and empty eastus / westeurope targets)
 *   --rate-limits       S0 limits (5 management, 50 GET, 10 list TPS per resource)
 *   --copy-seconds N    how long a copy takes (default 4)
 *   --host HOST         interface to bind (default 127.0.0.1)
 *   --api-version V     serve only V: `2024-11-30` (Document Intelligence v4) or `2023-07-31` (v3.1) use
 *                       seeded v3.1/v4 resources (models, a classifier, a composed model); `v2.1` / `v2.0`
 *                       the v2 ones. Each printed line then also has "apiVersions".
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultDocumentResourceSpecs } from './documentSeed';
import { defaultResourceSpecs } from './seed';
import { startFormRecognizerEmulator, type FormRecognizerEmulatorOptions } from './server';
import { ResourceSpecError, validateResourceSpecs } from './specs';
import { ALL_API_VERSIONS, DOCUMENT_API_VERSIONS, type ApiVersion, type DocumentApiVersion } from './types';

export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

export function parseCliArgs(
  argv: string[],
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): FormRecognizerEmulatorOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        resources: { type: 'string' },
        'rate-limits': { type: 'boolean' },
        'copy-seconds': { type: 'string' },
        host: { type: 'string' },
        'api-version': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err));
  }
  const opts: FormRecognizerEmulatorOptions = {
    resources: defaultResourceSpecs(),
    rateLimits: values['rate-limits'] ?? false,
  };
  if (values.resources !== undefined) {
    let text: string;
    try {
      text = readFile(values.resources);
    } catch (err) {
      throw new CliError(
        `--resources: cannot read '${values.resources}': ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new CliError(
        `--resources: '${values.resources}' is not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    try {
      opts.resources = validateResourceSpecs(parsed);
    } catch (err) {
      if (err instanceof ResourceSpecError) throw new CliError(`--resources: ${err.message}`);
      throw err;
    }
  }
  if (values['copy-seconds'] !== undefined) {
    const s = Number(values['copy-seconds']);
    if (!Number.isFinite(s) || s < 0)
      throw new CliError(`--copy-seconds must be a number >= 0, got '${values['copy-seconds']}'`);
    opts.copyDurationMs = s * 1000;
  }
  if (values.host !== undefined) opts.host = values.host;
  const version = values['api-version'];
  if (version !== undefined) {
    const known: readonly string[] = [...ALL_API_VERSIONS, ...DOCUMENT_API_VERSIONS];
    if (!known.includes(version))
      throw new CliError(`--api-version must be one of ${known.join(', ')}, got '${version}'`);
    if (values.resources === undefined && (DOCUMENT_API_VERSIONS as readonly string[]).includes(version)) {
      opts.resources = defaultDocumentResourceSpecs(version as DocumentApiVersion);
    } else {
      opts.resources = opts.resources.map((r) => ({ ...r, apiVersions: [version as ApiVersion] }));
    }
  }
  return opts;
}

export async function main(argv: string[]): Promise<void> {
  let opts: FormRecognizerEmulatorOptions;
  try {
    opts = parseCliArgs(argv);
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`emulate: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
  const emulator = await startFormRecognizerEmulator(opts);
  for (const r of emulator.resources) {
    const line: Record<string, unknown> = {
      name: r.name,
      region: r.region,
      endpoint: r.endpoint,
      key: r.key,
      resourceId: r.resourceId,
      encrypted: r.encrypted,
    };
    const versions = opts.resources.find((s) => s.name === r.name)?.apiVersions;
    if (versions !== undefined) line.apiVersions = versions;
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
  const stop = (signal: NodeJS.Signals): void => {
    process.stderr.write(`emulate: ${signal}, stopping\n`);
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`emulate: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
