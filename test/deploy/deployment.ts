/**
 * The deployment, evaluated offline: infra/main.bicep's variables and the `api` module's
 * parameters, then infra/app/api.bicep's app settings, from given azd parameters and the
 * values ARM would return for the resources it creates.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  bicepParser,
  declarations,
  evaluate,
  evaluateFile,
  objectProperties,
  type Builtin,
  type Declaration,
  type BicepNode,
  type Value,
} from './bicep';

export const ROOT = join(__dirname, '..', '..');

export interface BicepFile {
  path: string;
  root: BicepNode;
  decls: Declaration[];
}

export function bicepPaths(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.bicep')) out.push(relative(ROOT, p).split('\\').join('/'));
    }
  };
  walk(join(ROOT, 'infra'));
  return out.sort();
}

export async function loadBicep(): Promise<Map<string, BicepFile>> {
  const parser = await bicepParser(ROOT);
  const files = new Map<string, BicepFile>();
  for (const path of bicepPaths()) {
    const tree = parser.parse(readFileSync(join(ROOT, path), 'utf8'))!;
    files.set(path, { path, root: tree.rootNode, decls: declarations(tree.rootNode) });
  }
  return files;
}

export function decl(file: BicepFile, kind: Declaration['kind'], name: string): Declaration {
  const d = file.decls.find((x) => x.kind === kind && x.name === name);
  if (!d) throw new Error(`${file.path}: no ${kind} ${name}`);
  return d;
}

/** ARM's uniqueString is a 13-character hash; any deterministic stand-in will do here. */
const uniqueString: Builtin = (args) =>
  Buffer.from(args.map(String).join('|'))
    .toString('hex')
    .replace(/[^a-z0-9]/g, '')
    .slice(-13);

export const SUBSCRIPTION = '00000000-0000-0000-0000-00000000aaaa';

export const MAIN_BUILTINS: Record<string, Builtin> = {
  uniqueString,
  subscription: () => ({ id: `/subscriptions/${SUBSCRIPTION}`, subscriptionId: SUBSCRIPTION }),
  tenant: () => ({ tenantId: '11111111-1111-1111-1111-111111111111' }),
  loadJsonContent: ([path]) => JSON.parse(readFileSync(join(ROOT, 'infra', String(path)), 'utf8')) as Value,
  resourceGroup: (args) => ({ subscriptionId: String(args[0]), resourceGroup: String(args[1]) }),
};

export const IDENTITY = {
  id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-dr/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-api`,
  clientId: '22222222-2222-2222-2222-222222222222',
  principalId: '33333333-3333-3333-3333-333333333333',
  name: 'id-api',
};

/** What the modules main.bicep calls return (their outputs), as a deployment would see them. */
export function moduleOutputs(storageName: string): Record<string, Value> {
  return {
    identity: { outputs: IDENTITY },
    storage: {
      outputs: { name: storageName, blobEndpoint: `https://${storageName}.blob.core.windows.net/` },
    },
    monitoring: { outputs: { applicationInsightsName: 'appi-x', applicationInsightsId: '/subscriptions/x/appi-x' } },
    dts: { outputs: { endpoint: 'https://dts-x.westus2.durabletask.io', taskHubName: 'ModelDr' } },
    rg: { name: 'rg-dr' },
  };
}

export interface Deployment {
  main: Map<string, Value>;
  apiParams: Record<string, Value>;
  /** The app settings infra/app/api.bicep writes (its `appSettings` resource's properties). */
  appSettings: Record<string, string>;
  /** A module's evaluated params (non-loop modules). */
  moduleParams(name: string): Record<string, Value>;
}

export function deploy(files: Map<string, BicepFile>, params: Record<string, Value>): Deployment {
  const main = files.get('infra/main.bicep')!;
  // Module symbols first, so vars such as `principals` can read identity.outputs.
  const preliminary = evaluateFile(main.decls, params, moduleOutputs('st-pending'), MAIN_BUILTINS);
  const storageName = String(
    evaluate(
      objectProperties(objectProperties(decl(main, 'module', 'storage').value!).get('params')!).get('name')!,
      preliminary,
      MAIN_BUILTINS,
    ) as string,
  );
  const scope = evaluateFile(main.decls, params, moduleOutputs(storageName), MAIN_BUILTINS);
  const moduleParams = (name: string): Record<string, Value> =>
    evaluate(objectProperties(decl(main, 'module', name).value!).get('params')!, scope, MAIN_BUILTINS) as Record<
      string,
      Value
    >;
  const apiParams = moduleParams('api');

  const api = files.get('infra/app/api.bicep')!;
  const apiScope = evaluateFile(api.decls, apiParams, {
    storage: {
      properties: {
        primaryEndpoints: {
          blob: `https://${storageName}.blob.core.windows.net/`,
          queue: `https://${storageName}.queue.core.windows.net/`,
          table: `https://${storageName}.table.core.windows.net/`,
        },
      },
    },
    applicationInsights: {
      properties: {
        ConnectionString:
          'InstrumentationKey=44444444-4444-4444-4444-444444444444;IngestionEndpoint=https://westus2-2.in.applicationinsights.azure.com/;LiveEndpoint=https://westus2.livediagnostics.monitor.azure.com/',
      },
    },
  });
  const settingsNode = objectProperties(decl(api, 'resource', 'appSettings').value!).get('properties')!;
  const appSettings = evaluate(settingsNode, apiScope) as Record<string, string>;
  return { main: scope, apiParams, appSettings, moduleParams };
}
