import {
  ConfigurationError,
  describeSettings,
  loadSettings,
  resolveSecret,
  validateNcrontab,
  type Env,
  type Settings,
} from '../../src/config';

const SOURCE_ID =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/src';
const TARGET_ID =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/tgt';
const TARGET2_ID =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/tgt2';

// Fake secret values that must never show up in settings, summaries or errors.
const SOURCE_KEY = 'SECRET-source-key-0001';
const TARGET_KEY = 'SECRET-target-key-0002';
const CV_KEY = 'SECRET-cv-key-0003';
const SAS = 'sv=2024-08-04&sp=racw&sig=SECRETSIG0004%3D';
const ACCOUNT_KEY = 'SECRETaccountKey0005==';
const SECRETS = [SOURCE_KEY, TARGET_KEY, CV_KEY, 'SECRETSIG0004', ACCOUNT_KEY];

const target = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  region: 'eastus2',
  endpoint: 'https://tgt.cognitiveservices.azure.com',
  resourceId: TARGET_ID,
  keySetting: 'DR_TARGET_KEY_EASTUS2',
  ...over,
});

function validEnv(over: Record<string, string | undefined> = {}): Env {
  return {
    AzureWebJobsStorage: `DefaultEndpointsProtocol=https;AccountName=drstate;AccountKey=${ACCOUNT_KEY};EndpointSuffix=core.windows.net`,
    DR_SOURCE_ENDPOINT: 'https://src.cognitiveservices.azure.com/',
    DR_SOURCE_REGION: 'westus2',
    DR_SOURCE_RESOURCE_ID: SOURCE_ID,
    DR_SOURCE_KEY: SOURCE_KEY,
    DR_TARGETS: JSON.stringify([target()]),
    DR_TARGET_KEY_EASTUS2: TARGET_KEY,
    CV_ENDPOINT: 'https://cv.cognitiveservices.azure.com',
    CV_TRAINING_KEY: CV_KEY,
    CV_EXPORT_PLATFORMS: 'onnx, tensorflow:tensorflowlite',
    CV_BACKUP_CONTAINER_URL: 'https://backups.blob.core.windows.net/cv-backups',
    CV_REPLICA_CONTAINER_URL: `https://replica.blob.core.windows.net/cv-replica?${SAS}`,
    ...over,
  };
}

function loadError(env: Env): ConfigurationError {
  try {
    loadSettings(env);
  } catch (err) {
    if (err instanceof ConfigurationError) return err;
    throw err;
  }
  throw new Error('expected a ConfigurationError');
}

function expectNoSecrets(text: string): void {
  for (const s of SECRETS) expect(text).not.toContain(s);
}

describe('loadSettings', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });

  it('reads a complete configuration into a typed, frozen object with defaults', () => {
    // Prepare
    const env = validEnv();
    // Act
    const s = loadSettings(env);
    // Assess
    expect(s.source).toEqual({
      region: 'westus2',
      endpoint: 'https://src.cognitiveservices.azure.com',
      resourceId: SOURCE_ID,
      credential: { kind: 'key', setting: 'DR_SOURCE_KEY' },
    });
    expect(s.targets).toEqual([
      {
        region: 'eastus2',
        endpoint: 'https://tgt.cognitiveservices.azure.com',
        resourceId: TARGET_ID,
        credential: { kind: 'key', setting: 'DR_TARGET_KEY_EASTUS2' },
        allowDegrade: false,
      },
    ]);
    expect(s).toMatchObject({
      taskHub: 'ModelDr',
      apiVersion: 'v2.1',
      apiFamily: 'formRecognizerV2',
      schedule: '0 0 2 * * *',
      maxParallel: 4,
      pacing: { managementRequestsPerSecond: 4, pollInitialSeconds: 1, pollMaxSeconds: 15, copyDeadlineMinutes: 60 },
      ledgerContainer: 'model-dr',
    });
    expect(s.storage).toEqual({
      kind: 'connectionString',
      connectionString: { setting: 'AzureWebJobsStorage' },
      developmentStorage: false,
      accountName: 'drstate',
      blobEndpoint: undefined,
    });
    expect(s.customVision).toEqual({
      endpoint: 'https://cv.cognitiveservices.azure.com',
      trainingKey: { setting: 'CV_TRAINING_KEY' },
      exportPlatforms: [{ platform: 'ONNX' }, { platform: 'TensorFlow', flavor: 'TensorFlowLite' }],
      notificationQueue: 'customvision-notifications',
      backupContainer: {
        url: 'https://backups.blob.core.windows.net/cv-backups',
        accountUrl: 'https://backups.blob.core.windows.net',
        containerName: 'cv-backups',
      },
      replicaContainer: {
        url: 'https://replica.blob.core.windows.net/cv-replica',
        accountUrl: 'https://replica.blob.core.windows.net',
        containerName: 'cv-replica',
        sas: { setting: 'CV_REPLICA_CONTAINER_URL', part: 'sasQuery' },
      },
    });
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.targets[0].credential)).toBe(true);
    expect(Object.isFrozen(s.customVision.exportPlatforms)).toBe(true);
  });

  it('reads process.env by default', () => {
    // Prepare
    Object.assign(process.env, validEnv({ DR_MAX_PARALLEL: '7' }));
    // Act
    const s = loadSettings();
    // Assess
    expect(s.maxParallel).toBe(7);
  });

  it('never holds a secret value: JSON, summary and errors are log-safe', () => {
    // Prepare
    const env = validEnv();
    // Act
    const s = loadSettings(env);
    const json = JSON.stringify(s);
    const summary = JSON.stringify(describeSettings(s));
    const err = loadError({
      ...env,
      DR_SOURCE_ENDPOINT: `https://user:${SOURCE_KEY}@src.example.com/?k=${TARGET_KEY}`,
      AzureWebJobsStorage: `AccountKey=${ACCOUNT_KEY}`,
      DR_TARGETS: `[{"region":"x","key":"${TARGET_KEY}"`,
      CV_BACKUP_CONTAINER_URL: `https://a.blob.core.windows.net/c/d?${SAS}`,
    });
    // Assess
    expectNoSecrets(json);
    expectNoSecrets(summary);
    expectNoSecrets(err.message);
    expectNoSecrets(JSON.stringify(err.problems));
    expect(summary).toContain('key from DR_SOURCE_KEY');
    expect(summary).toContain('https://replica.blob.core.windows.net/cv-replica (SAS from CV_REPLICA_CONTAINER_URL)');
  });

  it('collects every problem into one error, naming each setting', () => {
    // Prepare
    const env: Env = {
      DR_API_VERSION: 'v2.0',
      DR_MAX_PARALLEL: '0',
      DR_SCHEDULE: '0 0 2 * *',
      DR_TARGETS: JSON.stringify([target({ endpoint: 'http://tgt.example.com' }), target()]),
    };
    // Act
    const err = loadError(env);
    // Assess
    expect(err.name).toBe('ConfigurationError');
    expect(err.setting).toBe('AzureWebJobsStorage');
    expect(err.settings).toEqual([
      'AzureWebJobsStorage',
      'DR_SOURCE_ENDPOINT',
      'DR_SOURCE_REGION',
      'DR_SOURCE_RESOURCE_ID',
      'DR_TARGETS',
      'DR_API_VERSION',
      'DR_SCHEDULE',
      'DR_MAX_PARALLEL',
    ]);
    expect(err.message).toMatch(/^Invalid configuration \(\d+ problems\):/);
    for (const name of [
      ...err.settings,
      'DR_TARGETS[0].endpoint',
      'DR_TARGETS[0].keySetting',
      'DR_TARGET_KEY_EASTUS2',
      'DR_TARGETS[1].keySetting',
    ]) {
      expect(err.message).toContain(name);
    }
  });

  describe('storage', () => {
    it.each([
      [
        'development storage',
        { AzureWebJobsStorage: 'UseDevelopmentStorage=true' },
        { kind: 'connectionString', developmentStorage: true },
      ],
      [
        'account key',
        { AzureWebJobsStorage: `AccountName=acct;AccountKey=${ACCOUNT_KEY}` },
        { kind: 'connectionString', accountName: 'acct' },
      ],
      [
        'SAS with blob endpoint',
        { AzureWebJobsStorage: `BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=${SAS}` },
        { blobEndpoint: 'https://acct.blob.core.windows.net' },
      ],
      [
        'identity: account name',
        { AzureWebJobsStorage: undefined, AzureWebJobsStorage__accountName: 'acct' },
        {
          kind: 'identity',
          blobServiceUri: 'https://acct.blob.core.windows.net',
          queueServiceUri: 'https://acct.queue.core.windows.net',
          tableServiceUri: 'https://acct.table.core.windows.net',
        },
      ],
      [
        'identity: service URIs',
        {
          AzureWebJobsStorage: '',
          AzureWebJobsStorage__blobServiceUri: 'https://acct.blob.core.windows.net/',
          AzureWebJobsStorage__queueServiceUri: 'https://acct.queue.core.windows.net',
          AzureWebJobsStorage__clientId: 'abc',
        },
        {
          kind: 'identity',
          blobServiceUri: 'https://acct.blob.core.windows.net',
          queueServiceUri: 'https://acct.queue.core.windows.net',
          tableServiceUri: undefined,
          clientId: 'abc',
        },
      ],
    ])('accepts %s', (_name, over, expected) => {
      // Prepare / Act
      const s = loadSettings(validEnv(over));
      // Assess
      expect(s.storage).toMatchObject(expected);
    });

    it.each([
      ['missing', { AzureWebJobsStorage: undefined }, 'AzureWebJobsStorage', /is missing/],
      [
        'not a connection string',
        { AzureWebJobsStorage: 'just-a-key' },
        'AzureWebJobsStorage',
        /not a storage connection string/,
      ],
      [
        'no key',
        { AzureWebJobsStorage: 'AccountName=acct' },
        'AzureWebJobsStorage',
        /needs AccountName and AccountKey/,
      ],
      [
        'bad account name',
        { AzureWebJobsStorage: undefined, AzureWebJobsStorage__accountName: 'Bad_Name' },
        'AzureWebJobsStorage__accountName',
        /storage account name/,
      ],
      [
        'blob URI without queue URI',
        { AzureWebJobsStorage: undefined, AzureWebJobsStorage__blobServiceUri: 'https://a.blob.core.windows.net' },
        'AzureWebJobsStorage__queueServiceUri',
        /is required/,
      ],
    ])('rejects %s', (_name, over, setting, message) => {
      // Prepare / Act
      const err = loadError(validEnv(over));
      // Assess
      expect(err.setting).toBe(setting);
      expect(err.message).toMatch(message);
    });
  });

  describe('DR_TASK_HUB', () => {
    it.each(['ModelDr', 'abc', 'Hub2026', 'a'.repeat(45)])('accepts %s', (hub) => {
      expect(loadSettings(validEnv({ DR_TASK_HUB: hub })).taskHub).toBe(hub);
    });
    it.each(['ab', 'a'.repeat(46), '1hub', 'model-dr', 'model_dr', 'hub name'])('rejects %s', (hub) => {
      const err = loadError(validEnv({ DR_TASK_HUB: hub }));
      expect(err.setting).toBe('DR_TASK_HUB');
      expect(err.message).toMatch(/3–45 characters, letters and digits only, starting with a letter/);
    });
  });

  describe('endpoints', () => {
    it.each([
      ['https://src.cognitiveservices.azure.com', 'https://src.cognitiveservices.azure.com'],
      ['https://SRC.cognitiveservices.azure.com///', 'https://src.cognitiveservices.azure.com'],
      ['https://src.example.com:8443/', 'https://src.example.com:8443'],
      ['http://127.0.0.1:7071', 'http://127.0.0.1:7071'],
      ['http://localhost:8080/', 'http://localhost:8080'],
      ['http://[::1]:9000', 'http://[::1]:9000'],
    ])('accepts %s as %s', (value, normalized) => {
      expect(loadSettings(validEnv({ DR_SOURCE_ENDPOINT: value })).source.endpoint).toBe(normalized);
    });

    it.each([
      ['not a URL', 'src.cognitiveservices.azure.com', /not an http\(s\) URL/],
      ['ftp', 'ftp://src.example.com', /not an http\(s\) URL/],
      ['http on a public host', 'http://src.cognitiveservices.azure.com', /must use https/],
      ['a path', 'https://src.cognitiveservices.azure.com/formrecognizer/v2.1', /without a path/],
      ['a query', 'https://src.cognitiveservices.azure.com/?x=1', /query string/],
      ['an empty query', 'https://src.cognitiveservices.azure.com/?', /query string/],
      ['a fragment', 'https://src.cognitiveservices.azure.com/#x', /fragment/],
      ['credentials', 'https://u:p@src.cognitiveservices.azure.com', /credentials/],
    ])('rejects %s', (_name, value, message) => {
      const err = loadError(validEnv({ DR_SOURCE_ENDPOINT: value, CV_ENDPOINT: value }));
      expect(err.settings).toEqual(['DR_SOURCE_ENDPOINT', 'CV_ENDPOINT']);
      expect(err.problems[0].message).toMatch(message);
    });
  });

  describe('source region and resource id', () => {
    it.each([['westus2'], ['a'], ['x'.repeat(24)]])('accepts region %s', (region) => {
      expect(loadSettings(validEnv({ DR_SOURCE_REGION: region })).source.region).toBe(region);
    });
    it.each([
      ['WestUS2', /lower case: "westus2"/],
      ['west-us', /not a region name/],
      ['x'.repeat(25), /1–24/],
      [undefined, /is required/],
    ])('rejects region %s', (region, message) => {
      const err = loadError(validEnv({ DR_SOURCE_REGION: region }));
      expect(err.setting).toBe('DR_SOURCE_REGION');
      expect(err.message).toMatch(message);
    });
    it.each([[SOURCE_ID], [SOURCE_ID.replace('Microsoft.CognitiveServices', 'microsoft.cognitiveservices')]])(
      'accepts resource id %s',
      (id) => {
        expect(loadSettings(validEnv({ DR_SOURCE_RESOURCE_ID: id })).source.resourceId).toBe(id);
      },
    );
    it.each([
      ['wrong provider', SOURCE_ID.replace('Microsoft.CognitiveServices', 'Microsoft.Storage')],
      ['trailing slash', `${SOURCE_ID}/`],
      ['empty segment', '/subscriptions//resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a'],
      ['extra segment', `${SOURCE_ID}/models/x`],
      ['too long', SOURCE_ID.replace('/accounts/src', `/accounts/${'a'.repeat(1024)}`)],
    ])('rejects resource id with %s', (_name, id) => {
      expect(loadError(validEnv({ DR_SOURCE_RESOURCE_ID: id })).setting).toBe('DR_SOURCE_RESOURCE_ID');
    });
  });

  describe('credentials', () => {
    it.each([
      [{ DR_SOURCE_KEY: SOURCE_KEY }, { kind: 'key', setting: 'DR_SOURCE_KEY' }],
      [{ DR_SOURCE_KEY: undefined }, { kind: 'entra' }],
      [{ DR_SOURCE_KEY: '  ' }, { kind: 'entra' }],
    ])('source key %p → %p', (over, credential) => {
      expect(loadSettings(validEnv(over)).source.credential).toEqual(credential);
    });

    it('a target without keySetting uses Entra ID', () => {
      const s = loadSettings(validEnv({ DR_TARGETS: JSON.stringify([target({ keySetting: undefined })]) }));
      expect(s.targets[0].credential).toEqual({ kind: 'entra' });
    });
  });

  describe('DR_TARGETS', () => {
    it('reads several targets, allowDegrade and Entra ID', () => {
      // Prepare
      const targets = [
        target(),
        {
          region: 'westeurope',
          endpoint: 'https://tgt2.cognitiveservices.azure.com/',
          resourceId: TARGET2_ID,
          allowDegrade: true,
        },
      ];
      // Act
      const s = loadSettings(validEnv({ DR_TARGETS: JSON.stringify(targets) }));
      // Assess
      expect(s.targets.map((t) => [t.region, t.endpoint, t.credential.kind, t.allowDegrade])).toEqual([
        ['eastus2', 'https://tgt.cognitiveservices.azure.com', 'key', false],
        ['westeurope', 'https://tgt2.cognitiveservices.azure.com', 'entra', true],
      ]);
    });

    const second = {
      region: 'westeurope',
      endpoint: 'https://tgt2.cognitiveservices.azure.com',
      resourceId: TARGET2_ID,
    };
    it.each([
      ['missing', undefined, 'DR_TARGETS: is required'],
      ['not JSON', '[{region:', 'DR_TARGETS: is not valid JSON'],
      ['not an array', '{}', 'DR_TARGETS: must be a JSON array'],
      ['empty', '[]', 'DR_TARGETS: must list at least one target'],
      ['a non-object entry', JSON.stringify([target(), 'eastus']), 'DR_TARGETS[1]: must be an object'],
      ['an unknown key', JSON.stringify([target({ key: 'x' })]), 'DR_TARGETS[0].key: unknown field "key"'],
      [
        'a misspelled key',
        JSON.stringify([second, target({ allowDowngrade: true })]),
        'DR_TARGETS[1].allowDowngrade: unknown field',
      ],
      ['a missing region', JSON.stringify([target({ region: undefined })]), 'DR_TARGETS[0].region: is required'],
      [
        'a non-string endpoint',
        JSON.stringify([target({ endpoint: 42 })]),
        'DR_TARGETS[0].endpoint: must be a string, got number',
      ],
      [
        'a bad endpoint',
        JSON.stringify([second, target({ endpoint: 'http://tgt.example.com' })]),
        'DR_TARGETS[1].endpoint: must use https',
      ],
      [
        'a bad resource id',
        JSON.stringify([target({ resourceId: 'tgt' })]),
        'DR_TARGETS[0].resourceId: "tgt" is not a Cognitive Services resource id',
      ],
      [
        'an upper-case region',
        JSON.stringify([target({ region: 'EastUS2' })]),
        'DR_TARGETS[0].region: "EastUS2" is not a region name',
      ],
      [
        'a non-boolean allowDegrade',
        JSON.stringify([target({ allowDegrade: 'yes' })]),
        'DR_TARGETS[0].allowDegrade: must be true or false',
      ],
      [
        'a duplicate region',
        JSON.stringify([target(), { ...second, region: 'eastus2' }]),
        'DR_TARGETS[1].region: duplicates DR_TARGETS[0].region',
      ],
      [
        'a duplicate resource id',
        JSON.stringify([target(), { ...second, resourceId: TARGET_ID.toUpperCase() }]),
        'DR_TARGETS[1].resourceId: duplicates DR_TARGETS[0].resourceId',
      ],
      [
        'a duplicate endpoint',
        JSON.stringify([target(), { ...second, endpoint: 'https://TGT.cognitiveservices.azure.com' }]),
        'DR_TARGETS[1].endpoint: duplicates DR_TARGETS[0].endpoint',
      ],
      [
        'the source resource',
        JSON.stringify([target({ resourceId: SOURCE_ID })]),
        'DR_TARGETS[0].resourceId: is the source resource',
      ],
      [
        'the source endpoint',
        JSON.stringify([target({ endpoint: 'https://src.cognitiveservices.azure.com' })]),
        'DR_TARGETS[0].endpoint: is the source endpoint',
      ],
      ['an empty keySetting', JSON.stringify([target({ keySetting: '' })]), 'DR_TARGETS[0].keySetting: is empty'],
      [
        'a keySetting that is no setting name',
        JSON.stringify([target({ keySetting: 'my key' })]),
        'DR_TARGETS[0].keySetting: "my key" is not a setting name',
      ],
      [
        'a keySetting naming a missing setting',
        JSON.stringify([second, target({ keySetting: 'KEY_NOT_THERE' })]),
        'DR_TARGETS[1].keySetting: names the setting KEY_NOT_THERE, which is missing or empty',
      ],
    ])('rejects %s', (_name, value, expected) => {
      // Prepare / Act
      const err = loadError(validEnv({ DR_TARGETS: value }));
      // Assess
      expect(err.setting).toBe('DR_TARGETS');
      expect(err.message).toContain(expected);
    });

    it('names the keySetting and the missing setting when that setting is empty', () => {
      const err = loadError(validEnv({ DR_TARGET_KEY_EASTUS2: '' }));
      expect(err.problems).toEqual([
        {
          setting: 'DR_TARGETS',
          path: 'DR_TARGETS[0].keySetting',
          message: expect.stringContaining('DR_TARGET_KEY_EASTUS2'),
        },
      ]);
    });

    it('reports every bad field of every target', () => {
      const err = loadError(
        validEnv({ DR_TARGETS: JSON.stringify([{ region: 'A', endpoint: 'x', resourceId: 'y' }, { region: 'b' }]) }),
      );
      expect(err.problems.map((p) => p.path)).toEqual([
        'DR_TARGETS[0].region',
        'DR_TARGETS[0].endpoint',
        'DR_TARGETS[0].resourceId',
        'DR_TARGETS[1].endpoint',
        'DR_TARGETS[1].resourceId',
      ]);
    });
  });

  describe('DR_API_VERSION', () => {
    it.each([
      [undefined, 'v2.1', 'formRecognizerV2'],
      ['v2.1', 'v2.1', 'formRecognizerV2'],
      ['2023-07-31', '2023-07-31', 'documentModels'],
      ['2024-11-30', '2024-11-30', 'documentModels'],
    ])('accepts %s', (value, version, family) => {
      const s = loadSettings(validEnv({ DR_API_VERSION: value }));
      expect([s.apiVersion, s.apiFamily]).toEqual([version, family]);
    });
    it.each(['v2.0', 'v2.0-preview'])('rejects the retired %s, naming the retirement and v2.1', (value) => {
      const err = loadError(validEnv({ DR_API_VERSION: value }));
      expect(err.setting).toBe('DR_API_VERSION');
      expect(err.message).toContain('retired by the service on 31 Aug 2026');
      expect(err.message).toContain('"v2.1"');
    });
    it.each(['v3.0', '2022-08-31', 'latest'])('rejects unknown %s', (value) => {
      expect(loadError(validEnv({ DR_API_VERSION: value })).message).toContain('is not supported');
    });
  });

  describe('DR_SCHEDULE', () => {
    it.each([
      '0 0 2 * * *',
      '*/30 * * * * *',
      '0 0,30 8-18 * * MON-FRI',
      '0 0 */6 1-15/2 jan,Jul 0',
      '0  5 4 31 12 6',
      '59 59 23 * * sat',
    ])('accepts %s', (value) => {
      expect(loadSettings(validEnv({ DR_SCHEDULE: value })).schedule).toBe(value.split(/\s+/).join(' '));
    });
    it('defaults to 0 0 2 * * *', () => {
      expect(loadSettings(validEnv({ DR_SCHEDULE: undefined })).schedule).toBe('0 0 2 * * *');
    });
    it.each([
      ['0 2 * * *', /6 fields/],
      ['0 0 2 * * * *', /6 fields/],
      ['60 0 2 * * *', /second field "60"/],
      ['0 60 2 * * *', /minute field/],
      ['0 0 24 * * *', /hour field/],
      ['0 0 2 0 * *', /day field "0"/],
      ['0 0 2 32 * *', /day field/],
      ['0 0 2 * 13 *', /month field/],
      ['0 0 2 * * 7', /day-of-week field/],
      ['0 0 2 * * FUN', /day-of-week field/],
      ['0 0 10-2 * * *', /runs backwards/],
      ['*/0 * * * * *', /step 0/],
      ['*/x * * * * *', /step "x"/],
      ['1,,2 * * * * *', /empty list item/],
      ['0 0 1-2-3 * * *', /not a value or a range/],
      ['0 0 1/2/3 * * *', /more than one/],
      ['%SCHEDULE% * * * * *', /second field/],
    ])('rejects %s', (value, message) => {
      const err = loadError(validEnv({ DR_SCHEDULE: value }));
      expect(err.setting).toBe('DR_SCHEDULE');
      expect(err.message).toMatch(message);
    });
    it('validateNcrontab returns no problem for a valid expression', () => {
      expect(validateNcrontab('0 */5 * * * *')).toEqual([]);
    });
  });

  describe('numbers', () => {
    it.each([
      ['DR_MAX_PARALLEL', '1', (s: Settings) => s.maxParallel, 1],
      ['DR_MAX_PARALLEL', '256', (s: Settings) => s.maxParallel, 256],
      ['DR_MANAGEMENT_RPS', '5', (s: Settings) => s.pacing.managementRequestsPerSecond, 5],
      ['DR_MANAGEMENT_RPS', '0.5', (s: Settings) => s.pacing.managementRequestsPerSecond, 0.5],
      ['DR_POLL_INITIAL_SECONDS', '2', (s: Settings) => s.pacing.pollInitialSeconds, 2],
      ['DR_POLL_MAX_SECONDS', '30', (s: Settings) => s.pacing.pollMaxSeconds, 30],
      ['DR_COPY_DEADLINE_MINUTES', '1440', (s: Settings) => s.pacing.copyDeadlineMinutes, 1440],
    ])('%s=%s is accepted', (name, value, pick, expected) => {
      expect(pick(loadSettings(validEnv({ [name]: value })))).toBe(expected);
    });
    it.each([
      ['DR_MAX_PARALLEL', '0'],
      ['DR_MAX_PARALLEL', '257'],
      ['DR_MAX_PARALLEL', '2.5'],
      ['DR_MAX_PARALLEL', 'four'],
      ['DR_MAX_PARALLEL', '-1'],
      ['DR_MAX_PARALLEL', '1e1'],
      ['DR_MANAGEMENT_RPS', '6'],
      ['DR_MANAGEMENT_RPS', '0'],
      ['DR_POLL_INITIAL_SECONDS', '0'],
      ['DR_POLL_MAX_SECONDS', '601'],
      ['DR_COPY_DEADLINE_MINUTES', '0'],
      ['DR_COPY_DEADLINE_MINUTES', '1441'],
      ['DR_COPY_DEADLINE_MINUTES', '30.5'],
    ])('%s=%s is rejected', (name, value) => {
      const err = loadError(validEnv({ [name]: value }));
      expect(err.setting).toBe(name);
      expect(err.message).toContain(`${name}: "${value}" must be`);
    });
    it('explains the S0 management limit', () => {
      expect(loadError(validEnv({ DR_MANAGEMENT_RPS: '10' })).message).toContain(
        '5 management requests per second per resource on S0',
      );
    });
    it.each([
      [{ DR_POLL_INITIAL_SECONDS: '20', DR_POLL_MAX_SECONDS: '10' }, /less than DR_POLL_INITIAL_SECONDS/],
      [{ DR_POLL_MAX_SECONDS: '120', DR_COPY_DEADLINE_MINUTES: '1' }, /exceeds the copy deadline/],
    ])('checks the poll interval against %p', (over, message) => {
      const err = loadError(validEnv(over));
      expect(err.setting).toBe('DR_POLL_MAX_SECONDS');
      expect(err.message).toMatch(message);
    });
  });

  describe('DR_RPO_HOURS (the health model, issue 16)', () => {
    it('defaults to 26 hours and is in the settings and their summary', () => {
      const s = loadSettings(validEnv());
      expect(s.health).toEqual({ rpoHours: 26, rpoSeconds: 26 * 3600 });
      expect(describeSettings(s).rpoHours).toBe(26);
      expect(loadSettings(validEnv({ DR_RPO_HOURS: ' 48 ' })).health.rpoHours).toBe(48);
    });
    it.each(['0', '8761', '1.5', 'one', '-3'])('rejects %s, naming the setting', (v) => {
      const err = loadError(validEnv({ DR_RPO_HOURS: v }));
      expect(err.settings).toEqual(['DR_RPO_HOURS']);
      expect(err.message).toMatch(/DR_RPO_HOURS.*integer from 1 to 8760/);
    });
    it('is reported together with every other problem at once', () => {
      const err = loadError(validEnv({ DR_RPO_HOURS: '0', DR_MAX_PARALLEL: '0', DR_LEDGER_CONTAINER: 'X' }));
      expect(err.settings).toEqual(expect.arrayContaining(['DR_RPO_HOURS', 'DR_MAX_PARALLEL', 'DR_LEDGER_CONTAINER']));
      expect(err.settings).toHaveLength(3);
    });
  });

  describe('container and queue names', () => {
    it.each(['abc', 'model-dr', 'a1-b2-c3', 'x'.repeat(63)])('DR_LEDGER_CONTAINER accepts %s', (name) => {
      expect(loadSettings(validEnv({ DR_LEDGER_CONTAINER: name })).ledgerContainer).toBe(name);
    });
    it.each(['ab', 'x'.repeat(64), 'Model-dr', 'model_dr', '-model', 'model-', 'model--dr', '$logs'])(
      'DR_LEDGER_CONTAINER rejects %s',
      (name) => {
        expect(loadError(validEnv({ DR_LEDGER_CONTAINER: name })).setting).toBe('DR_LEDGER_CONTAINER');
      },
    );
    it.each(['abc', 'customvision-notifications', 'q'.repeat(56)])('CV_NOTIFICATION_QUEUE accepts %s', (name) => {
      expect(loadSettings(validEnv({ CV_NOTIFICATION_QUEUE: name })).customVision.notificationQueue).toBe(name);
    });
    it.each([
      ['Notifications', /lower-case/],
      ['q', /3–63/],
      ['a--b', /consecutive hyphens/],
      ['q'.repeat(57), /poison queue/],
    ])('CV_NOTIFICATION_QUEUE rejects %s', (name, message) => {
      const err = loadError(validEnv({ CV_NOTIFICATION_QUEUE: name }));
      expect(err.setting).toBe('CV_NOTIFICATION_QUEUE');
      expect(err.message).toMatch(message);
    });
  });

  describe('Custom Vision', () => {
    it('records only when no export platform is configured', () => {
      const s = loadSettings(
        validEnv({
          CV_EXPORT_PLATFORMS: undefined,
          CV_ENDPOINT: undefined,
          CV_TRAINING_KEY: undefined,
          CV_BACKUP_CONTAINER_URL: undefined,
          CV_REPLICA_CONTAINER_URL: undefined,
        }),
      );
      expect(s.customVision).toEqual({
        endpoint: undefined,
        trainingKey: undefined,
        exportPlatforms: [],
        notificationQueue: 'customvision-notifications',
        backupContainer: undefined,
        replicaContainer: undefined,
      });
    });
    it.each([
      [
        'CoreML,TensorFlow,DockerFile,ONNX,VAIDK,OpenVino',
        ['CoreML', 'TensorFlow', 'DockerFile', 'ONNX', 'VAIDK', 'OpenVino'],
      ],
      ['coreml , OPENVINO', ['CoreML', 'OpenVino']],
      [
        'dockerfile:arm,DockerFile:linux,onnx:onnx12,TensorFlow:TensorFlowNormal',
        ['DockerFile:ARM', 'DockerFile:Linux', 'ONNX:ONNX12', 'TensorFlow:TensorFlowNormal'],
      ],
      // Beyond the v3.3 enum (the service takes them): one list with src/customVision/flavors.ts.
      [
        'ivs,onnx:onnxfloat16,coreml:COREMLFLOAT16,tensorflow:tensorflowjs,openvino:nopostprocess',
        ['IVS', 'ONNX:ONNXFloat16', 'CoreML:CoreMLFloat16', 'TensorFlow:TensorFlowJs', 'OpenVino:NoPostProcess'],
      ],
    ])('CV_EXPORT_PLATFORMS %s → canonical %p', (value, expected) => {
      const s = loadSettings(validEnv({ CV_EXPORT_PLATFORMS: value }));
      expect(s.customVision.exportPlatforms.map((p) => (p.flavor ? `${p.platform}:${p.flavor}` : p.platform))).toEqual(
        expected,
      );
    });
    it.each([
      ['Caffe', /'Caffe' is not a platform/],
      ['ONNX,', /empty item/],
      ['ONNX:ONNX9', /'ONNX9' is not a flavor of ONNX \(ONNX10, ONNX12, ONNXFloat16\)/],
      ['CoreML:Lite', /'Lite' is not a flavor of CoreML \(CoreMLFloat16\)/],
      ['VAIDK:Linux', /'Linux' is not a flavor of VAIDK \(none\)/],
      ['ONNX,onnx', /ONNX is listed twice/],
      // Without a flavor is the default flavor: both exports would land on one blob (issue 22, item 9).
      [
        'TensorFlow,tensorflow:tensorflowlite',
        /TensorFlow is listed both without a flavor and as TensorFlow:TensorFlowLite/,
      ],
      ['onnx:onnx12, ONNX', /ONNX is listed both without a flavor and as ONNX:ONNX12/],
      ['TensorFlow:TensorFlowLite:x', /not an export platform/],
    ])('CV_EXPORT_PLATFORMS rejects %s', (value, message) => {
      const err = loadError(validEnv({ CV_EXPORT_PLATFORMS: value }));
      expect(err.setting).toBe('CV_EXPORT_PLATFORMS');
      expect(err.message).toMatch(message);
    });
    it('export platforms need CV_ENDPOINT and CV_TRAINING_KEY', () => {
      const err = loadError(validEnv({ CV_ENDPOINT: undefined, CV_TRAINING_KEY: undefined }));
      expect(err.settings).toEqual(['CV_ENDPOINT', 'CV_TRAINING_KEY']);
      expect(err.message).toContain('CV_ENDPOINT: is required when CV_EXPORT_PLATFORMS is set');
      expect(err.message).toContain('CV_TRAINING_KEY: is required when CV_EXPORT_PLATFORMS is set');
    });
    it('a training key without an endpoint is reported', () => {
      const err = loadError(validEnv({ CV_EXPORT_PLATFORMS: undefined, CV_ENDPOINT: undefined }));
      expect(err.settings).toEqual(['CV_TRAINING_KEY']);
    });

    it.each([
      [
        'an https container',
        'https://acct.blob.core.windows.net/backups/',
        {
          url: 'https://acct.blob.core.windows.net/backups',
          accountUrl: 'https://acct.blob.core.windows.net',
          containerName: 'backups',
        },
      ],
      [
        'an Azurite container',
        'http://127.0.0.1:10000/devstoreaccount1/backups',
        {
          url: 'http://127.0.0.1:10000/devstoreaccount1/backups',
          accountUrl: 'http://127.0.0.1:10000/devstoreaccount1',
          containerName: 'backups',
        },
      ],
      [
        'a container with SAS',
        `https://acct.blob.core.windows.net/backups?${SAS}`,
        {
          url: 'https://acct.blob.core.windows.net/backups',
          sas: { setting: 'CV_BACKUP_CONTAINER_URL', part: 'sasQuery' },
        },
      ],
    ])('CV_BACKUP_CONTAINER_URL accepts %s', (_name, value, expected) => {
      expect(loadSettings(validEnv({ CV_BACKUP_CONTAINER_URL: value })).customVision.backupContainer).toMatchObject(
        expected,
      );
    });
    it.each([
      ['http on a public host', 'http://acct.blob.core.windows.net/backups', /must use https/],
      ['no container', 'https://acct.blob.core.windows.net', /not a container URL/],
      ['a blob path', 'https://acct.blob.core.windows.net/backups/some/blob', /not a container URL/],
      ['a bad container name', 'https://acct.blob.core.windows.net/Backups', /not a valid container name/],
      ['a query that is not a SAS', 'https://acct.blob.core.windows.net/backups?restype=container', /not a SAS/],
      ['a fragment', 'https://acct.blob.core.windows.net/backups#x', /fragment/],
    ])('CV_BACKUP_CONTAINER_URL rejects %s', (_name, value, message) => {
      const err = loadError(validEnv({ CV_BACKUP_CONTAINER_URL: value }));
      expect(err.setting).toBe('CV_BACKUP_CONTAINER_URL');
      expect(err.message).toMatch(message);
    });
    it.each([
      ['the same URL', 'https://backups.blob.core.windows.net/cv-backups'],
      ['the same container with a SAS', `https://BACKUPS.blob.core.windows.net/cv-backups/?${SAS}`],
    ])('CV_REPLICA_CONTAINER_URL must differ from the backup container (%s)', (_name, value) => {
      const err = loadError(validEnv({ CV_REPLICA_CONTAINER_URL: value }));
      expect(err.setting).toBe('CV_REPLICA_CONTAINER_URL');
      expect(err.message).toContain('same container as CV_BACKUP_CONTAINER_URL');
    });
    it('a replica container needs a backup container', () => {
      expect(loadError(validEnv({ CV_BACKUP_CONTAINER_URL: undefined })).message).toContain(
        'CV_REPLICA_CONTAINER_URL: is set but CV_BACKUP_CONTAINER_URL is not',
      );
    });
  });
});

describe('resolveSecret', () => {
  it.each([
    [{ setting: 'DR_SOURCE_KEY' }, SOURCE_KEY],
    [{ kind: 'key' as const, setting: 'DR_TARGET_KEY_EASTUS2' }, TARGET_KEY],
    [{ setting: 'CV_REPLICA_CONTAINER_URL', part: 'sasQuery' as const }, SAS],
  ])('reads %p at the moment of use', (ref, expected) => {
    expect(resolveSecret(ref, validEnv())).toBe(expected);
  });

  it('follows a rotated value', () => {
    // Prepare
    const env: Record<string, string> = { ...(validEnv() as Record<string, string>) };
    const s = loadSettings(env);
    // Act
    env.DR_SOURCE_KEY = 'rotated';
    // Assess
    expect(s.source.credential.kind === 'key' && resolveSecret(s.source.credential, env)).toBe('rotated');
  });

  it.each([
    [{ setting: 'NOT_SET' }, 'NOT_SET: is missing or empty'],
    [
      { setting: 'CV_BACKUP_CONTAINER_URL', part: 'sasQuery' as const },
      'CV_BACKUP_CONTAINER_URL: no longer carries a SAS',
    ],
  ])('names the setting when %p cannot be resolved', (ref, message) => {
    expect(() => resolveSecret(ref, validEnv())).toThrow(message);
  });

  it('reads process.env by default', () => {
    const saved = process.env.DR_TEST_SECRET;
    process.env.DR_TEST_SECRET = 'value';
    try {
      expect(resolveSecret({ setting: 'DR_TEST_SECRET' })).toBe('value');
    } finally {
      if (saved === undefined) delete process.env.DR_TEST_SECRET;
      else process.env.DR_TEST_SECRET = saved;
    }
  });
});
