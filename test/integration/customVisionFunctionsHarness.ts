/**
 * The Custom Vision flow end to end: the app's functions in the local host on a virtual
 * clock, Azurite, the Custom Vision emulator, and two loopback helpers — a fault proxy in
 * front of Azurite's blob service (the replica account: "storage down" on demand) and a
 * recorder that counts every request made to it (a foreign `modelUri` host).
 */
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import {
  BlobServiceClient,
  ContainerSASPermissions,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
} from '@azure/storage-blob';
import { DEV_ACCOUNT, DEV_KEY, startAzurite, type AzuriteInstance } from '../../dev/azurite';
import { VirtualClock } from '../../dev/clock';
import {
  startCustomVisionEmulator,
  type CustomVisionEmulator,
  type CustomVisionEmulatorOptions,
} from '../../dev/emulators/customVision';
import { createLocalHost, type AtLeastOnceRule, type LocalHost, type LogEntry } from '../../dev/host';
import { createAppLoader } from '../../dev/appLoader';
import type { AppDependencies } from '../../src/functions/app';
import {
  CustomVisionRecordRepository,
  RejectedNotificationRepository,
  createLedgerContainerClient,
} from '../../src/ledger';
import { lazy } from '../support/lazy';

export const QUEUE = 'cv-notifications-test';
export const FUNCTION_KEY = 'test-function-key-5b1f0c';
const HOST_JSON = path.join(__dirname, '..', '..', 'host.json');

/** Forwards to Azurite's blob service; while `down`, answers 503 (storage unavailable). */
export interface FaultProxy {
  url: string;
  down: boolean;
  requests: number;
  failed: number;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const t = new URL(target);
  const proxy: FaultProxy = { url: '', down: false, requests: 0, failed: 0, close: async () => undefined };
  const server = http.createServer((req, res) => {
    proxy.requests += 1;
    if (proxy.down) {
      proxy.failed += 1;
      req.resume();
      res.writeHead(503, { 'x-ms-error-code': 'ServerBusy', 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code><Message>down</Message></Error>');
      return;
    }
    const up = http.request(
      {
        hostname: t.hostname,
        port: t.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: `${t.hostname}:${t.port}` },
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () => new Promise((resolve) => server.close(() => resolve()));
  return proxy;
}

/** A loopback server that records every request (it must never receive one). */
export async function startRecorder(): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end('model bytes');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export function containerSas(containerName: string): string {
  return generateBlobSASQueryParameters(
    {
      containerName,
      permissions: ContainerSASPermissions.parse('racwl'),
      startsOn: new Date(Date.now() - 3600_000),
      expiresOn: new Date(Date.now() + 86400_000),
    },
    new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY),
  ).toString();
}

export interface World {
  azurite: AzuriteInstance;
  proxy: FaultProxy;
  clock: VirtualClock;
  host: LocalHost;
  logs: LogEntry[];
  /** Per test (see `fresh`). */
  emu: CustomVisionEmulator;
  backupContainer: string;
  replicaContainer: string;
  ledgerContainer: string;
  /** Secret values that must never appear in records, logs, responses or history. */
  secrets: string[];
  fresh(opts?: FreshOptions): Promise<void>;
  /** Sets app settings and rebuilds the app's dependencies with them (undefined removes one). */
  setSettings(values: Record<string, string | undefined>): void;
  /** POST with the function key. */
  post(path: string, body: unknown): Promise<{ status: number; text: string; body: unknown }>;
  /** The app's current dependencies (rebuilt by `fresh` and `unsetSetting`). */
  app(): AppDependencies;
  /** Removes an app setting and rebuilds the app's dependencies without it. */
  unsetSetting(name: string): void;
  records(): CustomVisionRecordRepository;
  rejected(): RejectedNotificationRepository;
  get(pathAndQuery: string): Promise<{ status: number; text: string; body: unknown }>;
  close(): Promise<void>;
}

/**
 * How the containers are given: `sas` (a container SAS in each URL), `sameAccount` (plain URLs on
 * the AzureWebJobsStorage account — reached with its key; the replica too), `expiredSas` (the
 * backup container's SAS has expired: storage answers 403).
 */
export type ContainerAccessMode = 'sas' | 'sameAccount' | 'expiredSas';

export interface FreshOptions {
  replica?: boolean;
  platforms?: string;
  emulator?: Partial<CustomVisionEmulatorOptions>;
  access?: ContainerAccessMode;
}

/** A SAS of the well-known development account that expired yesterday (storage refuses it: 403). */
export function expiredContainerSas(containerName: string): string {
  return generateBlobSASQueryParameters(
    {
      containerName,
      permissions: ContainerSASPermissions.parse('racwl'),
      startsOn: new Date(Date.now() - 3 * 86400_000),
      expiresOn: new Date(Date.now() - 86400_000),
    },
    new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY),
  ).toString();
}

let counter = 0;

/** Minimal valid replication settings (the app registers its replication functions too). */
const DR_ENV = {
  DR_SOURCE_ENDPOINT: 'http://127.0.0.1:9/',
  DR_SOURCE_REGION: 'westus2',
  DR_SOURCE_RESOURCE_ID: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/src',
  DR_SOURCE_KEY: 'x',
  DR_TARGETS: JSON.stringify([
    {
      region: 'eastus',
      endpoint: 'http://127.0.0.2:9/',
      resourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/dr',
    },
  ]),
  DR_TASK_HUB: 'CvTestHub',
};

/** The world for one describe block: started in `beforeAll`, closed in `afterAll`. */
export function useWorld(options: WorldOptions = {}): World {
  let world: World | undefined;
  beforeAll(async () => {
    world = await startWorld(options);
  });
  afterAll(async () => {
    await world?.close();
    world = undefined;
  });
  return lazy('The Custom Vision world', () => world);
}

/** Host options of the world (e.g. the at-least-once switch for chosen activities). */
export interface WorldOptions {
  atLeastOnce?: AtLeastOnceRule[];
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const azurite = await startAzurite();
  const proxy = await startFaultProxy(new URL(azurite.blobEndpoint).origin);
  const clock = new VirtualClock('2026-04-01T00:00:00Z');
  const app = createAppLoader(clock);
  const logs: LogEntry[] = [];
  const blob = BlobServiceClient.fromConnectionString(azurite.connectionString);

  const world = { azurite, proxy, clock, logs, secrets: [DEV_KEY, FUNCTION_KEY] } as unknown as World;

  const settingsFor = async (opts: FreshOptions): Promise<Record<string, string | undefined>> => {
    counter += 1;
    world.backupContainer = `cvbackup${counter}`;
    world.replicaContainer = `cvreplica${counter}`;
    world.ledgerContainer = `cvledger${counter}`;
    await blob.getContainerClient(world.backupContainer).createIfNotExists();
    await blob.getContainerClient(world.replicaContainer).createIfNotExists();
    const access = opts.access ?? 'sas';
    const backupSas =
      access === 'expiredSas' ? expiredContainerSas(world.backupContainer) : containerSas(world.backupContainer);
    const replicaSas = containerSas(world.replicaContainer);
    world.secrets.push(
      new URLSearchParams(backupSas).get('sig') as string,
      new URLSearchParams(replicaSas).get('sig') as string,
    );
    if (access === 'sameAccount')
      return {
        CV_NOTIFICATION_QUEUE: QUEUE,
        CV_ENDPOINT: world.emu.endpoint,
        CV_TRAINING_KEY: world.emu.trainingKey,
        CV_EXPORT_PLATFORMS: opts.platforms ?? 'ONNX,TensorFlow',
        // Plain URLs, as the portal's container Properties give them: no SAS, no role assignment.
        CV_BACKUP_CONTAINER_URL: `${azurite.blobEndpoint}/${world.backupContainer}`,
        CV_REPLICA_CONTAINER_URL:
          opts.replica === false ? undefined : `${azurite.blobEndpoint}/${world.replicaContainer}`,
        DR_LEDGER_CONTAINER: world.ledgerContainer,
      };
    return {
      CV_NOTIFICATION_QUEUE: QUEUE,
      CV_ENDPOINT: world.emu.endpoint,
      CV_TRAINING_KEY: world.emu.trainingKey,
      CV_EXPORT_PLATFORMS: opts.platforms ?? 'ONNX,TensorFlow',
      CV_BACKUP_CONTAINER_URL: `${azurite.blobEndpoint}/${world.backupContainer}?${backupSas}`,
      // The replica account is reached through the fault proxy.
      CV_REPLICA_CONTAINER_URL:
        opts.replica === false ? undefined : `${proxy.url}/${DEV_ACCOUNT}/${world.replicaContainer}?${replicaSas}`,
      DR_LEDGER_CONTAINER: world.ledgerContainer,
    };
  };

  const startEmulator = async (over: Partial<CustomVisionEmulatorOptions> = {}): Promise<void> => {
    world.emu = await startCustomVisionEmulator({
      clock,
      storageConnectionString: azurite.connectionString,
      backupContainer: `cvbackup${counter + 1}`,
      queueName: QUEUE,
      ...over,
    });
    world.secrets.push(world.emu.trainingKey);
  };

  world.fresh = async (opts = {}) => {
    await world.emu?.close();
    await startEmulator(opts.emulator);
    const env = await settingsFor(opts);
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    proxy.down = false;
    app.rebuild();
  };
  world.app = () => app.current();
  world.unsetSetting = (name) => {
    delete process.env[name];
    app.rebuild();
  };
  world.setSettings = (values) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    app.rebuild();
  };

  await startEmulator();
  const env = { ...DR_ENV, ...(await settingsFor({})) };
  world.host = await createLocalHost({
    load: () => app.load(),
    clock,
    env,
    storageConnectionString: azurite.connectionString,
    httpPort: 0,
    hostJson: HOST_JSON,
    functionKey: FUNCTION_KEY,
    timerSchedules: false,
    ...(options.atLeastOnce ? { atLeastOnce: options.atLeastOnce } : {}),
    logger: (e) => logs.push(e),
  });

  const ledger = () =>
    createLedgerContainerClient({ connectionString: azurite.connectionString }, world.ledgerContainer);
  world.records = () => new CustomVisionRecordRepository(ledger());
  world.rejected = () => new RejectedNotificationRepository(ledger());
  world.get = async (pathAndQuery) => {
    const sep = pathAndQuery.includes('?') ? '&' : '?';
    const res = await fetch(`${world.host.baseUrl}${pathAndQuery}${sep}code=${FUNCTION_KEY}`);
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: res.status, text, body };
  };
  world.post = async (pathAndQuery, body) => {
    const sep = pathAndQuery.includes('?') ? '&' : '?';
    const res = await fetch(`${world.host.baseUrl}${pathAndQuery}${sep}code=${FUNCTION_KEY}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, text, body: parsed };
  };
  world.close = async () => {
    await world.host.close();
    await world.emu.close();
    await proxy.close();
    await azurite.stop();
  };
  return world;
}

/** Every blob of the current ledger container (or of every ledger container the tests used): name → ETag (for "nothing changed") and text. */
export async function ledgerSnapshot(
  world: World,
  opts: { all?: boolean } = {},
): Promise<Map<string, { etag: string; text: string }>> {
  const service = BlobServiceClient.fromConnectionString(world.azurite.connectionString);
  const names: string[] = [];
  if (opts.all) for await (const c of service.listContainers({ prefix: 'cvledger' })) names.push(c.name);
  else names.push(world.ledgerContainer);
  const out = new Map<string, { etag: string; text: string }>();
  for (const name of names) {
    const c = createLedgerContainerClient({ connectionString: world.azurite.connectionString }, name);
    for await (const b of c.listBlobsFlat()) {
      const text = (await c.getBlobClient(b.name).downloadToBuffer()).toString('utf8');
      out.set(opts.all ? `${name}/${b.name}` : b.name, { etag: b.properties.etag ?? '', text });
    }
  }
  return out;
}

export async function queueDepth(world: World, name: string): Promise<number> {
  const q = world.host.queues.client(name);
  if (!(await q.exists())) return 0;
  const props = await q.getProperties();
  return props.approximateMessagesCount ?? 0;
}

export function expectNoSecret(world: World, text: string, what: string): void {
  for (const s of world.secrets) {
    if (!s) continue;
    if (text.includes(s) || text.includes(encodeURIComponent(s)))
      throw new Error(`${what} contains a secret (${s.slice(0, 4)}…)`);
  }
  if (/[?&]sig=(?!\[redacted\])/i.test(text)) throw new Error(`${what} contains a SAS signature`);
}
