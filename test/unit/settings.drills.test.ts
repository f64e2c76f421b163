import { ConfigurationError, DEFAULTS, loadSettings, referencedSecretSettings } from '../../src/config';
import { keyedEnv } from '../support/settingsEnv';

function problemsOf(env: Record<string, string | undefined>): Array<{ setting: string; message: string }> {
  try {
    loadSettings(keyedEnv(env));
  } catch (e) {
    if (e instanceof ConfigurationError) return e.problems.map((p) => ({ setting: p.setting, message: p.message }));
    throw e;
  }
  return [];
}

describe('DR_DRILL_* settings', () => {
  it('drills are off without a sample container; the defaults are weekly, 0.05, no values, 20 pages a run, 100 a day', () => {
    const s = loadSettings(keyedEnv()).drills;
    expect(s).toEqual({
      schedule: DEFAULTS.DR_DRILL_SCHEDULE,
      confidenceTolerance: 0.05,
      recordValues: false,
      maxPages: 20,
      maxPagesPerDay: 100,
    });
    expect(s.samples).toBeUndefined();
    expect(DEFAULTS.DR_DRILL_SCHEDULE).toBe('0 0 3 * * 0');
  });

  it('a sample container URL with a SAS keeps only a reference to the SAS (never the signature)', () => {
    const settings = loadSettings(
      keyedEnv({
        DR_DRILL_SAMPLES_URL:
          'https://samples.blob.core.windows.net/drill-samples?sv=2024-08-04&sp=rl&sig=SECRETSIG%3D',
        DR_DRILL_SCHEDULE: '0  30 4 * * 1',
        DR_DRILL_CONFIDENCE_TOLERANCE: '0.1',
        DR_DRILL_RECORD_VALUES: 'TRUE',
        DR_DRILL_MAX_PAGES: '5',
        DR_DRILL_MAX_PAGES_PER_DAY: '12',
      }),
    );
    expect(settings.drills).toEqual({
      samples: {
        url: 'https://samples.blob.core.windows.net/drill-samples',
        accountUrl: 'https://samples.blob.core.windows.net',
        containerName: 'drill-samples',
        sas: { setting: 'DR_DRILL_SAMPLES_URL', part: 'sasQuery' },
      },
      schedule: '0 30 4 * * 1',
      confidenceTolerance: 0.1,
      recordValues: true,
      maxPages: 5,
      maxPagesPerDay: 12,
    });
    expect(JSON.stringify(settings)).not.toContain('SECRETSIG');
    expect(referencedSecretSettings(settings)).toContain('DR_DRILL_SAMPLES_URL');
  });

  it('reports every wrong drill setting at once, each by name', () => {
    const problems = problemsOf({
      DR_DRILL_SAMPLES_URL: 'https://samples.blob.core.windows.net/a/b',
      DR_DRILL_SCHEDULE: '0 0 3 * *',
      DR_DRILL_CONFIDENCE_TOLERANCE: '2',
      DR_DRILL_RECORD_VALUES: 'yes',
      DR_DRILL_MAX_PAGES: '0',
      DR_DRILL_MAX_PAGES_PER_DAY: '1.5',
    });
    expect(problems.map((p) => p.setting).sort()).toEqual([
      'DR_DRILL_CONFIDENCE_TOLERANCE',
      'DR_DRILL_MAX_PAGES',
      'DR_DRILL_MAX_PAGES_PER_DAY',
      'DR_DRILL_RECORD_VALUES',
      'DR_DRILL_SAMPLES_URL',
      'DR_DRILL_SCHEDULE',
    ]);
  });

  it('a query that is not a SAS is refused (the value is not shown)', () => {
    const problems = problemsOf({ DR_DRILL_SAMPLES_URL: 'https://samples.blob.core.windows.net/s?token=abc' });
    expect(problems).toEqual([{ setting: 'DR_DRILL_SAMPLES_URL', message: expect.stringContaining('not a SAS') }]);
    expect(JSON.stringify(problems)).not.toContain('abc');
  });
});
