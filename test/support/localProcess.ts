/**
 * `npm run local` as a real child process (test/integration/localRun*.test.ts): the project root,
 * tsx, an environment without this process's DR_ / CV_ / AzureWebJobsStorage settings, and a
 * synchronous and an asynchronous way to run it to its end.
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.join(__dirname, '..', '..');
export const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

/** This process's environment without the app's settings, plus `env`. */
export function localEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(DR_|CV_|AzureWebJobsStorage)/.test(k)),
  );
  return { ...clean, ...env };
}

/** `npm run local` with `args`, waited for synchronously (nothing in this process must answer it). */
export function runLocalSync(
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(TSX, ['dev/local.ts', ...args], {
    cwd: ROOT,
    env: localEnv(env),
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface Ended {
  status: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

/**
 * One `npm run local` process, asynchronous (this process may serve it meanwhile: an emulator, a
 * peer); its whole process group (tsx and the app) is killed, and reported `timedOut`, after `timeoutMs`.
 */
export function runLocal(args: string[], env: Record<string, string>, timeoutMs: number): Promise<Ended> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(TSX, ['dev/local.ts', ...args], {
      cwd: ROOT,
      env: localEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, timeoutMs);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, timedOut, ms: Date.now() - started });
    });
  });
}
