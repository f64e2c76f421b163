/**
 * A `ConfigurationError` met by a client function (HTTP or queue trigger) — a secret whose Key
 * Vault reference no longer resolves, a ledger setting that cannot be used — is told once as a
 * `ModelDr.ConfigurationError` event naming the settings (never a value), and answered as a
 * configuration problem, never disguised as a transient failure.
 */
import type { HttpResponseInit } from '@azure/functions';
import { ConfigurationError } from '../config';
import { emitConfigurationError } from '../telemetry/emit';
import { ledgerUnavailableReason } from '../ledger/access';
import type { AppDependencies } from './dependencies';

/** Finds a ConfigurationError in an error or its causes. */
export function configurationErrorOf(e: unknown): ConfigurationError | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; depth++) {
    if (cur instanceof ConfigurationError) return cur;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Emits the event when `e` is (or was caused by) a ConfigurationError; returns it. */
export function reportConfigurationError(
  current: () => AppDependencies,
  component: string,
  e: unknown,
): ConfigurationError | undefined {
  const config = configurationErrorOf(e);
  if (config) emitConfigurationError(current().telemetry, config, component);
  return config;
}

/**
 * Wraps an HTTP handler: a ConfigurationError becomes `status` (500 by default) with the
 * setting names and, unless the route is anonymous, the error's message (which never holds a
 * secret), and an event. A ledger storage problem (unreachable, container missing) becomes a
 * 503 naming it (src/ledger/access.ts; an anonymous route says only that the storage failed).
 */
export function guardHttp<A extends unknown[]>(
  current: () => AppDependencies,
  component: string,
  handler: (...args: A) => Promise<HttpResponseInit>,
  options: { status?: number; anonymous?: boolean } = {},
): (...args: A) => Promise<HttpResponseInit> {
  return async (...args: A) => {
    try {
      return await handler(...args);
    } catch (e) {
      const storage = ledgerUnavailableReason(e);
      if (storage !== undefined) return ledgerUnavailableResponse(storage, options.anonymous ?? false);
      const config = reportConfigurationError(current, component, e);
      if (!config) throw e;
      return {
        status: options.status ?? 500,
        jsonBody: {
          error: 'configuration error',
          settings: config.settings,
          ...(options.anonymous ? {} : { message: config.message }),
        },
        headers: { 'Cache-Control': 'no-store' },
      };
    }
  };
}

/** The 503 of a route the ledger storage cannot serve now: the problem named (keyed routes), a retry hint. */
export function ledgerUnavailableResponse(reason: string, anonymous: boolean): HttpResponseInit {
  return {
    status: 503,
    jsonBody: { error: anonymous ? 'ledger storage unavailable' : `ledger storage unavailable: ${reason}` },
    headers: { 'Cache-Control': 'no-store', 'Retry-After': '30' },
  };
}
