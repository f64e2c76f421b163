/**
 * infra/app/alerts.bicep: parses with tree-sitter-bicep (no ERROR / MISSING node), declares the
 * parameters the deployment passes, one action group and the seven rules with their severities,
 * and every event name and dimension its KQL mentions is a constant of src/telemetry/names.ts.
 * Also: host.json turns on Durable distributed tracing V2.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENTS, EVENT_DIMENSIONS, type EventName } from '../../src/telemetry/names';

const ROOT = join(__dirname, '..', '..');
const ALERTS = join(ROOT, 'infra', 'app', 'alerts.bicep');

interface Parsed {
  hasError: boolean;
  problems: { type: string; row: number }[];
  params: string[];
  resources: { name: string; type: string }[];
  strings: string[];
}

function parseBicep(...files: string[]): Record<string, Parsed> {
  const out = execFileSync(process.execPath, [join(ROOT, 'test', 'support', 'parseBicep.mjs'), ...files], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return JSON.parse(out) as Record<string, Parsed>;
}

let parsed: Parsed;
let broken: Parsed;
beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'modeldr-bicep-'));
  try {
    const brokenFile = join(dir, 'broken.bicep');
    // The same file with one closing brace lost: the parser must report it.
    writeFileSync(
      brokenFile,
      readFileSync(ALERTS, 'utf8').replace("groupShortName: 'modeldr'\n", "groupShortName: 'modeldr\n"),
    );
    const result = parseBicep(ALERTS, brokenFile);
    parsed = result[ALERTS];
    broken = result[brokenFile];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const EVENT_NAMES = new Set<string>(Object.values(EVENTS));
const queries = (): string[] => parsed.strings.filter((s) => /^\s*customEvents\b/.test(s));

test('parses without ERROR or MISSING nodes (and the check does catch a broken file)', () => {
  expect(parsed.problems).toEqual([]);
  expect(parsed.hasError).toBe(false);
  expect(broken.hasError).toBe(true);
});

test('parameters: App Insights id and name, location, action group e-mail, rpoHours, tags', () => {
  expect(parsed.params.sort()).toEqual(
    ['actionGroupEmail', 'appInsightsId', 'appInsightsName', 'location', 'rpoHours', 'tags'].sort(),
  );
  const text = readFileSync(ALERTS, 'utf8');
  expect(text).toMatch(/@minValue\(1\)\s*@maxValue\(8760\)\s*param rpoHours int = 26/);
});

test('one action group (e-mail) and seven scheduled query rules with the issues’ severities', () => {
  const types = parsed.resources.map((r) => r.type.split('@')[0]);
  expect(types.filter((t) => t === 'Microsoft.Insights/actionGroups')).toHaveLength(1);
  expect(types.filter((t) => t === 'Microsoft.Insights/scheduledQueryRules')).toHaveLength(7);
  const text = readFileSync(ALERTS, 'utf8');
  expect(text).toMatch(/emailReceivers: \[\s*\{[^}]*emailAddress: actionGroupEmail/);
  const severity = (symbol: string): number => {
    const block = text.slice(text.indexOf(`resource ${symbol} `));
    return Number(/severity: (\d)/.exec(block)?.[1]);
  };
  expect({
    rpoBreach: severity('rpoBreach'),
    deadMansSwitch: severity('deadMansSwitch'),
    runWithFailures: severity('runWithFailures'),
    configOrFailedRun: severity('configOrFailedRun'),
    cvRejected: severity('cvRejected'),
    failoverCompleted: severity('failoverCompleted'),
    cvProjectCopyFailed: severity('cvProjectCopyFailed'),
  }).toEqual({
    rpoBreach: 1,
    deadMansSwitch: 1,
    runWithFailures: 2,
    configOrFailedRun: 1,
    cvRejected: 3,
    failoverCompleted: 1,
    cvProjectCopyFailed: 2,
  });
  // The RPO breach is split by region; the dead man's switch looks back DR_RPO_HOURS (capped).
  expect(text.slice(text.indexOf('resource rpoBreach '))).toMatch(/dimensions: \[\s*\{\s*name: 'region'/);
  expect(text).toMatch(/var deadMansSwitchHours = min\(rpoHours, 48\)/);
});

test('every event name and dimension in the KQL is a telemetry constant', () => {
  const qs = queries();
  expect(qs).toHaveLength(7);
  const used = new Set<string>();
  for (const q of qs) {
    const names = [...q.matchAll(/"(ModelDr\.[A-Za-z]+)"/g)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect(EVENT_NAMES).toContain(n);
    names.forEach((n) => used.add(n));
    const allowed = new Set(names.flatMap((n) => EVENT_DIMENSIONS[n as EventName] as readonly string[]));
    const dims = [...q.matchAll(/customDimensions(?:\.([A-Za-z_]\w*)|\[["']([^"']+)["']\])/g)].map((m) => m[1] ?? m[2]);
    for (const d of dims)
      expect({ query: q.split('\n')[2], dimension: d, known: allowed.has(d) }).toMatchObject({ known: true });
  }
  // No other ModelDr.* name hides elsewhere in the file's strings.
  for (const s of parsed.strings)
    for (const m of s.matchAll(/ModelDr\.[A-Za-z]+/g)) expect(EVENT_NAMES).toContain(m[0]);
  expect([...used].sort()).toEqual(
    [
      EVENTS.replicaHealth,
      EVENTS.runCompleted,
      EVENTS.configurationError,
      EVENTS.cvNotificationRejected,
      EVENTS.failoverCompleted,
      EVENTS.cvProjectCopied,
    ].sort(),
  );
});

test('the RPO breach query reads the latest ReplicaHealth per region and alerts on overRpo > 0', () => {
  const q = queries().find((s) => s.includes(EVENTS.replicaHealth))!;
  expect(q).toMatch(/summarize arg_max\(timestamp, [^)]*\) by region/);
  expect(q).toMatch(/where overRpo > 0/);
});

test.each(['host.json', 'host.dts.json'])('%s enables Durable distributed tracing V2', (name) => {
  const host = JSON.parse(readFileSync(join(ROOT, name), 'utf8')) as {
    extensions: { durableTask: { tracing?: unknown } };
  };
  expect(host.extensions.durableTask.tracing).toEqual({ distributedTracingEnabled: true, version: 'V2' });
});

test('the e-mail is optional: without it no action group is created and the rules notify nobody', () => {
  const text = readFileSync(ALERTS, 'utf8');
  expect(text).toMatch(/param actionGroupEmail string = ''/);
  expect(text).toMatch(/resource actionGroup '[^']+' = if \(!empty\(actionGroupEmail\)\)/);
  expect(text).toMatch(/var actionGroups = empty\(actionGroupEmail\) \? \[\] : \[actionGroup\.id\]/);
  // Every rule uses that list (seven rules, seven references), never the group directly.
  expect([...text.matchAll(/actionGroups: actionGroups/g)]).toHaveLength(7);
  expect(text).not.toMatch(/actionGroups: \[actionGroup\.id\]/);
});
