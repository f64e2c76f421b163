/**
 * Telemetry really leaves the process: a child node process runs the real Azure Monitor
 * distro configured only by environment (APPLICATIONINSIGHTS_CONNECTION_STRING pointing at
 * loopback), and a loopback HTTPS receiver records what the exporter posts to
 * `/v2.1/track` (the exporter's wire format: JSON envelopes, possibly gzip). The exporter
 * rewrites an http:// IngestionEndpoint to https://, so the receiver speaks TLS with a
 * throwaway self-signed certificate the child trusts through NODE_EXTRA_CA_CERTS.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CUSTOM_EVENT_ATTRIBUTE, EVENTS, METRICS } from '../../src/telemetry';

interface Envelope {
  name: string;
  iKey?: string;
  data?: { baseType?: string; baseData?: Record<string, unknown> };
}

const ROOT = join(__dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'telemetry');
const CLIENT_ID = '99999999-8888-7777-6666-555555555555';
const IKEY = '00000000-1111-2222-3333-444444444444';

let dir: string;
let server: Server;
let port: number;
const posts: { path: string; authorization?: string; envelopes: Envelope[] }[] = [];
const otherRequests: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'modeldr-telemetry-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-sha256',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  server = createServer(
    { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '';
        if (req.method === 'POST' && path.startsWith('/v2.1/track')) {
          let body = Buffer.concat(chunks);
          if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
          const text = body.toString('utf8').trim();
          const parsed: unknown = text.startsWith('[')
            ? JSON.parse(text)
            : text
                .split('\n')
                .filter(Boolean)
                .map((l) => JSON.parse(l));
          const envelopes = parsed as Envelope[];
          posts.push({ path, authorization: req.headers.authorization, envelopes });
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ itemsReceived: envelopes.length, itemsAccepted: envelopes.length, errors: [] }));
        } else {
          otherRequests.push(`${req.method} ${path}`);
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{}');
        }
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

function runEmitter(
  env: Record<string, string>,
  fixture = 'emit.ts',
  guardMs = 30_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--require', join(FIXTURES, 'loopbackOnly.cjs'), '--import', 'tsx', join(FIXTURES, fixture)],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, TMPDIR: dir, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    // Bounded wait for the child's I/O (not a timing assertion).
    const guard = setTimeout(() => child.kill('SIGKILL'), guardMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

test('events and metrics reach the ingestion endpoint as Application Insights envelopes, with no secret in them', async () => {
  const result = await runEmitter({
    APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${IKEY};IngestionEndpoint=http://127.0.0.1:${port}/;LiveEndpoint=https://127.0.0.1:${port}/`,
    // Both switches: the first turns off non-essential statsbeat only; the legacy one (read by the
    // exporter in 1.18) turns statsbeat off, and SDK stats have their own switch.
    APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
    APPLICATION_INSIGHTS_NO_STATSBEAT: 'true',
    APPLICATIONINSIGHTS_SDKSTATS_DISABLED: 'true',
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `Authorization=AAD;ClientId=${CLIENT_ID}`,
    NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem'),
  });
  expect({ code: result.code, stdout: result.stdout.trim() }).toEqual({ code: 0, stdout: 'done' });
  // Nothing but loopback was contacted (the VM metadata probe is refused by the preload).
  const blocked = [...result.stderr.matchAll(/\[blocked ([^\]]*)\]/g)].map((m) => m[1]);
  expect([...new Set(blocked)].filter((h) => h !== '169.254.169.254')).toEqual([]);

  const envelopes = posts.flatMap((p) => p.envelopes);
  expect(posts.length).toBeGreaterThan(0);
  expect(posts.every((p) => p.path.startsWith('/v2.1/track'))).toBe(true);
  expect(otherRequests).toEqual([]);
  expect(envelopes.every((e) => e.iKey === IKEY)).toBe(true);
  // Entra ID ingestion: the managed identity's token (from the credential factory, with the
  // authentication string's client id) is on every post, and nowhere in the telemetry itself.
  expect(result.stderr).toContain(`[token requested for ${CLIENT_ID}]`);
  expect(posts.map((p) => p.authorization)).toEqual(posts.map(() => 'Bearer ingestion-token-E2E'));

  const events = envelopes.filter((e) => e.data?.baseType === 'EventData');
  const eventByName = new Map(events.map((e) => [e.data!.baseData!.name as string, e.data!.baseData!]));
  expect([...eventByName.keys()].sort()).toEqual(
    [
      EVENTS.runCompleted,
      EVENTS.replicaHealth,
      EVENTS.copyFailed,
      EVENTS.configurationError,
      EVENTS.cvNotificationRejected,
    ].sort(),
  );
  const run = eventByName.get(EVENTS.runCompleted)!.properties as Record<string, string>;
  expect(run).toMatchObject({ runId: 'run-e2e-1', trigger: 'timer', outcome: 'partial', copied: '3', failed: '1' });
  expect(run[CUSTOM_EVENT_ATTRIBUTE]).toBeUndefined();
  const health = eventByName.get(EVENTS.replicaHealth)!.properties as Record<string, string>;
  expect(health).toMatchObject({ region: 'westus2', health: 'degraded', overRpo: '1', maxAgeSeconds: '100000' });
  const config = eventByName.get(EVENTS.configurationError)!.properties as Record<string, string>;
  expect(config.settings).toMatch(/^DR_TARGETS,/);
  expect(Object.keys(config)).not.toEqual(expect.arrayContaining(['accessToken']));
  expect(Object.keys(config)).not.toContain('sasToken');

  const metricPoints = envelopes
    .filter((e) => e.data?.baseType === 'MetricData')
    .flatMap((e) => {
      const base = e.data!.baseData as {
        metrics: { name: string; value: number }[];
        properties?: Record<string, string>;
      };
      return base.metrics.map((m) => ({ name: m.name, value: m.value, properties: base.properties ?? {} }));
    });
  const ours = metricPoints.filter((m) => m.name.startsWith('modeldr.'));
  expect([...new Set(ours.map((m) => m.name))].sort()).toEqual(Object.values(METRICS).sort());
  expect(ours.find((m) => m.name === METRICS.replicaOverRpo)).toMatchObject({
    value: 1,
    properties: { region: 'westus2' },
  });
  expect(ours.find((m) => m.name === METRICS.serviceRequests)).toMatchObject({
    value: 1,
    properties: { operation: 'copyTo', status_class: '2xx', error_kind: 'none' },
  });

  const wire = JSON.stringify(envelopes);
  for (const secret of [
    'SECRETSIGNATURE',
    '0123456789abcdef0123456789abcdef',
    'eyJzdWIiOiJzZWNyZXQifQ',
    'SECRETTOKEN',
    'sig=',
  ]) {
    expect(wire).not.toContain(secret);
  }
});

test('the app’s own events and metrics, from a replication run in the local host, reach the receiver; nothing secret', async () => {
  posts.length = 0;
  otherRequests.length = 0;
  const result = await runEmitter(
    {
      APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${IKEY};IngestionEndpoint=http://127.0.0.1:${port}/;LiveEndpoint=https://127.0.0.1:${port}/`,
      APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
      APPLICATION_INSIGHTS_NO_STATSBEAT: 'true',
      APPLICATIONINSIGHTS_SDKSTATS_DISABLED: 'true',
      NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem'),
    },
    'appRun.ts',
    240_000,
  );
  // A storage request the SDK retried (e.g. ECONNRESET from a loaded Azurite) is logged at error
  // level by the distro's SDK logger; it is not the run's outcome, which is the line the child prints.
  const stdout = result.stdout
    .split('\n')
    .filter((line) => !/^azure:[a-z-]+:(error|warning) RetryPolicy: /.test(line))
    .join('\n')
    .trim();
  expect({ code: result.code, stdout, stderr: result.code === 0 ? '' : result.stderr }).toEqual({
    code: 0,
    stdout: 'done local-e2e-telemetry',
    stderr: '',
  });
  const blocked = [...result.stderr.matchAll(/\[blocked ([^\]]*)\]/g)].map((m) => m[1]);
  expect([...new Set(blocked)].filter((h) => h !== '169.254.169.254')).toEqual([]);
  const envelopes = posts.flatMap((p) => p.envelopes);
  expect(envelopes.every((e) => e.iKey === IKEY)).toBe(true);

  const events = envelopes
    .filter((e) => e.data?.baseType === 'EventData')
    .map((e) => ({
      name: e.data!.baseData!.name as string,
      p: e.data!.baseData!.properties as Record<string, string>,
    }));
  const runs = events.filter((e) => e.name === EVENTS.runCompleted);
  expect(runs).toEqual([
    {
      name: EVENTS.runCompleted,
      p: expect.objectContaining({ runId: 'local-e2e-telemetry', trigger: 'local', failed: '0', apiVersion: 'v2.1' }),
    },
  ]);
  expect(
    events
      .filter((e) => e.name === EVENTS.replicaHealth)
      .map((e) => [e.p.region, e.p.health, e.p.overRpo])
      .sort(),
  ).toEqual([
    ['eastus', 'healthy', '0'],
    ['westeurope', 'healthy', '0'],
  ]);
  const metricNames = new Set(
    envelopes
      .filter((e) => e.data?.baseType === 'MetricData')
      .flatMap((e) => (e.data!.baseData as { metrics: { name: string }[] }).metrics.map((m) => m.name)),
  );
  for (const m of [METRICS.copyOutcomes, METRICS.copyDuration, METRICS.replicaMaxAge, METRICS.serviceRequests])
    expect(metricNames).toContain(m);

  // No key, SAS or endpoint URL of the emulated resources anywhere on the wire.
  const wire = JSON.stringify(envelopes);
  expect(wire).not.toMatch(/sig=|Ocp-Apim|AccountKey|http:\/\/127\.0\.0\.1:\d+\/formrecognizer/i);
}, 300_000);
