import { ConfigurationError } from '../../src/config/errors';
import { DEFAULT_RPO_HOURS, RPO_HOURS_SETTING, loadHealthSettings, parseHealthSettings } from '../../src/config/health';

describe('DR_RPO_HOURS', () => {
  test('defaults to 26 hours (one missed daily run tolerated)', () => {
    expect(DEFAULT_RPO_HOURS).toBe(26);
    expect(loadHealthSettings({})).toEqual({ rpoHours: 26, rpoSeconds: 26 * 3600 });
    expect(loadHealthSettings({ DR_RPO_HOURS: '  ' })).toEqual({ rpoHours: 26, rpoSeconds: 93600 });
  });

  test.each([
    ['1', 1],
    ['48', 48],
    [' 8760 ', 8760],
  ])('accepts %j', (raw, hours) => {
    expect(loadHealthSettings({ DR_RPO_HOURS: raw })).toEqual({ rpoHours: hours, rpoSeconds: hours * 3600 });
  });

  test.each(['0', '8761', '-1', '1.5', '26h', 'abc', '1e3', '0x10', '99999999999999999999'])(
    'rejects %j as a configuration error naming the setting',
    (raw) => {
      let error: unknown;
      try {
        loadHealthSettings({ DR_RPO_HOURS: raw });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigurationError);
      const ce = error as ConfigurationError;
      expect(ce.settings).toEqual([RPO_HOURS_SETTING]);
      expect(ce.message).toMatch(/DR_RPO_HOURS: .*must be an integer from 1 to 8760 hours \(default 26/);
      expect(parseHealthSettings({ DR_RPO_HOURS: raw })).toEqual({
        problems: [{ setting: 'DR_RPO_HOURS', message: expect.stringContaining('from 1 to 8760') }],
      });
    },
  );

  test('a long value is cut in the message', () => {
    const { problems } = parseHealthSettings({ DR_RPO_HOURS: 'x'.repeat(500) });
    expect(problems[0].message.length).toBeLessThan(200);
  });
});
