/**
 * App settings (process.env) for one host, `%Setting%` resolution, and the host.json
 * options the local host honours.
 */
import { readFileSync } from 'node:fs';

export class SettingError extends Error {
  override name = 'SettingError';
}

/** Sets `vars` on process.env (undefined deletes); returns a function that restores the previous values. */
export function applyEnv(vars: Record<string, string | undefined>): () => void {
  const previous = new Map<string, string | undefined>();
  for (const [k, v] of Object.entries(vars)) {
    if (!previous.has(k)) previous.set(k, process.env[k]);
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  return () => {
    for (const [k, v] of previous) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/** Resolves `%Name%` references from process.env, like binding expressions in the real host. */
export function resolveSettings(value: string, what: string): string {
  return value.replace(/%([^%]+)%/g, (_m, name: string) => {
    const v = process.env[name];
    if (v === undefined || v === '')
      throw new SettingError(`${what}: app setting '${name}' (referenced as %${name}%) is not set.`);
    return v;
  });
}

/** `[d.]hh:mm:ss[.fff]` → milliseconds. */
export function parseTimeSpan(text: string): number {
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(text.trim());
  if (!m) throw new SettingError(`Invalid TimeSpan '${text}' (expected [d.]hh:mm:ss).`);
  const frac = m[5] ? Number(`0.${m[5]}`) : 0;
  return ((Number(m[1] ?? 0) * 24 + Number(m[2])) * 3600 + Number(m[3]) * 60 + Number(m[4]) + frac) * 1000;
}

export interface QueueOptions {
  /** Deliveries before a message goes to `<queue>-poison`. Default 5. */
  maxDequeueCount?: number;
  /** Messages fetched per poll. Default 16. */
  batchSize?: number;
  /**
   * How long a message whose handler threw stays invisible before the retry.
   * Default 0, the real extension's default (so a retry is visible at once). A host.json
   * value is honoured on the real clock; on a virtual clock it is ignored (Azurite counts
   * visibility in wall time, which does not move with virtual time) unless set here.
   */
  visibilityTimeoutMs?: number;
  /** `base64` (the extension's default) or `none`. */
  messageEncoding?: 'base64' | 'none';
  /** Poll interval when a queue is empty grows from `minPollingIntervalMs` to this. Default 1000 (the real default is 1 min). */
  maxPollingIntervalMs?: number;
  minPollingIntervalMs?: number;
}

export interface HostJsonOptions {
  taskHubName?: string;
  overridableExistingInstanceStates?: 'AnyState' | 'NonRunningStates';
  routePrefix?: string;
  queues: QueueOptions;
}

interface HostJsonShape {
  extensions?: {
    durableTask?: { hubName?: string; overridableExistingInstanceStates?: string };
    queues?: {
      maxDequeueCount?: number;
      batchSize?: number;
      visibilityTimeout?: string;
      messageEncoding?: string;
      maxPollingInterval?: string;
    };
    http?: { routePrefix?: string };
  };
}

/** Reads the parts of host.json that matter locally. `%Setting%` values are resolved later. */
export function readHostJson(source: string | object): HostJsonOptions {
  const json = (typeof source === 'string' ? JSON.parse(readFileSync(source, 'utf8')) : source) as HostJsonShape;
  const ext = json.extensions ?? {};
  const q = ext.queues ?? {};
  const encoding = q.messageEncoding?.toLowerCase();
  if (encoding !== undefined && encoding !== 'base64' && encoding !== 'none')
    throw new SettingError(
      `host.json extensions.queues.messageEncoding must be 'base64' or 'none', got '${q.messageEncoding}'.`,
    );
  const states = ext.durableTask?.overridableExistingInstanceStates;
  return {
    taskHubName: ext.durableTask?.hubName,
    overridableExistingInstanceStates:
      states === undefined ? undefined : states.toLowerCase() === 'nonrunningstates' ? 'NonRunningStates' : 'AnyState',
    routePrefix: ext.http?.routePrefix,
    queues: {
      maxDequeueCount: q.maxDequeueCount,
      batchSize: q.batchSize,
      visibilityTimeoutMs: q.visibilityTimeout === undefined ? undefined : parseTimeSpan(q.visibilityTimeout),
      messageEncoding: encoding as QueueOptions['messageEncoding'],
      // maxPollingInterval is not taken from host.json: its 1-minute default is too slow locally.
    },
  };
}
