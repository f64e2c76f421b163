/**
 * Telemetry off and free when unconfigured; its settings validated at the edge; what goes out
 * scrubbed; the emitters map the health model and run counts onto the constant names.
 */
import net from 'node:net';
import { ConfigurationError } from '../../src/config/errors';
import { assessReplicaHealth } from '../../src/health';
import { buildReadinessReport } from '../../src/ledger/readiness';
import {
  EVENTS,
  EVENT_DIMENSIONS,
  METRICS,
  METRIC_ATTRIBUTES,
  MemoryTelemetry,
  NOOP_TELEMETRY,
  createTelemetry,
  emitConfigurationError,
  emitCopyFailed,
  emitCopyOutcome,
  emitReplicaHealth,
  emitRunCompleted,
  readTelemetryConfig,
  recordServiceRequest,
  runOutcome,
  scrubAttributes,
  scrubTelemetryString,
  serviceRequestAttributes,
  serviceRequestObserver,
  statusClassOf,
} from '../../src/telemetry';

const IKEY = '00000000-1111-2222-3333-444444444444';
const CS = `InstrumentationKey=${IKEY};IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/`;

describe('off when APPLICATIONINSIGHTS_CONNECTION_STRING is unset', () => {
  test('the no-op telemetry: the distro is never loaded, no socket is opened, nothing is scheduled', async () => {
    let distroLoaded = false;
    jest.resetModules();
    jest.doMock('@azure/monitor-opentelemetry', () => {
      distroLoaded = true;
      return {};
    });
    const connect = jest.spyOn(net.Socket.prototype, 'connect');
    const before = process.getActiveResourcesInfo().length;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require('../../src/telemetry') as typeof import('../../src/telemetry');
      for (const env of [
        {},
        { APPLICATIONINSIGHTS_CONNECTION_STRING: '   ' },
        { APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD' },
      ]) {
        const t = mod.createTelemetry({ env });
        expect(t).toBe(mod.NOOP_TELEMETRY);
        expect(t.enabled).toBe(false);
        t.trackEvent(mod.EVENTS.runCompleted, { runId: 'r', outcome: 'succeeded' });
        t.recordMetric(mod.METRICS.copyOutcomes, 1, { region: 'westus2', outcome: 'copied' });
        mod.recordServiceRequest(t, { operation: 'copyTo', status: 200 });
        await t.flush();
        await t.shutdown();
      }
      expect(distroLoaded).toBe(false);
      expect(connect).not.toHaveBeenCalled();
      expect(process.getActiveResourcesInfo().length).toBeLessThanOrEqual(before);
    } finally {
      connect.mockRestore();
      jest.dontMock('@azure/monitor-opentelemetry');
      jest.resetModules();
    }
  });
});

describe('settings', () => {
  const problem = (env: Record<string, string>) => {
    try {
      readTelemetryConfig(env);
    } catch (e) {
      return e;
    }
    return undefined;
  };

  test('a connection string with an instrumentation key turns telemetry on', () => {
    expect(readTelemetryConfig({ APPLICATIONINSIGHTS_CONNECTION_STRING: ` ${CS} ` })).toEqual({ connectionString: CS });
  });

  test.each([
    ['not a connection string', 'https://example.com'],
    ['no instrumentation key', 'IngestionEndpoint=https://x.in.applicationinsights.azure.com/'],
    ['a key that is not a GUID', 'InstrumentationKey=abc;IngestionEndpoint=https://x/'],
    ['an ingestion endpoint that is not a URL', `InstrumentationKey=${IKEY};IngestionEndpoint=ftp://x/`],
  ])('%s: a configuration error naming the setting, without its value', (_n, cs) => {
    const e = problem({ APPLICATIONINSIGHTS_CONNECTION_STRING: cs });
    expect(e).toBeInstanceOf(ConfigurationError);
    expect((e as ConfigurationError).settings).toEqual(['APPLICATIONINSIGHTS_CONNECTION_STRING']);
    expect((e as ConfigurationError).message).not.toContain(cs);
  });

  test('Entra ID ingestion: Authorization=AAD, optionally with the identity’s client id', () => {
    const cid = '99999999-8888-7777-6666-555555555555';
    expect(
      readTelemetryConfig({
        APPLICATIONINSIGHTS_CONNECTION_STRING: CS,
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD',
      }),
    ).toEqual({ connectionString: CS, entraId: {} });
    expect(
      readTelemetryConfig({
        APPLICATIONINSIGHTS_CONNECTION_STRING: CS,
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `authorization=aad; ClientId=${cid}`,
      }),
    ).toEqual({ connectionString: CS, entraId: { clientId: cid } });
    for (const auth of ['Authorization=Key', 'ClientId=x', `Authorization=AAD;ClientId=not-a-guid`, 'garbage']) {
      const e = problem({ APPLICATIONINSIGHTS_CONNECTION_STRING: CS, APPLICATIONINSIGHTS_AUTHENTICATION_STRING: auth });
      expect((e as ConfigurationError).settings).toEqual(['APPLICATIONINSIGHTS_AUTHENTICATION_STRING']);
    }
  });

  test('Entra ID asked for but no credential available: a configuration error, before anything starts', () => {
    expect(() =>
      createTelemetry({
        env: {
          APPLICATIONINSIGHTS_CONNECTION_STRING: CS,
          APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD',
        },
      }),
    ).toThrow(ConfigurationError);
  });
});

describe('scrubbing: what leaves is what logs may show', () => {
  test.each([
    ['SAS URL', 'https://a.blob.core.windows.net/c/b?sv=2024&sig=abcdefSECRET', 'abcdefSECRET'],
    ['storage connection string', 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=SECRETKEY==;', 'SECRETKEY'],
    ['bearer token', 'Bearer abcdefghijklmnopqrstuvwxyz0123', 'abcdefghijklmnopqrstuvwxyz0123'],
    ['JWT', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl', 'eyJzdWIiOiJ4In0'],
    ['32-hex key', 'key 0123456789abcdef0123456789abcdef failed', '0123456789abcdef0123456789abcdef'],
    ['access token member', '{"accessToken":"tok-SECRET-123"}', 'tok-SECRET-123'],
  ])('%s is redacted', (_n, value, secret) => {
    const out = scrubTelemetryString(value);
    expect(out).not.toContain(secret);
    expect(out).toContain('[redacted]');
  });

  test('secret-named keys, odd keys and non-finite numbers are dropped; ordinary values kept; long strings capped', () => {
    expect(
      scrubAttributes({
        region: 'westus2',
        copied: 3,
        ok: true,
        accessToken: 'x',
        trainingKey: 'y',
        sasToken: 'z',
        'bad key': 'v',
        nan: Number.NaN,
        obj: { a: 1 },
        long: 'a'.repeat(5000),
      }),
    ).toEqual({ region: 'westus2', copied: 3, ok: true, long: `${'a'.repeat(1024)}…` });
  });

  test('the memory telemetry applies the same scrubbing', () => {
    const t = new MemoryTelemetry();
    emitCopyFailed(t, {
      runId: 'r1',
      region: 'westus2',
      itemKind: 'model',
      reasonKind: 'transient',
      serviceCode: 'https://x/y?sig=SECRET',
      attempts: 2,
    });
    expect(JSON.stringify(t.events)).not.toContain('SECRET');
  });
});

describe('service requests hook (modeldr.service.requests)', () => {
  test.each<[number | undefined, string]>([
    [200, '2xx'],
    [202, '2xx'],
    [304, '3xx'],
    [429, '4xx'],
    [503, '5xx'],
    [undefined, 'network'],
    [42, 'network'],
  ])('status %p → %s', (status, cls) => expect(statusClassOf(status)).toBe(cls));

  test('attributes: operation names only, error kind defaulted', () => {
    expect(serviceRequestAttributes({ operation: 'copyTo', status: 202 })).toEqual({
      operation: 'copyTo',
      status_class: '2xx',
      error_kind: 'none',
    });
    expect(serviceRequestAttributes({ operation: 'authorizeCopy', status: 429, errorKind: 'throttled' })).toEqual({
      operation: 'authorizeCopy',
      status_class: '4xx',
      error_kind: 'throttled',
    });
    expect(serviceRequestAttributes({ operation: 'https://x/y?sig=abc' })).toEqual({
      operation: 'other',
      status_class: 'network',
      error_kind: 'network',
    });
    expect(serviceRequestAttributes({ operation: 'getModel', status: 500 }).error_kind).toBe('http');
  });

  test('the observer counts one request per call', () => {
    const t = new MemoryTelemetry();
    const observe = serviceRequestObserver(t);
    observe({ operation: 'copyTo', status: 202 });
    recordServiceRequest(t, { operation: 'getModel', status: 404, errorKind: 'notFound' });
    expect(t.metrics).toEqual([
      {
        name: METRICS.serviceRequests,
        value: 1,
        attributes: { operation: 'copyTo', status_class: '2xx', error_kind: 'none' },
      },
      {
        name: METRICS.serviceRequests,
        value: 1,
        attributes: { operation: 'getModel', status_class: '4xx', error_kind: 'notFound' },
      },
    ]);
  });
});

describe('emitters', () => {
  test.each([
    [{ copied: 2, alreadyReplicated: 1, failed: 0, unverified: 0, invalid: 0 }, false, 'succeeded'],
    [{ copied: 2, alreadyReplicated: 0, failed: 1, unverified: 0, invalid: 0 }, false, 'partial'],
    [{ copied: 0, alreadyReplicated: 3, failed: 0, unverified: 1, invalid: 0 }, false, 'partial'],
    [{ copied: 0, alreadyReplicated: 0, failed: 2, unverified: 0, invalid: 0 }, false, 'failed'],
    [{ copied: 5, alreadyReplicated: 0, failed: 0, unverified: 0, invalid: 0 }, true, 'failed'],
  ])('run outcome of %j (run failed: %p) is %s', (counts, runFailed, outcome) => {
    expect(runOutcome(counts, runFailed)).toBe(outcome);
  });

  test('a run: RunCompleted, one ReplicaHealth and gauges per region, copy outcomes; only declared dimensions', () => {
    const t = new MemoryTelemetry();
    const now = Date.parse('2026-03-02T12:00:00Z');
    const readiness = buildReadinessReport({
      sourceModels: [{ modelId: 'm1', status: 'ready', version: 'v1' }],
      replicas: [
        {
          sourceModelId: 'm1',
          region: 'westus2',
          sourceModelVersion: 'v1',
          targetResourceId: '/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/dr',
          targetModelId: 't1',
          state: 'replicated',
          lastVerifiedAt: '2026-03-01T00:00:00.000Z',
          lastAttemptAt: '2026-03-01T00:00:00.000Z',
          lastRunId: 'run-0',
          attempts: 1,
        },
      ],
      regions: ['westus2', 'eastus'],
      now,
    });
    const health = assessReplicaHealth({ readiness, rpoHours: 26, unverifiedRegions: ['eastus'] });
    emitRunCompleted(t, {
      runId: 'run-1',
      trigger: 'timer',
      apiVersion: 'v2.1',
      copied: 0,
      alreadyReplicated: 1,
      failed: 0,
      unverified: 1,
      invalid: 0,
      durationMs: 1234.6,
    });
    emitReplicaHealth(t, health, 'run-1');
    emitCopyOutcome(t, { region: 'westus2', apiVersion: 'v2.1', outcome: 'alreadyReplicated', durationSeconds: 0.5 });
    emitConfigurationError(
      t,
      new ConfigurationError([
        { setting: 'DR_TARGETS', message: 'has AccountKey=SECRET' },
        { setting: 'DR_RPO_HOURS', message: 'bad' },
      ]),
      'replicationTimer',
    );
    expect(t.eventsNamed(EVENTS.runCompleted)).toEqual([
      expect.objectContaining({ runId: 'run-1', outcome: 'partial', unverified: 1, durationMs: 1235 }),
    ]);
    expect(t.eventsNamed(EVENTS.replicaHealth)).toEqual([
      expect.objectContaining({
        region: 'westus2',
        health: 'degraded',
        pairs: 1,
        overRpo: 1,
        maxAgeSeconds: 36 * 3600,
      }),
      expect.objectContaining({
        region: 'eastus',
        health: 'unhealthy',
        pairs: 1,
        missing: 1,
        overRpo: 1,
        maxAgeSeconds: 0,
      }),
    ]);
    expect(t.eventsNamed(EVENTS.configurationError)).toEqual([
      { settings: 'DR_TARGETS,DR_RPO_HOURS', component: 'replicationTimer' },
    ]);
    expect(t.metrics.map((m) => [m.name, m.value, m.attributes.region])).toEqual([
      [METRICS.replicaMaxAge, 36 * 3600, 'westus2'],
      [METRICS.replicaOverRpo, 1, 'westus2'],
      [METRICS.replicaMaxAge, 0, 'eastus'],
      [METRICS.replicaOverRpo, 1, 'eastus'],
      [METRICS.copyOutcomes, 1, 'westus2'],
      [METRICS.copyDuration, 0.5, 'westus2'],
    ]);
    for (const e of t.events)
      expect(EVENT_DIMENSIONS[e.name] as readonly string[]).toEqual(expect.arrayContaining(Object.keys(e.properties)));
    for (const m of t.metrics)
      expect(METRIC_ATTRIBUTES[m.name] as readonly string[]).toEqual(expect.arrayContaining(Object.keys(m.attributes)));
    expect(NOOP_TELEMETRY.enabled).toBe(false);
  });
});

describe('the app wires its telemetry once (src/functions/dependencies.ts)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createAppDependencies } = require('../../src/functions/app') as typeof import('../../src/functions/app');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { keyedEnv } = require('../support/settingsEnv') as typeof import('../support/settingsEnv');
  const clock = { now: () => Date.parse('2026-11-21T00:00:00Z') };

  test('unconfigured: the app and its activities get the no-op telemetry (no exporter, nothing sent)', () => {
    const app = createAppDependencies({ env: keyedEnv(), clock });
    expect(app.telemetry).toBe(NOOP_TELEMETRY);
    expect(app.replication.telemetry).toBe(NOOP_TELEMETRY);
    expect(app.customVision.telemetry).toBe(NOOP_TELEMETRY);
  });

  test('an injected telemetry reaches the replication and Custom Vision dependencies', () => {
    const t = new MemoryTelemetry();
    const app = createAppDependencies({ env: keyedEnv(), clock, telemetry: t });
    expect([app.telemetry, app.replication.telemetry, app.customVision.telemetry]).toEqual([t, t, t]);
  });

  test('a malformed connection string stops the app with a ConfigurationError naming the setting', () => {
    expect(() =>
      createAppDependencies({ env: { ...keyedEnv(), APPLICATIONINSIGHTS_CONNECTION_STRING: 'nonsense' }, clock }),
    ).toThrow(/APPLICATIONINSIGHTS_CONNECTION_STRING/);
  });
});
