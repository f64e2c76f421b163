/**
 * What every request goes through before its handler: the shared context, body reading,
 * authentication and the gate faults (drop, delay, canned status — before or after handling).
 */
import type { IncomingMessage } from 'node:http';
import type { Clock } from '../../clock';
import type { DocumentModelsState } from './documentModels';
import type { FaultRegistry, GateFault } from './faults';
import type { RateLimiter } from './rateLimit';
import { statusFault, throttled, type Reply } from './reply';
import type { EmulatorState, ResourceState } from './state';
import type { CredentialKind, FaultRequestInfo, RequestLogEntry } from './types';

export interface Context {
  state: EmulatorState;
  docs: DocumentModelsState;
  clock: Clock;
  faults: FaultRegistry;
  limiter: RateLimiter;
  log: RequestLogEntry[];
  endpoints: Map<string, string>;
  pageSize: number;
  /** v3.1/v4 list page size (about 50, recorded). */
  docPageSize: number;
  /** v3.1/v4: put `api-version` in `nextLink` (default false, as in the specification's examples). */
  nextLinkApiVersion: boolean;
  timers: Set<NodeJS.Timeout>;
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function authenticate(r: ResourceState, req: IncomingMessage): CredentialKind {
  const key = header(req, 'ocp-apim-subscription-key');
  if (key !== undefined) return key === r.config.key ? 'key' : 'invalid-key';
  const auth = header(req, 'authorization');
  if (auth !== undefined) {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    return m && r.config.acceptedTokens.includes(m[1] ?? '') ? 'bearer' : 'invalid-bearer';
  }
  return 'none';
}

export function gateReply(f: Exclude<GateFault, { kind: 'drop' | 'delay' }>, api: string): Reply {
  return f.kind === 'throttle'
    ? throttled(f.retryAfterSeconds ?? 1, 'management', api)
    : statusFault(f.status, f.code, f.message, f.retryAfterSeconds);
}

export function sleep(ctx: Context, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      ctx.timers.delete(t);
      resolve();
    }, ms);
    ctx.timers.add(t);
  });
}

/**
 * Injected faults that act before a request is handled (drop, delay, a canned reply).
 * Returns undefined when the fault already answered; otherwise the (possibly later) time
 * and how to respond (a "drop after" fault drops the eventual reply; a "status after" fault
 * replaces it — the request was handled, its answer is the injected status). `api` names the
 * API in a throttling message (e.g. `Form Recognizer API (v2.1)`).
 */
export async function passGate(
  ctx: Context,
  info: FaultRequestInfo,
  entry: Pick<RequestLogEntry, 'fault'>,
  finish: (reply: Reply | 'drop') => void,
  api: string,
): Promise<{ now: number; respond: (reply: Reply) => void } | undefined> {
  const gate = ctx.faults.takeGate(info);
  let now = info.time;
  let dropAfter = false;
  if (gate) {
    entry.fault = gate.kind;
    if (gate.kind === 'status' && gate.phase === 'after') {
      const replaced = gateReply(gate, api);
      return { now, respond: (): void => finish(replaced) };
    }
    if (gate.kind === 'drop') {
      if (gate.phase !== 'after') {
        finish('drop');
        return undefined;
      }
      dropAfter = true;
    } else if (gate.kind === 'delay') {
      await sleep(ctx, gate.ms);
      now = ctx.clock.now();
    } else {
      finish(gateReply(gate, api));
      return undefined;
    }
  }
  return { now, respond: (reply: Reply): void => finish(dropAfter ? 'drop' : reply) };
}
