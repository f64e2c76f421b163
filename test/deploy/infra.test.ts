/**
 * Offline checks of infra/ (the compiler, `bicep build` / `bicep lint` and `azd provision --preview`
 * cannot run here; they belong to the user's pipeline — docs/deploy.md).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IDENTITY_STORAGE_SETTINGS, SETTING_NAMES, loadSettings } from '../../src/config';
import {
  BicepFail,
  bicepParser,
  descendants,
  evaluate,
  named,
  objectProperties,
  prop,
  stringLiteral,
  syntaxProblems,
  type BicepNode,
  type Value,
} from './bicep';
import {
  IDENTITY,
  MAIN_BUILTINS,
  ROOT,
  SUBSCRIPTION,
  bicepPaths,
  decl,
  deploy,
  loadBicep,
  type BicepFile,
} from './deployment';

/** The built-in roles of issue 15 (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles). */
const ROLE_TABLE = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
  cognitiveServicesUser: 'a97b65f3-24c7-4388-baec-2e87135dc908',
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
  durableTaskDataContributor: '0ad04412-c4d5-4796-b79c-f76d14c8d402',
};

/** Settings the Functions host and its extensions read (the app itself does not). */
const HOST_LEVEL = [
  'AzureWebJobsStorage__credential',
  'AZURE_CLIENT_ID',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  'DURABLE_TASK_SCHEDULER_CONNECTION_STRING',
];
/** Flex Consumption rejects these; a keyless deployment never writes a storage connection string. */
const FORBIDDEN = [
  'FUNCTIONS_WORKER_RUNTIME',
  'WEBSITE_RUN_FROM_PACKAGE',
  'AzureWebJobsStorage',
  'FUNCTIONS_EXTENSION_VERSION',
];
const TARGET_KEY_SETTING = /^DR_TARGET_KEY_[A-Z0-9]+$/;

const SOURCE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/fr-westus2`;
const TARGET_EAST =
  '/subscriptions/99999999-9999-9999-9999-999999999999/resourceGroups/rg-dr-east/providers/Microsoft.CognitiveServices/accounts/fr-eastus2';
const TARGET_EU = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-dr-eu/providers/Microsoft.CognitiveServices/accounts/fr-westeurope`;
const CV_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-cv/providers/Microsoft.CognitiveServices/accounts/cv-train`;
const CV_BACKUP_ACCOUNT = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-cv/providers/Microsoft.Storage/storageAccounts/cvbackups`;
const CV_REPLICA_ACCOUNT =
  '/subscriptions/88888888-8888-8888-8888-888888888888/resourceGroups/rg-cv-eu/providers/Microsoft.Storage/storageAccounts/cvreplicas';
const KEY_VAULT = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/kv-dr`;

/** azd parameters as main.parameters.json maps them from the azd environment. */
const MINIMAL = {
  environmentName: 'dr-test',
  // The app runs in the first target's region, never in the source region (westus2).
  location: 'eastus2',
  principalId: '',
  sourceEndpoint: 'https://fr-westus2.cognitiveservices.azure.com',
  sourceRegion: 'westus2',
  sourceResourceId: SOURCE_ID,
  targetsJson: JSON.stringify([
    { region: 'eastus2', endpoint: 'https://fr-eastus2.cognitiveservices.azure.com', resourceId: TARGET_EAST },
  ]),
};
const FULL = {
  ...MINIMAL,
  principalId: '55555555-5555-5555-5555-555555555555',
  durableBackend: 'dts',
  taskHubName: 'ModelDrProd',
  sourceKeySecretName: 'source-key',
  targetsJson: JSON.stringify([
    {
      region: 'eastus2',
      endpoint: 'https://fr-eastus2.cognitiveservices.azure.com',
      resourceId: TARGET_EAST,
      keySecretName: 'eastus2-key',
    },
    {
      region: 'westeurope',
      endpoint: 'https://fr-westeurope.cognitiveservices.azure.com',
      resourceId: TARGET_EU,
      allowDegrade: true,
    },
  ]),
  apiVersion: '2024-11-30',
  schedule: '0 30 3 * * *',
  customVisionEndpoint: 'https://cv-train.cognitiveservices.azure.com',
  customVisionResourceId: CV_ID,
  customVisionTrainingKeySecretName: 'cv-training-key',
  customVisionExportPlatforms: 'ONNX,TensorFlow:TensorFlowLite',
  customVisionBackupContainerUrl: 'https://cvbackups.blob.core.windows.net/cv-backups',
  customVisionReplicaContainerUrl: 'https://cvreplicas.blob.core.windows.net/cv-replicas',
  customVisionStorageAccountIdsJson: JSON.stringify([CV_BACKUP_ACCOUNT, CV_REPLICA_ACCOUNT]),
  keyVaultResourceId: KEY_VAULT,
};

/** What the platform does with a resolvable Key Vault reference: the setting holds the secret. */
function resolveKeyVaultReferences(settings: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(settings).map(([k, v]) => [k, v.startsWith('@Microsoft.KeyVault(') ? `resolved-secret-of-${k}` : v]),
  );
}

let files: Map<string, BicepFile>;
beforeAll(async () => {
  files = await loadBicep();
});

const file = (path: string): BicepFile => {
  const f = files.get(path);
  if (!f) throw new Error(`missing ${path}`);
  return f;
};

describe('every infra/**/*.bicep parses (tree-sitter-bicep)', () => {
  test('no ERROR or MISSING nodes', () => {
    expect(bicepPaths().length).toBeGreaterThanOrEqual(10);
    for (const [path, f] of files) expect({ path, problems: syntaxProblems(f.root) }).toEqual({ path, problems: [] });
  });

  test('the check can fail: a broken template has problems', async () => {
    const parser = await bicepParser(ROOT);
    const broken = parser.parse("resource r 'A/b@1' = {\n  name: 'x'\n  properties: { a: }\n")!;
    expect(syntaxProblems(broken.rootNode).length).toBeGreaterThan(0);
  });

  test('plain resources and local modules only: no registry (br:) or template-spec (ts:) modules', () => {
    for (const f of files.values())
      for (const d of f.decls.filter((x) => x.kind === 'module')) {
        expect(d.target).toMatch(/^(\.\/)?app\/[A-Za-z/]+\.bicep$/);
        expect(files.has(`infra/${d.target!.replace(/^\.\//, '')}`)).toBe(true);
      }
  });
});

describe('main.bicep', () => {
  test('subscription scope, resource token, azd-env-name tags', () => {
    const main = file('infra/main.bicep');
    const target = named(main.root).find((n) => n.type === 'target_scope_assignment');
    expect(target && stringLiteral(named(target)[named(target).length - 1])).toBe('subscription');
    expect(decl(main, 'var', 'resourceToken').value!.text).toBe(
      'toLower(uniqueString(subscription().id, environmentName, location))',
    );
    const d = deploy(files, MINIMAL);
    expect(d.main.get('tags')).toEqual({ 'azd-env-name': 'dr-test' });
  });

  test('every resource with a location is tagged', () => {
    for (const f of files.values())
      for (const r of f.decls.filter((x) => x.kind === 'resource' && x.value?.type === 'object')) {
        const props = objectProperties(r.value!);
        if (props.has('location'))
          expect({ file: f.path, resource: r.name, tags: props.has('tags') }).toMatchObject({ tags: true });
      }
  });

  test('main.parameters.json gives every required parameter, from the azd environment', () => {
    const parameters = JSON.parse(readFileSync(join(ROOT, 'infra/main.parameters.json'), 'utf8')) as {
      parameters: Record<string, { value: string }>;
    };
    const p = parameters.parameters;
    expect(p.environmentName.value).toBe('${AZURE_ENV_NAME}');
    expect(p.location.value).toBe('${AZURE_LOCATION}');
    expect(p.principalId.value).toMatch(/^\$\{AZURE_PRINCIPAL_ID[=}]/);
    const main = file('infra/main.bicep');
    const params = main.decls.filter((x) => x.kind === 'param');
    for (const name of Object.keys(p)) expect(params.map((x) => x.name)).toContain(name);
    for (const required of params.filter((x) => !x.value)) expect(Object.keys(p)).toContain(required.name);
  });
});

describe('app settings the deployment writes', () => {
  const known = new Set<string>([...SETTING_NAMES, ...IDENTITY_STORAGE_SETTINGS, ...HOST_LEVEL]);

  test('statically: every key any branch can write is a known setting, a target key setting or a host-level one', () => {
    const api = file('infra/app/api.bicep');
    const keys: string[] = [];
    for (const d of api.decls.filter((x) => x.kind === 'var' && x.name.endsWith('Settings')))
      for (const o of [d.value!, ...descendants(d.value!, 'object')])
        if (o.type === 'object') keys.push(...objectProperties(o).keys());
    expect(keys.length).toBeGreaterThan(15);
    for (const k of keys) expect(known.has(k) || TARGET_KEY_SETTING.test(k) ? 'ok' : k).toBe('ok');
    // Nothing forbidden anywhere in the templates (comments aside).
    for (const f of files.values())
      for (const n of [...descendants(f.root, 'identifier'), ...descendants(f.root, 'string_content')])
        expect(FORBIDDEN.filter((x) => n.text === x)).toEqual([]);
  });

  test('Azure Storage backend, Entra ID only: exactly the identity-based host settings and the app settings', () => {
    const { appSettings } = deploy(files, MINIMAL);
    expect(Object.keys(appSettings).sort()).toEqual(
      [
        'AzureWebJobsStorage__credential',
        'AzureWebJobsStorage__clientId',
        'AzureWebJobsStorage__blobServiceUri',
        'AzureWebJobsStorage__queueServiceUri',
        'AzureWebJobsStorage__tableServiceUri',
        'AZURE_CLIENT_ID',
        'APPLICATIONINSIGHTS_CONNECTION_STRING',
        'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
        'DR_TASK_HUB',
        'DR_SOURCE_ENDPOINT',
        'DR_SOURCE_REGION',
        'DR_SOURCE_RESOURCE_ID',
        'DR_TARGETS',
        'DR_API_VERSION',
        'DR_SCHEDULE',
        'DR_RPO_HOURS',
      ].sort(),
    );
    expect(appSettings.AzureWebJobsStorage__credential).toBe('managedidentity');
    expect(appSettings.AzureWebJobsStorage__clientId).toBe(IDENTITY.clientId);
    expect(appSettings.AZURE_CLIENT_ID).toBe(IDENTITY.clientId);
    expect(appSettings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING).toBe(
      `ClientId=${IDENTITY.clientId};Authorization=AAD`,
    );
    expect(appSettings.DR_TASK_HUB).toMatch(/^[A-Za-z][A-Za-z0-9]{2,44}$/);
    for (const v of Object.values(appSettings)) expect(v).not.toMatch(/AccountKey=|SharedAccessSignature=|sig=/i);

    const settings = loadSettings(appSettings);
    expect(settings.storage).toMatchObject({
      kind: 'identity',
      clientId: IDENTITY.clientId,
      blobServiceUri: expect.stringMatching(/^https:\/\/st[a-z0-9]+\.blob\.core\.windows\.net$/),
      queueServiceUri: expect.stringMatching(/\.queue\.core\.windows\.net$/),
      tableServiceUri: expect.stringMatching(/\.table\.core\.windows\.net$/),
    });
    expect(settings.taskHub).toBe('ModelDr');
    expect(settings.source.credential).toEqual({ kind: 'entra' });
    expect(settings.targets).toEqual([
      expect.objectContaining({ region: 'eastus2', credential: { kind: 'entra' }, allowDegrade: false }),
    ]);
    expect(settings.apiVersion).toBe('v2.1');
  });

  test('DR_RPO_HOURS: the app setting and the alert rules get the same RPO (default 26); the alerts module is wired with its e-mail', () => {
    const p = (
      JSON.parse(readFileSync(join(ROOT, 'infra', 'main.parameters.json'), 'utf8')) as {
        parameters: Record<string, { value: string }>;
      }
    ).parameters;
    expect(p.rpoHours.value).toBe('${DR_RPO_HOURS=26}');
    expect(p.alertEmail.value).toBe('${ALERT_EMAIL=}');
    const byDefault = deploy(files, MINIMAL);
    expect(byDefault.appSettings.DR_RPO_HOURS).toBe('26');
    expect(loadSettings(byDefault.appSettings).health.rpoHours).toBe(26);
    expect(byDefault.moduleParams('alerts')).toMatchObject({
      appInsightsId: '/subscriptions/x/appi-x',
      appInsightsName: 'appi-x',
      actionGroupEmail: '',
      rpoHours: 26,
    });
    const set = deploy(files, { ...MINIMAL, rpoHours: '48', alertEmail: 'ops@example.com' });
    expect(set.appSettings.DR_RPO_HOURS).toBe('48');
    expect(set.moduleParams('alerts')).toMatchObject({ actionGroupEmail: 'ops@example.com', rpoHours: 48 });
  });

  test('Durable Task Scheduler, keys in Key Vault, Custom Vision: exactly the listed settings, and the app accepts them', () => {
    const { appSettings } = deploy(files, FULL);
    const keys = Object.keys(appSettings);
    for (const k of keys) expect(known.has(k) || TARGET_KEY_SETTING.test(k) ? 'ok' : k).toBe('ok');
    for (const k of FORBIDDEN) expect(keys).not.toContain(k);
    expect(keys).toEqual(
      expect.arrayContaining([
        'DURABLE_TASK_SCHEDULER_CONNECTION_STRING',
        'DR_SOURCE_KEY',
        'DR_TARGET_KEY_EASTUS2',
        'CV_ENDPOINT',
        'CV_TRAINING_KEY',
        'CV_EXPORT_PLATFORMS',
        'CV_BACKUP_CONTAINER_URL',
        'CV_REPLICA_CONTAINER_URL',
      ]),
    );
    expect(keys).toHaveLength(16 + 1 + 2 + 5);
    expect(appSettings.DURABLE_TASK_SCHEDULER_CONNECTION_STRING).toBe(
      `Endpoint=https://dts-x.westus2.durabletask.io;Authentication=ManagedIdentity;ClientID=${IDENTITY.clientId}`,
    );
    expect(appSettings.DR_SOURCE_KEY).toBe('@Microsoft.KeyVault(VaultName=kv-dr;SecretName=source-key)');
    expect(appSettings.DR_TARGET_KEY_EASTUS2).toBe('@Microsoft.KeyVault(VaultName=kv-dr;SecretName=eastus2-key)');
    expect(appSettings.CV_TRAINING_KEY).toBe('@Microsoft.KeyVault(VaultName=kv-dr;SecretName=cv-training-key)');
    // The target form the app reads names the key setting, never the secret.
    expect(JSON.parse(appSettings.DR_TARGETS)).toEqual([
      {
        region: 'eastus2',
        endpoint: 'https://fr-eastus2.cognitiveservices.azure.com',
        resourceId: TARGET_EAST,
        allowDegrade: false,
        keySetting: 'DR_TARGET_KEY_EASTUS2',
      },
      {
        region: 'westeurope',
        endpoint: 'https://fr-westeurope.cognitiveservices.azure.com',
        resourceId: TARGET_EU,
        allowDegrade: true,
      },
    ]);

    const settings = loadSettings(resolveKeyVaultReferences(appSettings));
    expect(settings.taskHub).toBe('ModelDrProd');
    expect(settings.apiVersion).toBe('2024-11-30');
    expect(settings.schedule).toBe('0 30 3 * * *');
    expect(settings.source.credential).toEqual({ kind: 'key', setting: 'DR_SOURCE_KEY' });
    expect(settings.targets.map((t) => t.credential)).toEqual([
      { kind: 'key', setting: 'DR_TARGET_KEY_EASTUS2' },
      { kind: 'entra' },
    ]);
    expect(settings.customVision.exportPlatforms).toHaveLength(2);
    expect(settings.customVision.backupContainer?.url).toBe('https://cvbackups.blob.core.windows.net/cv-backups');
  });

  test('a template change the app would reject is caught: a task hub with a hyphen fails validation', () => {
    const { appSettings } = deploy(files, { ...MINIMAL, taskHubName: 'model-dr' });
    expect(() => loadSettings(appSettings)).toThrow(/DR_TASK_HUB/);
  });
});

describe('role assignments', () => {
  test('main.bicep role table is exactly the built-in role ids, and no other GUID appears in the templates', () => {
    const main = file('infra/main.bicep');
    expect(evaluate(decl(main, 'var', 'roles').value!, new Map())).toEqual(ROLE_TABLE);
    const guids = new Set(Object.values(ROLE_TABLE));
    for (const f of files.values())
      for (const s of descendants(f.root, 'string_content'))
        for (const g of s.text.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi) ?? [])
          expect({ file: f.path, guid: g, known: guids.has(g) }).toMatchObject({ known: true });
  });

  test('every assignment is named guid(scope, principal, role) with that scope, principal and role', () => {
    let count = 0;
    for (const f of files.values())
      for (const r of f.decls.filter(
        (x) => x.kind === 'resource' && x.target?.startsWith('Microsoft.Authorization/roleAssignments@'),
      )) {
        count++;
        const body = r.value!;
        const name = prop(body, 'name')!;
        expect(name.type).toBe('call_expression');
        expect(name.childForFieldName('function')!.text).toBe('guid');
        const args = named(name.childForFieldName('arguments')!).map((a) => a.text);
        expect(args).toHaveLength(3);
        const scope = prop(body, 'scope')!.text;
        expect(args[0]).toBe(`${scope}.id`);
        expect(args[1]).toBe(prop(body, 'properties', 'principalId')!.text);
        expect(prop(body, 'properties', 'roleDefinitionId')!.text).toBe(
          `subscriptionResourceId('Microsoft.Authorization/roleDefinitions', ${args[2]})`,
        );
        // The scope is the resource the module is about (declared in the same file).
        expect(f.decls.some((x) => x.kind === 'resource' && x.name === scope)).toBe(true);
      }
    expect(count).toBe(5);
  });

  function rolesOf(name: string): string[] {
    const main = file('infra/main.bicep');
    const d = decl(main, 'module', name);
    const params = prop(d.value!, 'params')!;
    return evaluate(
      prop(params, 'roleDefinitionIds')!,
      new Map([['roles', ROLE_TABLE as unknown as Value]]),
    ) as string[];
  }

  test('each scope gets the roles of the table, for the app identity and the deploying user', () => {
    expect(rolesOf('storageRoles')).toEqual([
      ROLE_TABLE.storageBlobDataOwner,
      ROLE_TABLE.storageQueueDataContributor,
      ROLE_TABLE.storageTableDataContributor,
    ]);
    expect(rolesOf('appInsightsRoles')).toEqual([ROLE_TABLE.monitoringMetricsPublisher]);
    for (const m of ['sourceRoles', 'targetRoles', 'customVisionRoles'])
      expect(rolesOf(m)).toEqual([ROLE_TABLE.cognitiveServicesUser]);
    expect(rolesOf('customVisionStorageRoles')).toEqual([ROLE_TABLE.storageBlobDataContributor]);
    expect(rolesOf('keyVaultRoles')).toEqual([ROLE_TABLE.keyVaultSecretsUser]);
    expect(rolesOf('dts')).toEqual([ROLE_TABLE.durableTaskDataContributor]);

    const d = deploy(files, FULL);
    expect(d.main.get('principals')).toEqual([
      { principalId: IDENTITY.principalId, principalType: 'ServicePrincipal' },
      { principalId: FULL.principalId, principalType: 'User' },
    ]);
    expect(deploy(files, MINIMAL).main.get('principals')).toEqual([
      { principalId: IDENTITY.principalId, principalType: 'ServicePrincipal' },
    ]);
    const main = file('infra/main.bicep');
    for (const m of main.decls.filter((x) => x.kind === 'module' && /Roles$|^dts$/.test(x.name)))
      expect(prop(prop(m.value!, 'params')!, 'principals')!.text).toBe('principals');
  });

  test('existing accounts are reached by a module deployed into their own subscription and resource group', () => {
    const main = file('infra/main.bicep');
    const d = deploy(files, FULL);
    const scopeOf = (name: string, item?: Record<string, Value>): Value => {
      const m = decl(main, 'module', name);
      const scope = new Map(d.main);
      if (m.loop && item) for (const [k, v] of Object.entries(item)) scope.set(k, v);
      const body = m.value!;
      return {
        scope: evaluate(prop(body, 'scope')!, scope, MAIN_BUILTINS),
        name: evaluate(
          (prop(prop(body, 'params')!, 'accountName') ??
            prop(prop(body, 'params')!, 'storageAccountName') ??
            prop(prop(body, 'params')!, 'keyVaultName'))!,
          scope,
          MAIN_BUILTINS,
        ),
      };
    };
    expect(scopeOf('sourceRoles')).toEqual({
      scope: { subscriptionId: SUBSCRIPTION, resourceGroup: 'rg-ai' },
      name: 'fr-westus2',
    });
    const targets = d.main.get('targets') as Record<string, Value>[];
    const targetLoop = decl(main, 'module', 'targetRoles').loop!;
    expect(evaluate(targetLoop.over, d.main)).toEqual(targets);
    expect(scopeOf('targetRoles', { [targetLoop.item]: targets[0], [targetLoop.index!]: 0 })).toEqual({
      scope: { subscriptionId: '99999999-9999-9999-9999-999999999999', resourceGroup: 'rg-dr-east' },
      name: 'fr-eastus2',
    });
    expect(scopeOf('customVisionRoles')).toEqual({
      scope: { subscriptionId: SUBSCRIPTION, resourceGroup: 'rg-cv' },
      name: 'cv-train',
    });
    const cvLoop = decl(main, 'module', 'customVisionStorageRoles').loop!;
    expect(scopeOf('customVisionStorageRoles', { [cvLoop.item]: CV_REPLICA_ACCOUNT, [cvLoop.index!]: 1 })).toEqual({
      scope: { subscriptionId: '88888888-8888-8888-8888-888888888888', resourceGroup: 'rg-cv-eu' },
      name: 'cvreplicas',
    });
    expect(scopeOf('keyVaultRoles')).toEqual({
      scope: { subscriptionId: SUBSCRIPTION, resourceGroup: 'rg-kv' },
      name: 'kv-dr',
    });
    // Optional scopes are conditional: no Custom Vision / Key Vault → no module.
    for (const m of ['customVisionRoles', 'keyVaultRoles', 'dts'])
      expect(descendants(decl(main, 'module', m).node, 'if_statement')).toHaveLength(1);
  });
});

describe('resources', () => {
  const body = (path: string, name: string): BicepNode => decl(file(path), 'resource', name).value!;

  test('Function App on Flex Consumption FC1, Node 22, deployment container with the user-assigned identity', () => {
    const api = 'infra/app/api.bicep';
    expect(prop(body(api, 'plan'), 'sku')!.text).toBe("{ name: 'FC1', tier: 'FlexConsumption' }");
    const site = body(api, 'site');
    expect(prop(site, 'identity', 'type')!.text).toBe("'UserAssigned'");
    expect(prop(site, 'properties', 'keyVaultReferenceIdentity')!.text).toBe('identityId');
    const config = prop(site, 'properties', 'functionAppConfig')!;
    expect(prop(config, 'runtime')!.text).toBe("{ name: 'node', version: '22' }");
    expect(prop(config, 'deployment', 'storage', 'type')!.text).toBe("'blobContainer'");
    expect(prop(config, 'deployment', 'storage', 'authentication', 'type')!.text).toBe("'UserAssignedIdentity'");
    expect(prop(config, 'deployment', 'storage', 'authentication', 'userAssignedIdentityResourceId')!.text).toBe(
      'identityId',
    );
    // The container the package goes to is the one storage.bicep creates.
    const d = deploy(files, MINIMAL);
    expect(d.moduleParams('storage').deploymentContainerName).toBe(d.apiParams.deploymentContainerName);
  });

  test('the Node the template deploys is the Node .ci/run tests on, and package.json engines admits it', () => {
    const runtime = evaluate(
      prop(decl(file('infra/app/api.bicep'), 'resource', 'site').value!, 'properties', 'functionAppConfig', 'runtime')!,
      new Map(),
    ) as { name: string; version: string };
    expect(runtime).toEqual({ name: 'node', version: '22' });
    const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    const pinned = /^DEPLOYED_NODE=(\d+)\.(\d+)\.(\d+)$/m.exec(ci);
    expect(pinned?.[1]).toBe(runtime.version);
    // .ci/run runs the unit and integration suites on that exact version, from the npm `node` package.
    expect(ci).toContain('npx -y -p "node@$DEPLOYED_NODE" -- node');
    expect(ci).toMatch(/jest\.js test\/unit test\/integration/);
    expect(ci).not.toMatch(/apt-get/);
    const engines = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } })
      .engines.node;
    expect(engines.split('||').map((r) => r.trim())).toContain(`>=${runtime.version}`);
  });

  test('storage without shared keys; Log Analytics and Application Insights without local auth', () => {
    const storage = body('infra/app/storage.bicep', 'storage');
    expect(prop(storage, 'properties', 'allowSharedKeyAccess')!.text).toBe('false');
    expect(prop(storage, 'properties', 'allowBlobPublicAccess')!.text).toBe('false');
    expect(
      prop(body('infra/app/monitoring.bicep', 'applicationInsights'), 'properties', 'DisableLocalAuth')!.text,
    ).toBe('true');
    expect(
      prop(body('infra/app/monitoring.bicep', 'logAnalytics'), 'properties', 'features', 'disableLocalAuth')!.text,
    ).toBe('true');
  });

  test('Durable Task Scheduler: a scheduler and the task hub the app names (DR_TASK_HUB)', () => {
    const dtsFile = file('infra/app/dts.bicep');
    expect(decl(dtsFile, 'resource', 'scheduler').target).toMatch(/^Microsoft\.DurableTask\/schedulers@/);
    expect(decl(dtsFile, 'resource', 'taskHub').target).toMatch(/^Microsoft\.DurableTask\/schedulers\/taskHubs@/);
    expect(prop(body('infra/app/dts.bicep', 'taskHub'), 'name')!.text).toBe('taskHubName');
    const d = deploy(files, FULL);
    expect(d.moduleParams('dts').taskHubName).toBe(d.appSettings.DR_TASK_HUB);
    // Only with durableBackend = dts.
    expect(deploy(files, MINIMAL).appSettings.DURABLE_TASK_SCHEDULER_CONNECTION_STRING).toBeUndefined();
  });
});

describe('the app survives the region it protects (issue 23)', () => {
  const storageBody = (): BicepNode => decl(file('infra/app/storage.bicep'), 'resource', 'storage').value!;
  const refusal = (params: Record<string, Value>): string => {
    try {
      deploy(files, params);
    } catch (e) {
      if (e instanceof BicepFail) return e.message;
      throw e;
    }
    return 'deployed';
  };

  test('AZURE_LOCATION equal to the source region is refused with a message naming the rule (any spelling)', () => {
    for (const location of ['westus2', 'WestUS2', 'West US 2']) {
      const message = refusal({ ...MINIMAL, location });
      expect(message).toContain(`AZURE_LOCATION (${location}) is the source region (DR_SOURCE_REGION=westus2)`);
      expect(message).toContain('Rule: the app and its ledger must not run in the region they protect');
    }
    expect(refusal({ ...MINIMAL, location: 'eastus2' })).toBe('deployed');
  });

  test('every resource the template creates is in the app region, never the source region', () => {
    const d = deploy(files, { ...MINIMAL, location: 'East US 2' });
    const main = file('infra/main.bicep');
    expect(d.main.get('appLocation')).toBe('eastus2');
    const withLocation = main.decls.filter(
      (x) => (x.kind === 'module' || x.kind === 'resource') && x.value && prop(x.value, 'params', 'location'),
    );
    expect(withLocation.map((m) => m.name).sort()).toEqual(
      ['alerts', 'api', 'dts', 'identity', 'monitoring', 'storage'].sort(),
    );
    for (const m of withLocation)
      expect({ module: m.name, location: d.moduleParams(m.name).location }).toEqual({
        module: m.name,
        location: 'eastus2',
      });
    expect(prop(decl(main, 'resource', 'rg').value!, 'location')!.text).toBe('appLocation');
  });

  test('the ledger storage is RA-GZRS where the region has zones, RA-GRS where it has none', () => {
    expect(prop(storageBody(), 'sku', 'name')!.text).toBe('skuName');
    // Decorators are the declaration's preceding sibling in this grammar.
    const decorators = decl(file('infra/app/storage.bicep'), 'param', 'skuName').node.previousNamedSibling!;
    expect(decorators.text).toMatch(/@allowed\(/);
    const allowed = descendants(decorators, 'string_content').map((n) => n.text);
    expect(allowed).toEqual(expect.arrayContaining(['Standard_RAGZRS', 'Standard_RAGRS']));
    expect(allowed).not.toContain('Standard_LRS');
    const skuIn = (location: string): Value => deploy(files, { ...MINIMAL, location }).moduleParams('storage').skuName;
    expect(skuIn('eastus2')).toBe('Standard_RAGZRS');
    expect(skuIn('northeurope')).toBe('Standard_RAGZRS');
    // West Central US (paired with West US 2) and North Central US have no availability zones.
    expect(skuIn('westcentralus')).toBe('Standard_RAGRS');
    expect(skuIn('northcentralus')).toBe('Standard_RAGRS');
  });

  test('a region without a pair (no geo-redundant storage there) is refused, naming the rule', () => {
    const message = refusal({ ...MINIMAL, location: 'italynorth' });
    expect(message).toContain('AZURE_LOCATION (italynorth) has no paired region');
    expect(message).toContain('RA-GZRS / RA-GRS');
  });
});
