import { parseSchedule, ScheduleError } from '../../dev/host/ncrontab';
import { matchRoute, parseRoute } from '../../dev/host/httpServer';
import { parseTimeSpan, resolveSettings } from '../../dev/host/settings';

describe('local host: NCRONTAB schedules', () => {
  it.each([
    ['0 0 2 * * *', '2026-01-01T00:00:00Z', '2026-01-01T02:00:00.000Z'],
    ['0 0 2 * * *', '2026-01-01T02:00:00Z', '2026-01-02T02:00:00.000Z'],
    ['*/15 * * * * *', '2026-01-01T00:00:07Z', '2026-01-01T00:00:15.000Z'],
    ['0 30 9 * * Mon-Fri', '2026-01-03T00:00:00Z', '2026-01-05T09:30:00.000Z'], // Saturday → Monday
    ['0 0 0 1 Jan,Jul *', '2026-02-01T00:00:00Z', '2026-07-01T00:00:00.000Z'],
    ['*/5 * * * *', '2026-01-01T00:01:00Z', '2026-01-01T00:05:00.000Z'], // five fields: second 0
    ['00:10:00', '2026-01-01T00:00:00Z', '2026-01-01T00:10:00.000Z'],
  ])('%s after %s is %s', (expr, after, expected) => {
    expect(new Date(parseSchedule(expr).next(Date.parse(after))).toISOString()).toBe(expected);
  });

  it.each(['0 0 25 * * *', 'not a schedule', '0 0 * * * * *', '0 61 * * * *'])('rejects %s', (expr) => {
    expect(() => parseSchedule(expr)).toThrow(ScheduleError);
  });
});

describe('local host: settings and routes', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('resolves %Setting% and names a missing one', () => {
    process.env.MY_QUEUE = 'orders';
    expect(resolveSettings('%MY_QUEUE%', 'queueName')).toBe('orders');
    expect(() => resolveSettings('%MISSING_ONE%', 'queueName')).toThrow(/'MISSING_ONE'/);
  });

  it('parses TimeSpans', () => {
    expect(parseTimeSpan('00:00:10')).toBe(10_000);
    expect(parseTimeSpan('3.00:00:00')).toBe(3 * 86_400_000);
  });

  it.each([
    ['items/{id:int}', 'items/12', { id: '12' }],
    ['items/{id:int}', 'items/x', undefined],
    ['items/{id}/{name?}', 'items/1', { id: '1' }],
    ['files/{*path}', 'files/a/b/c.txt', { path: 'a/b/c.txt' }],
    ['Orchestrators/{name}', 'orchestrators/Main', { name: 'Main' }],
  ])('route %s matches %s', (template, path, expected) => {
    expect(matchRoute(parseRoute(template), path.split('/'))).toEqual(expected);
  });
});
