/**
 * The hook for `modeldr.service.requests`: the Form Recognizer / Custom Vision clients' request
 * layer calls the observer once per HTTP request (after the response or the network failure),
 * with the operation name the client already uses for errors (`authorizeCopy`, `copyTo`,
 * `getModel`, `requestExport`, …). Never a URL, a host or a header: operation names only.
 */
import { METRICS } from './names';
import type { Telemetry } from './telemetry';

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'network';

export interface ServiceRequestOutcome {
  /** The client's operation name (low cardinality; anything else is reported as `other`). */
  operation: string;
  /** HTTP status; absent when no response arrived (network failure, timeout). */
  status?: number;
  /** The client's error kind (`transient`, `throttled`, `auth`, …); `none` when the request succeeded. */
  errorKind?: string;
}

export type ServiceRequestObserver = (outcome: ServiceRequestOutcome) => void;

const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

export function statusClassOf(status: number | undefined): StatusClass {
  if (status === undefined || !Number.isInteger(status) || status < 100 || status > 599) return 'network';
  return `${Math.floor(status / 100)}xx` as StatusClass;
}

/** The attributes recorded for one request (exported for the clients' tests). */
export function serviceRequestAttributes(o: ServiceRequestOutcome): {
  operation: string;
  status_class: StatusClass;
  error_kind: string;
} {
  const statusClass = statusClassOf(o.status);
  const ok = statusClass === '2xx' || statusClass === '3xx' || statusClass === '1xx';
  const errorKind =
    o.errorKind !== undefined && NAME.test(o.errorKind)
      ? o.errorKind
      : ok
        ? 'none'
        : statusClass === 'network'
          ? 'network'
          : 'http';
  return {
    operation: NAME.test(o.operation) ? o.operation : 'other',
    status_class: statusClass,
    error_kind: errorKind,
  };
}

/** Counts one request in `modeldr.service.requests`. */
export function recordServiceRequest(telemetry: Telemetry, outcome: ServiceRequestOutcome): void {
  if (!telemetry.enabled) return;
  telemetry.recordMetric(METRICS.serviceRequests, 1, serviceRequestAttributes(outcome));
}

/** An observer to hand to a client's request layer (`onRequest`), bound to `telemetry`. */
export function serviceRequestObserver(telemetry: Telemetry): ServiceRequestObserver {
  return (outcome) => recordServiceRequest(telemetry, outcome);
}
