/**
 * S0-like rate limits per resource in clock time: a sliding 1 s window per bucket
 * (management = authorize + copy + delete, get, list). A refused request is not counted.
 */
import type { CallKind, RateLimits } from './types';
import { S0_RATE_LIMITS } from './types';

export type RateBucket = keyof RateLimits;

const WINDOW_MS = 1000;

export function bucketOf(call: CallKind): RateBucket {
  switch (call) {
    case 'authorize':
    case 'copy':
    case 'deleteModel':
      return 'management';
    case 'list':
      return 'list';
    case 'summary':
    case 'getModel':
    case 'copyResult':
      return 'get';
  }
}

export function resolveRateLimits(setting: boolean | Partial<RateLimits> | undefined): RateLimits | undefined {
  if (setting === undefined || setting === false) return undefined;
  if (setting === true) return { ...S0_RATE_LIMITS };
  return { ...S0_RATE_LIMITS, ...setting };
}

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number; bucket: RateBucket; limit: number };

export class RateLimiter {
  private readonly windows = new Map<string, number[]>();
  limits: RateLimits | undefined;

  constructor(limits: RateLimits | undefined) {
    this.limits = limits;
  }

  /** Counts the request if it is within the limit; otherwise says how long to wait. */
  tryAcquire(resource: string, call: CallKind, now: number): RateDecision {
    const limits = this.limits;
    if (!limits) return { ok: true };
    const bucket = bucketOf(call);
    const limit = limits[bucket];
    const key = `${resource}\u0000${bucket}`;
    const window = (this.windows.get(key) ?? []).filter((t) => t > now - WINDOW_MS);
    this.windows.set(key, window);
    if (window.length >= limit) {
      const oldest = window[window.length - limit] ?? now;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + WINDOW_MS - now) / 1000)), bucket, limit };
    }
    window.push(now);
    return { ok: true };
  }

  reset(): void {
    this.windows.clear();
  }
}
