/**
 * Every telemetry name and dimension the app emits, in one place. The alert rules
 * (`infra/app/alerts.bicep`) and docs/observability.md use exactly these; a test checks
 * that every event name and dimension the alerts' KQL mentions is defined here.
 *
 * Events land in Application Insights `customEvents` (`name`, `customDimensions.<dimension>`);
 * metrics land in `customMetrics` (`name`, `customDimensions.<attribute>`).
 */

export const EVENTS = {
  runCompleted: 'ModelDr.RunCompleted',
  replicaHealth: 'ModelDr.ReplicaHealth',
  copyFailed: 'ModelDr.CopyFailed',
  configurationError: 'ModelDr.ConfigurationError',
  cvBackupRecorded: 'ModelDr.CvBackupRecorded',
  cvNotificationRejected: 'ModelDr.CvNotificationRejected',
  failoverCompleted: 'ModelDr.FailoverCompleted',
  cvProjectCopied: 'ModelDr.CvProjectCopied',
} as const;
export type EventName = (typeof EVENTS)[keyof typeof EVENTS];

/** The dimensions of each event (`customDimensions` keys), in the order documented. */
export const EVENT_DIMENSIONS = {
  [EVENTS.runCompleted]: [
    'runId',
    'trigger',
    'apiVersion',
    'outcome',
    'copied',
    'alreadyReplicated',
    'failed',
    'unverified',
    'invalid',
    'durationMs',
  ],
  [EVENTS.replicaHealth]: [
    'runId',
    'region',
    'health',
    'pairs',
    'replicated',
    'missing',
    'failed',
    'stale',
    'unverified',
    'drillMismatch',
    'drillFailed',
    'healthy',
    'degraded',
    'unhealthy',
    'maxAgeSeconds',
    'overRpo',
    'rpoHours',
  ],
  [EVENTS.copyFailed]: ['runId', 'region', 'itemKind', 'reasonKind', 'serviceCode', 'attempts'],
  [EVENTS.configurationError]: ['settings', 'component'],
  [EVENTS.cvBackupRecorded]: ['projectId', 'iterationId', 'platform', 'sizeBytes', 'replicaVerified', 'source'],
  [EVENTS.cvNotificationRejected]: ['stage', 'code'],
  [EVENTS.failoverCompleted]: [
    'failoverId',
    'mode',
    'from',
    'to',
    'routed',
    'withoutCopy',
    'achievedRpoSeconds',
    'achievedRtoSeconds',
  ],
  [EVENTS.cvProjectCopied]: [
    'projectId',
    'region',
    'outcome',
    'trigger',
    'drProjectId',
    'code',
    'durationSeconds',
    'images',
    'retired',
  ],
} as const satisfies Record<EventName, readonly string[]>;

export type EventDimension<E extends EventName> = (typeof EVENT_DIMENSIONS)[E][number];
export type EventProperties<E extends EventName> = Partial<Record<EventDimension<E>, string | number | boolean>>;

/** `ModelDr.RunCompleted` outcome: every pair fine / some failed or unverified / none copied or the run failed. */
export const RUN_OUTCOMES = ['succeeded', 'partial', 'failed'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

export const METRICS = {
  copyDuration: 'modeldr.copy.duration',
  copyOutcomes: 'modeldr.copy.outcomes',
  replicaMaxAge: 'modeldr.replica.max_age',
  replicaOverRpo: 'modeldr.replica.over_rpo',
  serviceRequests: 'modeldr.service.requests',
} as const;
export type MetricName = (typeof METRICS)[keyof typeof METRICS];

/** The instrument kind and unit of each metric (OpenTelemetry histogram / counter / gauge). */
export const METRIC_INSTRUMENTS = {
  [METRICS.copyDuration]: { kind: 'histogram', unit: 's', description: 'Duration of one pair copy, end to end' },
  [METRICS.copyOutcomes]: { kind: 'counter', unit: '{copy}', description: 'Pair copies by outcome' },
  [METRICS.replicaMaxAge]: {
    kind: 'gauge',
    unit: 's',
    description: 'Age of the oldest verified copy in the region',
  },
  [METRICS.replicaOverRpo]: {
    kind: 'gauge',
    unit: '{pair}',
    description: 'Pairs without a verified copy of the current version younger than the RPO',
  },
  [METRICS.serviceRequests]: {
    kind: 'counter',
    unit: '{request}',
    description: 'Requests to Form Recognizer / Custom Vision',
  },
} as const satisfies Record<MetricName, { kind: 'histogram' | 'counter' | 'gauge'; unit: string; description: string }>;

/** The attributes of each metric (`customDimensions` keys in `customMetrics`). */
export const METRIC_ATTRIBUTES = {
  [METRICS.copyDuration]: ['region', 'api_version', 'outcome'],
  [METRICS.copyOutcomes]: ['region', 'outcome', 'reason_kind'],
  [METRICS.replicaMaxAge]: ['region'],
  [METRICS.replicaOverRpo]: ['region'],
  [METRICS.serviceRequests]: ['operation', 'status_class', 'error_kind'],
} as const satisfies Record<MetricName, readonly string[]>;

export type MetricAttribute<M extends MetricName> = (typeof METRIC_ATTRIBUTES)[M][number];
export type MetricAttributes<M extends MetricName> = Partial<Record<MetricAttribute<M>, string>>;

/** Log-record attribute that makes the Azure Monitor exporter send a log record as a custom event. */
export const CUSTOM_EVENT_ATTRIBUTE = 'microsoft.custom_event.name';

/** Instrumentation scope name of the app's logger and meter. */
export const INSTRUMENTATION_SCOPE = 'ai-model-dr';
