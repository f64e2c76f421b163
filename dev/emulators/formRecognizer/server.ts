/**
 * Multi-resource Form Recognizer v2.0 / v2.1 emulator: one loopback HTTP server per resource,
 * shared state (so a copy can reach its target), an injected clock, fault injection, S0-like
 * rate limits and a request log free of secrets.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, systemClock } from '../../clock';
import { FaultRegistry, type FaultHandle } from './faults';
import { handleDocument } from './documentHandler';
import { handleAnalyze, registerAnalyze, setAnalyzeSpec } from './analyze';
import { type Context, authenticate, header, passGate, readBody } from './gate';
import {
  byId,
  classifierView,
  docModelView,
  type ClassifierView,
  type CopyOperationView,
  type DocumentModelView,
  type DocumentOperationView,
} from './views';
import { RateLimiter, resolveRateLimits } from './rateLimit';
import { parseRawJson, type RawJson, member, stringMember } from './rawJson';
import {
  ACCESS_DENIED,
  MISSING_KEY,
  NOT_FOUND,
  apiLabel,
  errorReply,
  statusFault,
  throttled,
  writeReply,
  type Reply,
} from './reply';
import * as routes from './routes';
import {
  type CopyOverrides,
  DEFAULT_COPY_DURATION_MS,
  EmulatorState,
  modelView,
  parseCopyRequest,
  resourceConfig,
  type ResourceState,
} from './state';
import { DocumentModelsState, matchDocumentRoute } from './documentModels';
import type {
  AnalyzeSpec,
  ClassifierSeed,
  CopyDuration,
  DocumentModelSeed,
  EmulatedResource,
  Fault,
  FaultRequestInfo,
  ModelSeed,
  ModelView,
  RateLimits,
  RequestLogEntry,
  ResourceSpec,
} from './types';

export interface FormRecognizerEmulatorOptions {
  resources: ResourceSpec[];
  clock?: Clock;
  /** `true` = S0 limits; an object overrides some of them; default off. */
  rateLimits?: boolean | Partial<RateLimits>;
  /** Clock time a copy takes (default 4000 ms); a function is called once per accepted copy. */
  copyDurationMs?: CopyDuration;
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
  /** Page size of `?op=full` (default 30, the service's). */
  listPageSize?: number;
  /** Page size of v3.1/v4 `GET documentModels` / `documentClassifiers` (default 50; recorded about 48). */
  documentListPageSize?: number;
  /** v3.1/v4: put `api-version` in `nextLink` (default false: the specification's examples have none). */
  nextLinkApiVersion?: boolean;
}

export type { CopyOperationView, DocumentModelView, ClassifierView, DocumentOperationView } from './views';

export interface FormRecognizerEmulator {
  readonly resources: EmulatedResource[];
  resource(name: string): EmulatedResource;
  readonly faults: {
    add(resourceName: string, fault: Fault): FaultHandle;
    clear(resourceName?: string): void;
  };
  /** Every served request, in completion order. */
  readonly requestLog: RequestLogEntry[];
  /** Models of a resource at the clock's now, including blank authorized ones. */
  models(resourceName: string): ModelView[];
  addModel(resourceName: string, seed: ModelSeed): ModelView;
  /** Adds the model, or changes the one with the seed's id (fields given replace, `lastUpdatedDateTime` defaults to now). */
  upsertModel(resourceName: string, seed: ModelSeed): ModelView;
  /** Copy operations started on a (source) resource. */
  operations(resourceName: string): CopyOperationView[];
  /** v3.1/v4: document models of a resource (prebuilt ones included, flagged). */
  documentModels(resourceName: string): DocumentModelView[];
  /** v3.1/v4: classifiers of a resource. */
  classifiers(resourceName: string): ClassifierView[];
  addDocumentModel(resourceName: string, seed: DocumentModelSeed): DocumentModelView;
  addClassifier(resourceName: string, seed: ClassifierSeed): ClassifierView;
  /** v3.1/v4: ids reserved by authorizations whose copy has not landed (`documentModels/<id>`, `documentClassifiers/<id>`). */
  reservedIds(resourceName: string): string[];
  /** v3.1/v4: copy operations started on a (source) resource. */
  documentOperations(resourceName: string): DocumentOperationView[];
  /** v3.1/v4: ends a running copy operation now as `canceled` or `skipped`. */
  endDocumentOperation(resourceName: string, operationId: string, status: 'canceled' | 'skipped'): void;
  /** Restore drills: changes how a resource answers analyze requests (faults), see analyze.ts. */
  setAnalyze(resourceName: string, spec: AnalyzeSpec): void;
  /** Switches rate limiting on (S0 or given limits) or off; resets the windows. */
  setRateLimits(setting: boolean | Partial<RateLimits>): void;
  readonly clock: Clock;
  close(): Promise<void>;
}

async function handle(ctx: Context, r: ResourceState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const name = r.config.name;
  const endpoint = ctx.endpoints.get(name) ?? '';
  const method = req.method ?? 'GET';
  const path = req.url ?? '/';
  if (await handleAnalyze(ctx, r, req, res)) return;
  const bodyText = await readBody(req);
  let now = ctx.clock.now();
  const entry: RequestLogEntry = {
    resource: name,
    method,
    path,
    status: 0,
    time: now,
    credential: authenticate(r, req),
  };
  const finish = (reply: Reply | 'drop'): void => {
    if (reply === 'drop') {
      entry.status = 0;
      req.socket.destroy();
    } else {
      entry.status = reply.status;
      writeReply(res, reply);
    }
    ctx.log.push(entry);
  };

  const url = new URL(path, 'http://emulator.invalid');
  const docRoute = matchDocumentRoute(method, url, r.config.apiVersions);
  if (docRoute === 'unserved') return finish(errorReply(404, NOT_FOUND));
  if (docRoute !== undefined)
    return handleDocument(ctx, r, req, { url, route: docRoute, bodyText, entry, now, finish });
  let route: routes.Route | undefined;
  try {
    route = routes.matchRoute(method, url, r.config.apiVersions);
  } catch {
    route = undefined;
  }
  if (!route) return finish(errorReply(404, NOT_FOUND));
  entry.call = route.call;
  if (route.modelId !== undefined) entry.modelId = route.modelId;

  let body: RawJson | undefined;
  let bodyError: string | undefined;
  if (route.call === 'copy') {
    try {
      body = parseRawJson(bodyText);
    } catch {
      bodyError = 'The request body is not valid JSON.';
    }
    const authModelId = stringMember(member(body, 'copyAuthorization'), 'modelId');
    if (authModelId !== undefined) entry.authorizationModelId = authModelId;
  }

  if (entry.credential !== 'key' && entry.credential !== 'bearer') {
    return finish(errorReply(401, entry.credential === 'none' ? MISSING_KEY : ACCESS_DENIED));
  }

  const info: FaultRequestInfo = {
    resource: name,
    call: route.call,
    method,
    path,
    modelId: route.modelId,
    authorizationModelId: entry.authorizationModelId,
    targetResourceId: stringMember(body, 'targetResourceId'),
    time: now,
  };
  const gated = await passGate(ctx, info, entry, finish, apiLabel(route.version));
  if (!gated) return;
  now = gated.now;
  const respond = gated.respond;

  ctx.state.settle(now);
  if (route.call !== 'copy') {
    const decision = ctx.limiter.tryAcquire(name, route.call, now);
    if (!decision.ok) {
      entry.fault = 'rateLimit';
      return respond(throttled(decision.retryAfterSeconds, decision.bucket, apiLabel(route.version)));
    }
  }

  switch (route.call) {
    case 'authorize': {
      const { reply } = routes.authorize(ctx.state, r, route, endpoint, now);
      return respond(reply);
    }
    case 'getModel':
      return respond(routes.getModel(r, route));
    case 'deleteModel':
      return respond(routes.deleteModel(ctx.state, r, route));
    case 'list':
      return respond(routes.listModels(r, route, url, endpoint, ctx.pageSize));
    case 'summary':
      return respond(routes.summary(r, now));
    case 'copyResult':
      return respond(routes.copyResult(r, route, now));
    case 'copy': {
      const request = bodyError ?? parseCopyRequest(body);
      const validated = ctx.state.validateCopy({ sourceName: name, sourceModelId: route.modelId ?? '', request, now });
      if (validated.kind === 'rejected') return respond(errorReply(validated.status, validated.error));
      const decision = ctx.limiter.tryAcquire(name, 'copy', now);
      if (!decision.ok) {
        entry.fault = 'rateLimit';
        return respond(throttled(decision.retryAfterSeconds, decision.bucket, apiLabel(route.version)));
      }
      const copyFaults = ctx.faults.takeCopy(info);
      const overrides: CopyOverrides = {
        durationMs: copyFaults.duration?.ms,
        failure: copyFaults.fails ? { code: copyFaults.fails.code, message: copyFaults.fails.message } : undefined,
      };
      if (copyFaults.fails) entry.fault ??= 'copyFails';
      else if (copyFaults.duration) entry.fault ??= 'copyDuration';
      const degrade = header(req, 'x-ms-forms-copy-degrade')?.trim().toLowerCase() === 'true';
      const op = ctx.state.acceptCopy(validated, degrade, now, overrides);
      return respond({
        status: 202,
        headers: {
          'Operation-Location': `${routes.modelsUrl(endpoint, route.version)}/${validated.model.modelId}/copyresults/${op.resultId}`,
        },
      });
    }
  }
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function startFormRecognizerEmulator(
  opts: FormRecognizerEmulatorOptions,
): Promise<FormRecognizerEmulator> {
  const clock = opts.clock ?? systemClock;
  const host = opts.host ?? '127.0.0.1';
  const state = new EmulatorState(opts.copyDurationMs);
  const docs = new DocumentModelsState(opts.copyDurationMs ?? DEFAULT_COPY_DURATION_MS);
  for (const spec of opts.resources) {
    const r = state.addResource(resourceConfig(spec), spec.models ?? [], clock.now());
    docs.addResource(r.config, spec, clock.now());
  }
  const ctx: Context = {
    state,
    docs,
    clock,
    faults: new FaultRegistry((n) => state.resources.has(n)),
    limiter: new RateLimiter(resolveRateLimits(opts.rateLimits)),
    log: [],
    endpoints: new Map(),
    pageSize: opts.listPageSize ?? 30,
    docPageSize: opts.documentListPageSize ?? opts.listPageSize ?? 50,
    nextLinkApiVersion: opts.nextLinkApiVersion ?? false,
    timers: new Set(),
  };
  registerAnalyze(ctx, opts.resources);

  const servers: Server[] = [];
  const resources: EmulatedResource[] = [];
  const closeAll = async (): Promise<void> => {
    for (const t of ctx.timers) clearTimeout(t);
    ctx.timers.clear();
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
  };

  try {
    for (const spec of opts.resources) {
      const r = state.resource(spec.name);
      const server = createServer((req, res) => {
        handle(ctx, r, req, res).catch((err: unknown) => {
          if (!res.headersSent)
            writeReply(res, statusFault(500, 'InternalServerError', `Emulator error: ${String(err)}`));
          else res.destroy();
        });
      });
      servers.push(server);
      const port = await listen(server, host, spec.port ?? 0);
      const endpoint = `http://${hostForUrl(host)}:${port}`;
      ctx.endpoints.set(spec.name, endpoint);
      const c = r.config;
      resources.push({
        name: c.name,
        region: c.region,
        endpoint,
        key: c.key,
        resourceId: c.resourceId,
        encrypted: c.encrypted,
      });
    }
  } catch (err) {
    await closeAll();
    throw err;
  }

  const settled = (name: string): ResourceState => {
    const r = state.resource(name);
    state.settle(clock.now());
    return r;
  };

  return {
    resources,
    resource(name) {
      const found = resources.find((r) => r.name === name);
      if (!found) throw new Error(`unknown emulated resource '${name}'`);
      return found;
    },
    faults: {
      add: (resourceName, fault) => ctx.faults.add(resourceName, fault),
      clear: (resourceName) => ctx.faults.clear(resourceName),
    },
    requestLog: ctx.log,
    models: (name) =>
      [...settled(name).models.values()]
        .map(modelView)
        .sort((a, b) => (a.modelId < b.modelId ? -1 : a.modelId > b.modelId ? 1 : 0)),
    addModel: (name, seed) => modelView(state.addModel(name, seed, clock.now())),
    upsertModel: (name, seed) => modelView(state.upsertModel(name, seed, clock.now())),
    operations(name) {
      const r = settled(name);
      const now = clock.now();
      return [...r.operations.values()].map((op) => {
        const { status } = EmulatorState.status(op, now);
        const view: CopyOperationView = {
          resultId: op.resultId,
          sourceModelId: op.sourceModelId,
          targetModelId: op.targetModelId,
          status,
          createdDateTime: new Date(op.createdMs).toISOString(),
          completesDateTime: new Date(op.completeMs).toISOString(),
        };
        if (status === 'failed' && op.outcome.kind === 'failure') view.error = op.outcome.error;
        return view;
      });
    },
    documentModels(name) {
      docs.settle(clock.now());
      return [...docs.resource(name).models.values()].map(docModelView).sort(byId((m) => m.modelId));
    },
    classifiers(name) {
      docs.settle(clock.now());
      return [...docs.resource(name).classifiers.values()].map(classifierView).sort(byId((c) => c.classifierId));
    },
    addDocumentModel: (name, seed) => docModelView(docs.addModel(name, seed, clock.now())),
    addClassifier: (name, seed) => classifierView(docs.addClassifier(name, seed, clock.now())),
    reservedIds(name) {
      docs.settle(clock.now());
      return [...docs.resource(name).reserved.keys()].sort();
    },
    documentOperations(name) {
      const now = clock.now();
      docs.settle(now);
      return [...docs.resource(name).operations.values()].map((op) => {
        const { status } = DocumentModelsState.status(op, now);
        const view: DocumentOperationView = {
          operationId: op.operationId,
          kind: op.kind,
          sourceId: op.sourceId,
          targetId: op.targetId,
          status,
          createdDateTime: new Date(op.createdMs).toISOString(),
          completesDateTime: new Date(op.completeMs).toISOString(),
        };
        if (status === 'failed' && op.outcome.kind === 'failure') view.error = structuredClone(op.outcome.error);
        return view;
      });
    },
    endDocumentOperation: (name, operationId, status) => docs.endOperation(name, operationId, status, clock.now()),
    setAnalyze: (name, spec) => setAnalyzeSpec(ctx, name, spec),
    setRateLimits(setting) {
      ctx.limiter.limits = resolveRateLimits(setting);
      ctx.limiter.reset();
    },
    clock,
    close: closeAll,
  };
}
