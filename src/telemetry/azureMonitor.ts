/**
 * The Azure Monitor implementation of {@link Telemetry}, on the OpenTelemetry distro
 * (`@azure/monitor-opentelemetry`, pinned): custom events are log records carrying
 * `microsoft.custom_event.name` (the exporter sends them as `EventData` → `customEvents`),
 * metrics go through the global OpenTelemetry meter (→ `customMetrics`).
 *
 * The distro's automatic HTTP and Azure SDK instrumentations are off: they would record
 * request URLs (a SAS lives in a query string) outside our scrubber. Live metrics are off
 * (no second endpoint contacted). The exporter's offline disk retry is off: nothing of
 * ours is written to the temp directory.
 */
import type { TokenCredential } from '@azure/core-auth';
import { shutdownAzureMonitor, useAzureMonitor } from '@azure/monitor-opentelemetry';
import { metrics, type Counter, type Gauge, type Histogram } from '@opentelemetry/api';
import { logs, SeverityNumber } from '@opentelemetry/api-logs';
import {
  CUSTOM_EVENT_ATTRIBUTE,
  INSTRUMENTATION_SCOPE,
  METRIC_INSTRUMENTS,
  METRICS,
  type EventName,
  type EventProperties,
  type MetricAttributes,
  type MetricName,
} from './names';
import { scrubAttributes } from './scrub';
import type { Telemetry } from './telemetry';

export interface AzureMonitorTelemetryOptions {
  connectionString: string;
  credential?: TokenCredential;
}

let current: Telemetry | undefined;

/** Starts the distro once per process (it installs global providers) and returns the telemetry. */
export function startAzureMonitorTelemetry(options: AzureMonitorTelemetryOptions): Telemetry {
  if (current) return current;
  useAzureMonitor({
    azureMonitorExporterOptions: {
      connectionString: options.connectionString,
      ...(options.credential ? { credential: options.credential } : {}),
      disableOfflineStorage: true,
    },
    enableLiveMetrics: false,
    instrumentationOptions: {
      http: { enabled: false },
      azureSdk: { enabled: false },
      mongoDb: { enabled: false },
      mySql: { enabled: false },
      postgreSql: { enabled: false },
      redis: { enabled: false },
      redis4: { enabled: false },
      bunyan: { enabled: false },
      winston: { enabled: false },
    },
  });
  const logger = logs.getLogger(INSTRUMENTATION_SCOPE);
  const meter = metrics.getMeter(INSTRUMENTATION_SCOPE);
  type Instrument = { kind: 'counter'; i: Counter } | { kind: 'histogram'; i: Histogram } | { kind: 'gauge'; i: Gauge };
  const instruments = new Map<MetricName, Instrument>();
  for (const name of Object.values(METRICS)) {
    const spec = METRIC_INSTRUMENTS[name];
    const opts = { unit: spec.unit, description: spec.description };
    instruments.set(
      name,
      spec.kind === 'counter'
        ? { kind: 'counter', i: meter.createCounter(name, opts) }
        : spec.kind === 'histogram'
          ? { kind: 'histogram', i: meter.createHistogram(name, opts) }
          : { kind: 'gauge', i: meter.createGauge(name, opts) },
    );
  }
  let stopped: Promise<void> | undefined;

  const telemetry: Telemetry = {
    enabled: true,
    trackEvent<E extends EventName>(name: E, properties: EventProperties<E>): void {
      if (stopped) return;
      logger.emit({
        severityNumber: SeverityNumber.INFO,
        body: name,
        attributes: { ...scrubAttributes(properties), [CUSTOM_EVENT_ATTRIBUTE]: name },
      });
    },
    recordMetric<M extends MetricName>(name: M, value: number, attributes: MetricAttributes<M>): void {
      const instrument = instruments.get(name);
      if (stopped || !instrument || !Number.isFinite(value)) return;
      const attrs = scrubAttributes(attributes);
      if (instrument.kind === 'counter') {
        if (value >= 0) instrument.i.add(value, attrs);
      } else if (instrument.kind === 'histogram') {
        if (value >= 0) instrument.i.record(value, attrs);
      } else instrument.i.record(value, attrs);
    },
    async flush(): Promise<void> {
      if (stopped) return stopped;
      const lp = logs.getLoggerProvider() as { forceFlush?: () => Promise<void> };
      const mp = metrics.getMeterProvider() as { forceFlush?: () => Promise<void> };
      await Promise.all([lp.forceFlush?.(), mp.forceFlush?.()]);
    },
    shutdown(): Promise<void> {
      stopped ??= shutdownAzureMonitor();
      return stopped;
    },
  };
  current = telemetry;
  return telemetry;
}
