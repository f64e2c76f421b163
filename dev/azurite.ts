/**
 * Starts Azurite (the storage emulator) as a child process on free loopback ports,
 * in memory, with telemetry off. Used by the integration tests, `npm run local` and
 * the benchmark. Nothing is written to disk and nothing leaves the machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** Azurite's well-known development account (public, documented; not a secret). */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteInstance {
  blobEndpoint: string;
  queueEndpoint: string;
  tableEndpoint: string;
  /** A connection string in the shape `AzureWebJobsStorage` takes. */
  connectionString: string;
  stop(): Promise<void>;
}

export interface AzuriteOptions {
  /** Ports to listen on; 0 (default) picks free ones. */
  blobPort?: number;
  queuePort?: number;
  tablePort?: number;
  /** How long to wait for all three services to listen. */
  startTimeoutMs?: number;
  /** Memory cap for blob contents, in MB. */
  extentMemoryLimitMb?: number;
  /** Print Azurite's access log (one line per request) to its stdout, drained and discarded here (default false: `--silent`, less work for both processes). */
  accessLog?: boolean;
}

const LISTENING = /Azurite (Blob|Queue|Table) service is successfully listening at (http:\/\/\S+)/;

export async function startAzurite(opts: AzuriteOptions = {}): Promise<AzuriteInstance> {
  const entry = path.join(path.dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'azurite.js');
  const args = [
    entry,
    '--inMemoryPersistence',
    '--extentMemoryLimit',
    String(opts.extentMemoryLimitMb ?? 512),
    '--skipApiVersionCheck',
    '--disableTelemetry',
    '--loose',
    ...(opts.accessLog ? [] : ['--silent']),
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    String(opts.blobPort ?? 0),
    '--queueHost',
    '127.0.0.1',
    '--queuePort',
    String(opts.queuePort ?? 0),
    '--tableHost',
    '127.0.0.1',
    '--tablePort',
    String(opts.tablePort ?? 0),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: path.dirname(entry) });
  const endpoints: Partial<Record<'Blob' | 'Queue' | 'Table', string>> = {};
  let output = '';

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`Azurite did not start within ${opts.startTimeoutMs ?? 30000} ms:\n${output}`)),
      opts.startTimeoutMs ?? 30000,
    );
    function fail(err: Error): void {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    }
    function onData(chunk: Buffer): void {
      output += chunk.toString('utf8');
      for (const line of output.split('\n')) {
        const m = LISTENING.exec(line);
        if (m) endpoints[m[1] as 'Blob' | 'Queue' | 'Table'] = m[2];
      }
      if (endpoints.Blob && endpoints.Queue && endpoints.Table) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        resolve();
      }
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', fail);
    child.once('exit', (code, signal) =>
      fail(new Error(`Azurite exited early (code ${code}, signal ${signal}):\n${output}`)),
    );
  });
  // Keep draining output so the child never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();
  child.removeAllListeners('exit');

  const blobEndpoint = `${endpoints.Blob}/${DEV_ACCOUNT}`;
  const queueEndpoint = `${endpoints.Queue}/${DEV_ACCOUNT}`;
  const tableEndpoint = `${endpoints.Table}/${DEV_ACCOUNT}`;
  return {
    blobEndpoint,
    queueEndpoint,
    tableEndpoint,
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};` +
      `BlobEndpoint=${blobEndpoint};QueueEndpoint=${queueEndpoint};TableEndpoint=${tableEndpoint};`,
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
