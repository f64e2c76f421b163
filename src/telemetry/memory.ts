/**
 * An in-memory {@link Telemetry}: records what would be sent, after the same scrubbing as the
 * Azure Monitor implementation. For tests of the emitting code and for `npm run local`.
 */
import type { EventName, EventProperties, MetricAttributes, MetricName } from './names';
import { scrubAttributes, type Attributes } from './scrub';
import type { Telemetry } from './telemetry';

export interface RecordedEvent {
  name: EventName;
  properties: Attributes;
}
export interface RecordedMetric {
  name: MetricName;
  value: number;
  attributes: Attributes;
}

export class MemoryTelemetry implements Telemetry {
  readonly enabled = true;
  readonly events: RecordedEvent[] = [];
  readonly metrics: RecordedMetric[] = [];

  trackEvent<E extends EventName>(name: E, properties: EventProperties<E>): void {
    this.events.push({ name, properties: scrubAttributes(properties) });
  }

  recordMetric<M extends MetricName>(name: M, value: number, attributes: MetricAttributes<M>): void {
    if (Number.isFinite(value)) this.metrics.push({ name, value, attributes: scrubAttributes(attributes) });
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  eventsNamed(name: EventName): Attributes[] {
    return this.events.filter((e) => e.name === name).map((e) => e.properties);
  }
}
