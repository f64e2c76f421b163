/**
 * The app's telemetry: custom events and metrics, through one small interface so domain
 * code never sees OpenTelemetry. Off and free unless `APPLICATIONINSIGHTS_CONNECTION_STRING`
 * is set: {@link createTelemetry} then returns {@link NOOP_TELEMETRY} without loading the
 * Azure Monitor distro (no exporter, no timer, no network).
 *
 * Emit only from activities and client functions, never from orchestrators (they replay).
 */
import type { TokenCredential } from '@azure/core-auth';
import { ConfigurationError } from '../config/errors';
import type { EventName, EventProperties, MetricAttributes, MetricName } from './names';

export interface Telemetry {
  /** False for the no-op implementation. */
  readonly enabled: boolean;
  /** A custom event (`customEvents`); properties are scrubbed, secret-named ones dropped. */
  trackEvent<E extends EventName>(name: E, properties: EventProperties<E>): void;
  /**
   * One measurement: added to a counter (`modeldr.copy.outcomes`, `modeldr.service.requests`; value
   * defaults to 1), recorded in a histogram (`modeldr.copy.duration`, seconds) or set on a gauge
   * (`modeldr.replica.max_age` seconds, `modeldr.replica.over_rpo` pairs).
   */
  recordMetric<M extends MetricName>(name: M, value: number, attributes: MetricAttributes<M>): void;
  /** Exports everything recorded so far (bounded by the exporter's own timeouts). */
  flush(): Promise<void>;
  /** Flushes and stops the exporters; later calls do nothing. */
  shutdown(): Promise<void>;
}

export const NOOP_TELEMETRY: Telemetry = Object.freeze({
  enabled: false,
  trackEvent: () => undefined,
  recordMetric: () => undefined,
  flush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
});

export const CONNECTION_STRING_SETTING = 'APPLICATIONINSIGHTS_CONNECTION_STRING';
export const AUTHENTICATION_STRING_SETTING = 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING';

/** Builds the managed identity's credential (src/common/credential.ts); `clientId` from the authentication string. */
export type CredentialFactory = (clientId?: string) => TokenCredential;

export interface TelemetryConfig {
  connectionString: string;
  /** Entra ID ingestion (`Authorization=AAD`), with the user-assigned identity's client id when given. */
  entraId?: { clientId?: string };
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the two Application Insights settings. Undefined when telemetry is off. Throws
 * `ConfigurationError` naming the setting (never its value) when a setting is malformed.
 */
export function readTelemetryConfig(env: Env = process.env): TelemetryConfig | undefined {
  const cs = env[CONNECTION_STRING_SETTING]?.trim();
  if (!cs) return undefined;
  const parts = parsePairs(cs);
  const ikey = parts?.get('instrumentationkey');
  if (!parts || !ikey || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ikey)) {
    throw new ConfigurationError([
      {
        setting: CONNECTION_STRING_SETTING,
        message:
          'must be an Application Insights connection string: "InstrumentationKey=<guid>;IngestionEndpoint=https://…" (copy it from the resource)',
      },
    ]);
  }
  for (const name of ['ingestionendpoint', 'liveendpoint']) {
    const v = parts.get(name);
    if (v !== undefined && !isHttpUrl(v))
      throw new ConfigurationError([
        {
          setting: CONNECTION_STRING_SETTING,
          message: `its ${name === 'liveendpoint' ? 'LiveEndpoint' : 'IngestionEndpoint'} is not an http(s) URL`,
        },
      ]);
  }
  const config: TelemetryConfig = { connectionString: cs };
  const auth = env[AUTHENTICATION_STRING_SETTING]?.trim();
  if (auth) {
    const a = parsePairs(auth);
    if (!a || a.get('authorization')?.toUpperCase() !== 'AAD') {
      throw new ConfigurationError([
        {
          setting: AUTHENTICATION_STRING_SETTING,
          message:
            'must be "Authorization=AAD" or "Authorization=AAD;ClientId=<client id of a user-assigned identity>"',
        },
      ]);
    }
    const clientId = a.get('clientid');
    if (clientId !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(clientId)) {
      throw new ConfigurationError([
        { setting: AUTHENTICATION_STRING_SETTING, message: 'ClientId must be the identity’s client id (a GUID)' },
      ]);
    }
    config.entraId = clientId === undefined ? {} : { clientId };
  }
  return config;
}

export interface CreateTelemetryOptions {
  env?: Env;
  /** Required when the authentication string asks for Entra ID. */
  credentialFactory?: CredentialFactory;
}

/**
 * The process's telemetry: {@link NOOP_TELEMETRY} when unconfigured, else the Azure Monitor
 * implementation (started once per process; later calls return the same instance).
 */
export function createTelemetry(options: CreateTelemetryOptions = {}): Telemetry {
  const config = readTelemetryConfig(options.env ?? process.env);
  if (!config) return NOOP_TELEMETRY;
  let credential: TokenCredential | undefined;
  if (config.entraId) {
    if (!options.credentialFactory)
      throw new ConfigurationError([
        {
          setting: AUTHENTICATION_STRING_SETTING,
          message: 'asks for Entra ID ingestion, but no managed identity credential is available to this process',
        },
      ]);
    credential = options.credentialFactory(config.entraId.clientId);
  }
  // Loaded only here, so an unconfigured process never loads the distro.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startAzureMonitorTelemetry } = require('./azureMonitor') as typeof import('./azureMonitor');
  return startAzureMonitorTelemetry({ connectionString: config.connectionString, credential });
}

function parsePairs(s: string): Map<string, string> | undefined {
  const out = new Map<string, string>();
  for (const part of s.split(';')) {
    const t = part.trim();
    if (t === '') continue;
    const i = t.indexOf('=');
    if (i <= 0) return undefined;
    out.set(t.slice(0, i).trim().toLowerCase(), t.slice(i + 1).trim());
  }
  return out;
}

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}
