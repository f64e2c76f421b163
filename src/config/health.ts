/**
 * The health model's setting (issue 16): `DR_RPO_HOURS`, the recovery point objective.
 * A pair is healthy while its last verified copy is younger than the RPO, degraded up to
 * twice the RPO, unhealthy beyond (see src/health/health.ts). Default 26 h: one missed
 * daily run is tolerated. Parsed in the style of `loadSettings`: every problem is a
 * `ConfigurationError` naming the setting.
 */
import { ConfigurationError, type ConfigurationProblem } from './errors';

export const RPO_HOURS_SETTING = 'DR_RPO_HOURS';
export const DEFAULT_RPO_HOURS = 26;
export const MIN_RPO_HOURS = 1;
/** One year. */
export const MAX_RPO_HOURS = 8760;

export interface HealthSettings {
  /** Recovery point objective, in hours (integer, 1–8760). */
  readonly rpoHours: number;
  /** The same in seconds, for comparisons with ages. */
  readonly rpoSeconds: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads `DR_RPO_HOURS` and collects its problem instead of throwing, so `loadSettings` can
 * report it together with every other setting's.
 */
export function parseHealthSettings(env: Env = process.env): {
  settings?: HealthSettings;
  problems: ConfigurationProblem[];
} {
  const raw = env[RPO_HOURS_SETTING]?.trim();
  if (raw === undefined || raw === '') return { settings: freeze(DEFAULT_RPO_HOURS), problems: [] };
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < MIN_RPO_HOURS || n > MAX_RPO_HOURS) {
    return {
      problems: [
        {
          setting: RPO_HOURS_SETTING,
          message: `"${raw.slice(0, 40)}" must be an integer from ${MIN_RPO_HOURS} to ${MAX_RPO_HOURS} hours (default ${DEFAULT_RPO_HOURS}: one missed daily run is tolerated)`,
        },
      ],
    };
  }
  return { settings: freeze(n), problems: [] };
}

/** Reads `DR_RPO_HOURS`; throws `ConfigurationError` naming it when it is not an integer from 1 to 8760. */
export function loadHealthSettings(env: Env = process.env): HealthSettings {
  const { settings, problems } = parseHealthSettings(env);
  if (!settings) throw new ConfigurationError(problems);
  return settings;
}

function freeze(rpoHours: number): HealthSettings {
  return Object.freeze({ rpoHours, rpoSeconds: rpoHours * 3600 });
}
