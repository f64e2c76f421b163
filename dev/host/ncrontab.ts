/**
 * NCRONTAB schedules as the timer trigger reads them: six fields
 * `{second} {minute} {hour} {day} {month} {day-of-week}` (five fields are read with
 * second 0), or a TimeSpan `hh:mm:ss` interval. Times are UTC (WEBSITE_TIME_ZONE is not
 * modelled). Like NCrontab, the day-of-month and day-of-week fields must both match.
 */
export interface Schedule {
  /** The first occurrence strictly after `afterMs`. */
  next(afterMs: number): number;
  readonly source: string;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

export class ScheduleError extends Error {
  override name = 'ScheduleError';
}

function parseField(
  text: string,
  min: number,
  max: number,
  names: string[] | undefined,
  nameBase: number,
  what: string,
): Set<number> {
  const values = new Set<number>();
  const toNumber = (s: string): number => {
    const upper = s.toUpperCase();
    if (names) {
      const i = names.indexOf(upper.slice(0, 3));
      if (i >= 0 && /^[A-Z]+$/.test(upper)) return i + nameBase;
    }
    if (!/^\d+$/.test(s)) throw new ScheduleError(`Invalid ${what} value '${s}'.`);
    const n = Number(s);
    if (n < min || n > max) throw new ScheduleError(`${what} value ${n} is out of range ${min}-${max}.`);
    return n;
  };
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new ScheduleError(`Invalid step '${stepText}' in ${what}.`);
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      lo = min;
      hi = max;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-');
      lo = toNumber(a);
      hi = toNumber(b);
    } else {
      lo = toNumber(range);
      hi = stepText === undefined ? lo : max;
    }
    if (lo > hi) throw new ScheduleError(`Invalid range '${range}' in ${what}.`);
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return values;
}

class CronSchedule implements Schedule {
  private readonly seconds: Set<number>;
  private readonly minutes: Set<number>;
  private readonly hours: Set<number>;
  private readonly days: Set<number>;
  private readonly months: Set<number>;
  private readonly weekdays: Set<number>;

  constructor(
    readonly source: string,
    fields: string[],
  ) {
    this.seconds = parseField(fields[0], 0, 59, undefined, 0, 'second');
    this.minutes = parseField(fields[1], 0, 59, undefined, 0, 'minute');
    this.hours = parseField(fields[2], 0, 23, undefined, 0, 'hour');
    this.days = parseField(fields[3], 1, 31, undefined, 0, 'day');
    this.months = parseField(fields[4], 1, 12, MONTHS, 1, 'month');
    const wd = parseField(fields[5], 0, 7, DAYS, 0, 'day of week');
    if (wd.has(7)) wd.add(0);
    this.weekdays = wd;
  }

  next(afterMs: number): number {
    const d = new Date(Math.floor(afterMs / 1000) * 1000 + 1000);
    const limit = afterMs + 6 * 366 * 86400_000;
    while (d.getTime() <= limit) {
      if (!this.months.has(d.getUTCMonth() + 1)) {
        d.setUTCMonth(d.getUTCMonth() + 1, 1);
        d.setUTCHours(0, 0, 0, 0);
        continue;
      }
      if (!this.days.has(d.getUTCDate()) || !this.weekdays.has(d.getUTCDay())) {
        d.setUTCDate(d.getUTCDate() + 1);
        d.setUTCHours(0, 0, 0, 0);
        continue;
      }
      if (!this.hours.has(d.getUTCHours())) {
        d.setUTCHours(d.getUTCHours() + 1, 0, 0, 0);
        continue;
      }
      if (!this.minutes.has(d.getUTCMinutes())) {
        d.setUTCMinutes(d.getUTCMinutes() + 1, 0, 0);
        continue;
      }
      if (!this.seconds.has(d.getUTCSeconds())) {
        d.setUTCSeconds(d.getUTCSeconds() + 1, 0);
        continue;
      }
      return d.getTime();
    }
    throw new ScheduleError(`Schedule '${this.source}' has no occurrence in the next six years.`);
  }
}

class IntervalSchedule implements Schedule {
  constructor(
    readonly source: string,
    private readonly intervalMs: number,
  ) {}

  next(afterMs: number): number {
    return afterMs + this.intervalMs;
  }
}

export function parseSchedule(expression: string): Schedule {
  const text = expression.trim();
  const span = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(text);
  if (span) {
    const ms = ((Number(span[1] ?? 0) * 24 + Number(span[2])) * 3600 + Number(span[3]) * 60 + Number(span[4])) * 1000;
    if (ms <= 0) throw new ScheduleError(`Interval '${text}' must be positive.`);
    return new IntervalSchedule(text, ms);
  }
  const fields = text.split(/\s+/);
  if (fields.length === 5) fields.unshift('0');
  if (fields.length !== 6)
    throw new ScheduleError(
      `Schedule '${text}' must have 6 fields ({second} {minute} {hour} {day} {month} {day-of-week}) or be a TimeSpan hh:mm:ss.`,
    );
  return new CronSchedule(text, fields);
}
