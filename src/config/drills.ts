/**
 * Restore drills (`DR_DRILL_*`): where the sample documents are, when drills run, how close
 * two answers must be, whether values may be recorded, and how many pages a run (and a UTC day)
 * may analyze.
 * Drills are off when `DR_DRILL_SAMPLES_URL` is not set.
 */
import { parseContainerSetting } from './customVision';
import { DEFAULTS } from './names';
import { validateNcrontab } from './ncrontab';
import type { SettingsReader } from './reader';
import type { DrillSettings } from './types';

export function parseDrills(r: SettingsReader): DrillSettings | undefined {
  let ok = true;
  const samples = parseContainerSetting(r, 'DR_DRILL_SAMPLES_URL');
  if (samples === null) ok = false;
  const schedule = r.string('DR_DRILL_SCHEDULE', DEFAULTS.DR_DRILL_SCHEDULE).split(/\s+/).join(' ');
  for (const problem of validateNcrontab(schedule)) {
    r.add('DR_DRILL_SCHEDULE', `"${schedule}" is not a valid NCRONTAB expression: ${problem}`);
    ok = false;
  }
  const confidenceTolerance = r.number('DR_DRILL_CONFIDENCE_TOLERANCE', {
    min: 0,
    max: 1,
    integer: false,
    default: DEFAULTS.DR_DRILL_CONFIDENCE_TOLERANCE,
    hint: 'the largest accepted difference between two confidences (0–1)',
  });
  const maxPages = r.number('DR_DRILL_MAX_PAGES', {
    min: 1,
    max: 10_000,
    integer: true,
    default: DEFAULTS.DR_DRILL_MAX_PAGES,
    hint: 'pages analyzed per drill run, all analyze calls together (each page is billed)',
  });
  const maxPagesPerDay = r.number('DR_DRILL_MAX_PAGES_PER_DAY', {
    min: 1,
    max: 1_000_000,
    integer: true,
    default: DEFAULTS.DR_DRILL_MAX_PAGES_PER_DAY,
    hint: 'pages analyzed per UTC day, every drill run together (each page is billed)',
  });
  const recordRaw = r.get('DR_DRILL_RECORD_VALUES');
  let recordValues = false;
  if (recordRaw !== undefined) {
    if (/^(true|false)$/i.test(recordRaw)) recordValues = recordRaw.toLowerCase() === 'true';
    else {
      r.add('DR_DRILL_RECORD_VALUES', `"${recordRaw.slice(0, 20)}" must be true or false (default false)`);
      ok = false;
    }
  }
  if (!ok || confidenceTolerance === undefined || maxPages === undefined || maxPagesPerDay === undefined)
    return undefined;
  return {
    ...(samples ? { samples } : {}),
    schedule,
    confidenceTolerance,
    recordValues,
    maxPages,
    maxPagesPerDay,
  };
}
