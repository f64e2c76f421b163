/**
 * The emulator's HTTP side: one loopback server, the `Training-key` check (401 text as the
 * Cognitive Services gateway sends it), injected faults (status codes with the recorded 429
 * text, connection resets, hangs), a request log with secrets redacted, and dispatch to
 * the Training API routes.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Clock } from '../../clock';
import { err, type Reply } from './routes';
import type { NetworkFault, RequestLogEntry, StatusFault } from './types';

const API_PREFIX = /^\/customvision\/v3\.\d+(?:-preview)?\/training(\/.*)?$/i;
const SAFE_QUERY = new Set(['name', 'platform', 'flavor']);

export interface ServerContext {
  clock: Clock;
  trainingKey: string;
  requestLog: RequestLogEntry[];
  statusFaults: (StatusFault & { left: number })[];
  networkFaults: (NetworkFault & { left: number })[];
  newId(): string;
  /** Emits due side effects before a request is answered (so `Done` means the blob exists). */
  runDue(): Promise<void>;
  route(method: string, sub: string, query: URLSearchParams, body: unknown, hasLength: boolean): Promise<Reply>;
}

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

/** The operation name the gateway puts in its throttling text. */
function operationName(method: string, path: string): string {
  if (/\/projects\/import$/i.test(path)) return 'ImportProject';
  if (/\/projects\/[^/]+\/export$/i.test(path)) return 'ExportProject';
  if (/\/publish$/i.test(path)) return method === 'DELETE' ? 'UnpublishIteration' : 'PublishIteration';
  if (method === 'DELETE') return 'DeleteProject';
  if (/\/export$/i.test(path)) return method === 'POST' ? 'ExportIteration' : 'GetExports';
  if (/\/iterations\/[^/]+$/i.test(path)) return 'GetIteration';
  if (/\/iterations$/i.test(path)) return 'GetIterations';
  if (/\/train$/i.test(path)) return 'TrainProject';
  return method === 'GET' ? 'GetProject' : 'UpdateProject';
}

/** The 429 body as recorded from the service (text with the operation and the tier). */
export function throttledBody(method: string, path: string, retryAfterSeconds: number, code?: string): unknown {
  const s = retryAfterSeconds === 1 ? 'second' : 'seconds';
  return {
    error: {
      code: code ?? '429',
      message: `Requests to the ${operationName(method, path)} Operation under Custom_Vision_Training_3.3 have exceeded rate limit of your current Training S0 pricing tier. Please retry after ${retryAfterSeconds} ${s}.`,
    },
  };
}

function safePath(url: URL): string {
  const q = [...url.searchParams.entries()].map(([k, v]) => `${k}=${SAFE_QUERY.has(k) ? v : '[redacted]'}`).join('&');
  return q ? `${url.pathname}?${q}` : url.pathname;
}

function matches(f: { method?: string; pathIncludes?: string }, method: string, path: string): boolean {
  return (!f.method || f.method.toUpperCase() === method) && (!f.pathIncludes || path.includes(f.pathIncludes));
}

export async function startServer(ctx: ServerContext): Promise<RunningServer> {
  const hung = new Set<http.ServerResponse>();
  const sockets = new Set<Socket>();

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://emulator');
    const entry: RequestLogEntry = {
      at: ctx.clock.now(),
      method,
      path: safePath(url),
      status: 0,
      keyValid: req.headers['training-key'] === ctx.trainingKey,
    };
    ctx.requestLog.push(entry);
    const send = (r: Reply): void => {
      entry.status = r.status;
      const text = r.body === undefined ? '' : JSON.stringify(r.body);
      res.writeHead(r.status, {
        'content-type': 'application/json; charset=utf-8',
        'apim-request-id': ctx.newId(),
        ...(r.headers ?? {}),
      });
      res.end(text);
    };
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const m = API_PREFIX.exec(url.pathname);
    if (!m) return send(err(404, 'NotFound', 'Resource not found'));
    if (!entry.keyValid) {
      return send({
        status: 401,
        body: {
          error: {
            code: '401',
            message:
              'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
          },
        },
      });
    }
    const nf = ctx.networkFaults.find((f) => f.left > 0 && matches(f, method, url.pathname));
    if (nf) {
      nf.left -= 1;
      entry.fault = nf.kind;
      if (nf.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      hung.add(res);
      return;
    }
    const sf = ctx.statusFaults.find((f) => f.left > 0 && matches(f, method, url.pathname));
    if (sf) {
      sf.left -= 1;
      entry.fault = String(sf.status);
      const headers: Record<string, string> = {};
      if (sf.retryAfterSeconds !== undefined) headers['retry-after'] = String(sf.retryAfterSeconds);
      const body =
        sf.status === 429
          ? throttledBody(method, url.pathname, sf.retryAfterSeconds ?? 1, sf.code)
          : {
              code:
                sf.code ??
                (sf.status === 503 ? 'ServiceUnavailable' : sf.status >= 500 ? 'InternalServerError' : 'BadRequest'),
              message: `Injected fault ${sf.status}`,
            };
      return send({ status: sf.status, body, headers });
    }
    await ctx.runDue();
    let body: unknown;
    if (chunks.length > 0) {
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return send(err(400, 'BadRequestInvalidBody', 'Body is not JSON'));
      }
    }
    const hasLength = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    send(await ctx.route(method, m[1] ?? '/', url.searchParams, body, hasLength));
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            code: 'InternalServerError',
            message: e instanceof Error ? e.message.slice(0, 200) : 'emulator error',
          }),
        );
      }
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    async close() {
      for (const r of hung) r.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}
