import { ConfigurationError, loadSettings, referencedSecretSettings } from '../../src/config';
import { keyedEnv } from '../support/settingsEnv';

const PREDICTION_ID =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/cv-pred-eastus';
const PROJECT = '6f0f7e9c-2a3b-4c5d-8e9f-0a1b2c3d4e5f';

function problemsOf(
  env: Record<string, string | undefined>,
): Array<{ setting: string; path?: string; message: string }> {
  try {
    loadSettings(keyedEnv(env));
  } catch (e) {
    if (e instanceof ConfigurationError)
      return e.problems.map((p) => ({ setting: p.setting, ...(p.path ? { path: p.path } : {}), message: p.message }));
    throw e;
  }
  return [];
}

describe('CV_DR_* settings (Custom Vision project DR)', () => {
  it('off by default: no targets, keep 2, daily schedule, no training', () => {
    expect(loadSettings(keyedEnv()).customVisionDr).toEqual({
      targets: [],
      projects: [],
      keep: 2,
      schedule: '0 0 4 * * *',
      trainMissing: false,
    });
  });

  it('targets with a key setting (a reference, never the key) or Entra ID; projects by id or *', () => {
    const s = loadSettings(
      keyedEnv({
        CV_DR_TARGETS: JSON.stringify([
          {
            region: 'eastus',
            endpoint: 'https://cv-dr-east.cognitiveservices.azure.com/',
            keySetting: 'CV_DR_KEY_EASTUS',
            predictionResourceId: PREDICTION_ID,
          },
          {
            region: 'northeurope',
            endpoint: 'https://cv-dr-ne.cognitiveservices.azure.com',
            predictionResourceId: PREDICTION_ID,
          },
        ]),
        CV_DR_KEY_EASTUS: 'SECRET-cv-dr-key-0009',
        CV_DR_PROJECTS: ` ${PROJECT.toUpperCase()} `,
        CV_DR_KEEP: '3',
        CV_DR_SCHEDULE: '0 30 5 * * *',
        CV_DR_TRAIN_MISSING: 'TRUE',
      }),
    );
    expect(s.customVisionDr).toEqual({
      targets: [
        {
          region: 'eastus',
          endpoint: 'https://cv-dr-east.cognitiveservices.azure.com',
          credential: { kind: 'key', setting: 'CV_DR_KEY_EASTUS' },
          predictionResourceId: PREDICTION_ID,
        },
        {
          region: 'northeurope',
          endpoint: 'https://cv-dr-ne.cognitiveservices.azure.com',
          credential: { kind: 'entra' },
          predictionResourceId: PREDICTION_ID,
        },
      ],
      projects: [PROJECT],
      keep: 3,
      schedule: '0 30 5 * * *',
      trainMissing: true,
    });
    expect(JSON.stringify(s)).not.toContain('SECRET-cv-dr-key');
    expect(referencedSecretSettings(s)).toContain('CV_DR_KEY_EASTUS');
    expect(
      loadSettings(
        keyedEnv({
          CV_DR_TARGETS: JSON.stringify([
            {
              region: 'eastus',
              endpoint: 'https://x.cognitiveservices.azure.com',
              predictionResourceId: PREDICTION_ID,
            },
          ]),
          CV_DR_PROJECTS: '*',
        }),
      ).customVisionDr.projects,
    ).toBe('*');
  });

  it('reports every wrong CV_DR_* setting at once, each by name and path', () => {
    const problems = problemsOf({
      CV_DR_TARGETS: JSON.stringify([
        {
          region: 'East US',
          endpoint: 'ftp://x',
          keySetting: 'MISSING_KEY',
          predictionResourceId: 'not-an-id',
          extra: 1,
        },
        { region: 'eastus2', endpoint: 'https://cv.cognitiveservices.azure.com', predictionResourceId: PREDICTION_ID },
      ]),
      CV_DR_PROJECTS: 'abc,*',
      CV_DR_KEEP: '0',
      CV_DR_SCHEDULE: '0 0 4 * *',
      CV_DR_TRAIN_MISSING: 'yes',
    });
    const cvdr = problems.filter((p) => p.setting.startsWith('CV_'));
    expect(cvdr.map((p) => `${p.setting} ${p.path ?? ''}`.trim()).sort()).toEqual(
      [
        'CV_DR_KEEP',
        'CV_DR_PROJECTS',
        'CV_DR_PROJECTS',
        'CV_DR_SCHEDULE',
        'CV_DR_TARGETS CV_DR_TARGETS[0].endpoint',
        'CV_DR_TARGETS CV_DR_TARGETS[0].extra',
        'CV_DR_TARGETS CV_DR_TARGETS[0].keySetting',
        'CV_DR_TARGETS CV_DR_TARGETS[0].predictionResourceId',
        'CV_DR_TARGETS CV_DR_TARGETS[0].region',
        'CV_DR_TARGETS CV_DR_TARGETS[1].endpoint',
        'CV_DR_TRAIN_MISSING',
      ].sort(),
    );
    expect(cvdr.find((p) => p.path === 'CV_DR_TARGETS[1].endpoint')?.message).toMatch(
      /source training resource \(CV_ENDPOINT\)/,
    );
    expect(cvdr.find((p) => p.path === 'CV_DR_TARGETS[0].keySetting')?.message).toMatch(
      /MISSING_KEY, which is missing/,
    );
  });

  it('targets need projects and the source endpoint; projects need targets', () => {
    expect(
      problemsOf({
        CV_ENDPOINT: undefined,
        CV_TRAINING_KEY: undefined,
        CV_EXPORT_PLATFORMS: undefined,
        CV_DR_TARGETS: JSON.stringify([
          { region: 'eastus', endpoint: 'https://x.cognitiveservices.azure.com', predictionResourceId: PREDICTION_ID },
        ]),
      }).map((p) => p.setting),
    ).toEqual(['CV_ENDPOINT', 'CV_DR_PROJECTS']);
    expect(problemsOf({ CV_DR_PROJECTS: PROJECT }).map((p) => p.setting)).toEqual(['CV_DR_TARGETS']);
    expect(problemsOf({ CV_DR_TARGETS: '[' })[0]?.message).toMatch(/^is not valid JSON/);
  });
});
