/**
 * Validation of the six-field NCRONTAB expressions the Functions timer trigger takes:
 * `{second} {minute} {hour} {day} {month} {day-of-week}`.
 * Supported per field: `*`, `*\/n`, `a`, `a-b`, `a-b/n`, `a/n`, and comma lists of those;
 * month and day-of-week also accept three-letter names (JAN, MON…), case-insensitively.
 */

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const FIELDS: readonly FieldSpec[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 0, max: 6, names: DAYS },
];

/** Returns the problems found (empty when valid). Messages quote only the schedule itself (never secret). */
export function validateNcrontab(expression: string): string[] {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 6) {
    return [
      `must have 6 fields "{second} {minute} {hour} {day} {month} {day-of-week}" (e.g. "0 0 2 * * *"), got ${fields.length}`,
    ];
  }
  const problems: string[] = [];
  fields.forEach((field, i) => {
    const spec = FIELDS[i];
    const problem = validateField(field, spec);
    if (problem) problems.push(`${spec.name} field "${field}": ${problem}`);
  });
  return problems;
}

function validateField(field: string, spec: FieldSpec): string | undefined {
  for (const item of field.split(',')) {
    if (item === '') return 'empty list item';
    const [range, step, ...rest] = item.split('/');
    if (rest.length > 0) return `"${item}" has more than one "/"`;
    if (step !== undefined) {
      if (!/^\d+$/.test(step)) return `step "${step}" is not a positive integer`;
      const n = Number(step);
      if (n < 1 || n > spec.max - spec.min + 1) return `step ${n} must be between 1 and ${spec.max - spec.min + 1}`;
    }
    if (range === '*') continue;
    const bounds = range.split('-');
    if (bounds.length > 2) return `"${range}" is not a value or a range`;
    const values: number[] = [];
    for (const b of bounds) {
      const v = parseValue(b, spec);
      if (v === undefined)
        return `"${b}" is not a value between ${spec.min} and ${spec.max}${spec.names ? ` or a name (${spec.names[0]}…)` : ''}`;
      values.push(v);
    }
    if (values.length === 2 && values[0] > values[1]) return `range "${range}" runs backwards`;
  }
  return undefined;
}

function parseValue(text: string, spec: FieldSpec): number | undefined {
  if (/^\d{1,2}$/.test(text)) {
    const n = Number(text);
    return n >= spec.min && n <= spec.max ? n : undefined;
  }
  const index = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (index < 0) return undefined;
  return spec.names === MONTHS ? index + 1 : index;
}
