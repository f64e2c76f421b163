/** The copy API version (`DR_API_VERSION`), the schedule (`DR_SCHEDULE`), parallelism and pacing. */
import {
  DEFAULT_API_VERSION,
  SUPPORTED_API_VERSIONS,
  isSupportedApiVersion,
  retiredApiVersionProblem,
  type ApiVersion,
} from '../common/apiVersions';
import { DEFAULTS, S0_MANAGEMENT_RPS_LIMIT } from './names';
import { validateNcrontab } from './ncrontab';
import type { SettingsReader } from './reader';
import type { PacingSettings } from './types';

export function parseApiVersion(r: SettingsReader): ApiVersion | undefined {
  const v = r.get('DR_API_VERSION') ?? DEFAULTS.DR_API_VERSION;
  if (isSupportedApiVersion(v)) return v;
  const retired = retiredApiVersionProblem(v);
  if (retired !== undefined) {
    r.add('DR_API_VERSION', retired);
  } else {
    r.add(
      'DR_API_VERSION',
      `"${v.slice(0, 40)}" is not supported: use one of ${SUPPORTED_API_VERSIONS.map((s) => `"${s}"`).join(', ')} (default "${DEFAULT_API_VERSION}")`,
    );
  }
  return undefined;
}

/** Six-field NCRONTAB, whitespace normalized. */
export function parseSchedule(r: SettingsReader): string {
  const schedule = r.string('DR_SCHEDULE', DEFAULTS.DR_SCHEDULE).split(/\s+/).join(' ');
  for (const problem of validateNcrontab(schedule))
    r.add('DR_SCHEDULE', `"${schedule}" is not a valid NCRONTAB expression: ${problem}`);
  return schedule;
}

export function parseMaxParallel(r: SettingsReader): number | undefined {
  return r.number('DR_MAX_PARALLEL', { min: 1, max: 256, integer: true, default: DEFAULTS.DR_MAX_PARALLEL });
}

export function parsePacing(r: SettingsReader): PacingSettings | undefined {
  const managementRps = r.number('DR_MANAGEMENT_RPS', {
    min: 0.1,
    max: S0_MANAGEMENT_RPS_LIMIT,
    integer: false,
    default: DEFAULTS.DR_MANAGEMENT_RPS,
    hint: `the service allows ${S0_MANAGEMENT_RPS_LIMIT} management requests per second per resource on S0 (1 on F0)`,
  });
  const pollInitial = r.number('DR_POLL_INITIAL_SECONDS', {
    min: 0.1,
    max: 60,
    integer: false,
    default: DEFAULTS.DR_POLL_INITIAL_SECONDS,
  });
  const pollMax = r.number('DR_POLL_MAX_SECONDS', {
    min: 1,
    max: 600,
    integer: false,
    default: DEFAULTS.DR_POLL_MAX_SECONDS,
  });
  const deadline = r.number('DR_COPY_DEADLINE_MINUTES', {
    min: 1,
    max: 1440,
    integer: true,
    default: DEFAULTS.DR_COPY_DEADLINE_MINUTES,
  });
  if (pollInitial !== undefined && pollMax !== undefined && pollMax < pollInitial) {
    r.add('DR_POLL_MAX_SECONDS', `${pollMax} is less than DR_POLL_INITIAL_SECONDS (${pollInitial})`);
  }
  if (pollMax !== undefined && deadline !== undefined && pollMax > deadline * 60) {
    r.add('DR_POLL_MAX_SECONDS', `${pollMax} s exceeds the copy deadline DR_COPY_DEADLINE_MINUTES (${deadline} min)`);
  }
  if (managementRps === undefined || pollInitial === undefined || pollMax === undefined || deadline === undefined)
    return undefined;
  return {
    managementRequestsPerSecond: managementRps,
    pollInitialSeconds: pollInitial,
    pollMaxSeconds: pollMax,
    copyDeadlineMinutes: deadline,
  };
}
