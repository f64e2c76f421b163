/** The v3.1 / v4 request handler: same auth, faults, rate limits and log as v2 (server.ts). */
import type { IncomingMessage } from 'node:http';
import { documentUrl, type DocumentRoute } from './documentModels';
import { type Context, passGate } from './gate';
import { ACCESS_DENIED, MISSING_KEY, apiLabel, errorReply, throttled, type Reply } from './reply';
import type { ResourceState } from './state';
import type { FaultRequestInfo, RequestLogEntry } from './types';

/** A v3.1 / v4 request: same auth, faults, rate limits and log as v2; state in DocumentModelsState. */
export async function handleDocument(
  ctx: Context,
  r: ResourceState,
  req: IncomingMessage,
  a: {
    url: URL;
    route: DocumentRoute;
    bodyText: string;
    entry: RequestLogEntry;
    now: number;
    finish: (reply: Reply | 'drop') => void;
  },
): Promise<void> {
  const { url, route, bodyText, entry, finish } = a;
  let now = a.now;
  const name = r.config.name;
  const endpoint = ctx.endpoints.get(name) ?? '';
  entry.call = route.call;
  if (route.id !== undefined && route.call !== 'copyResult') entry.modelId = route.id;
  let targetResourceId: string | undefined;
  if (route.call === 'copy') {
    try {
      const b = JSON.parse(bodyText) as Record<string, unknown>;
      const t = b.targetModelId ?? b.targetClassifierId;
      if (typeof t === 'string') entry.authorizationModelId = t;
      if (typeof b.targetResourceId === 'string') targetResourceId = b.targetResourceId;
    } catch {
      // reported by validation below
    }
  }
  if (entry.credential !== 'key' && entry.credential !== 'bearer') {
    return finish(errorReply(401, entry.credential === 'none' ? MISSING_KEY : ACCESS_DENIED));
  }
  const info: FaultRequestInfo = {
    resource: name,
    call: route.call,
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    modelId: route.call === 'copyResult' ? undefined : route.id,
    authorizationModelId: entry.authorizationModelId,
    targetResourceId,
    time: now,
  };
  const gated = await passGate(ctx, info, entry, finish, apiLabel(route.version));
  if (!gated) return;
  now = gated.now;
  const respond = gated.respond;
  ctx.state.settle(now);
  ctx.docs.settle(now);
  if (route.call !== 'copy') {
    const decision = ctx.limiter.tryAcquire(name, route.call, now);
    if (!decision.ok) {
      entry.fault = 'rateLimit';
      return respond(throttled(decision.retryAfterSeconds, decision.bucket, apiLabel(route.version)));
    }
  }
  const d = ctx.docs.resource(name);
  switch (route.call) {
    case 'list':
      return respond(ctx.docs.list(d, route, url, endpoint, ctx.docPageSize, ctx.nextLinkApiVersion));
    case 'getModel':
      return respond(ctx.docs.get(d, route));
    case 'deleteModel':
      return respond(ctx.docs.delete(d, route));
    case 'summary':
      return respond(ctx.docs.info(d, now));
    case 'copyResult':
      return respond(ctx.docs.operation(d, route, now));
    case 'authorize':
      return respond(ctx.docs.authorize(d, route, bodyText, endpoint, now));
    case 'copy': {
      const validated = ctx.docs.validateCopy(d, route, bodyText, now);
      if ('status' in validated) return respond(validated);
      const decision = ctx.limiter.tryAcquire(name, 'copy', now);
      if (!decision.ok) {
        entry.fault = 'rateLimit';
        return respond(throttled(decision.retryAfterSeconds, decision.bucket, apiLabel(route.version)));
      }
      const copyFaults = ctx.faults.takeCopy(info);
      if (copyFaults.fails) entry.fault ??= 'copyFails';
      else if (copyFaults.duration) entry.fault ??= 'copyDuration';
      const degrade = req.headers['x-ms-forms-copy-degrade']?.toString().trim().toLowerCase() === 'true';
      const op = ctx.docs.acceptCopy(validated, route, degrade, now, {
        durationMs: copyFaults.duration?.ms,
        failure: copyFaults.fails ? { code: copyFaults.fails.code, message: copyFaults.fails.message } : undefined,
      });
      return respond({
        status: 202,
        headers: { 'Operation-Location': documentUrl(endpoint, route, `/operations/${op.operationId}`) },
      });
    }
  }
}
