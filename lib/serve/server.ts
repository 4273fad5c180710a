// serve(): the inference server. Requests are routed, checked and parsed on the JavaScript thread;
// the rows go to the model's batcher, which runs them on the engine off that thread, merged with
// whatever else is queued; the answer is written in the protocol the request came in.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { describe } from '../errors';
import { HttpError, badRequest, notFound, toHttpError } from './errors';
import { createHttpServer, type RawRequest, type RawResponse } from './http';
import { JsonSyntaxError, parseJsonBytes } from './json-body';
import { createLogger, streamSink, type Logger } from './log';
import { ServerMetrics } from './metrics';
import { resolveOptions, type ResolvedOptions, type ServeOptions } from './options';
import { inferResponse, modelMetadata, parseInfer, V2_TENSOR_KEYS } from './protocol-v2';
import { modelMetadataV1, modelStatus, parsePredict, V1_TENSOR_KEYS } from './protocol-v1';
import { preprocess, recordAnswers } from './records';
import { Repository, resolveSources, type ModelVersion, type ServedModel } from './repository';
import { matchRoute, needsToken, type Route } from './routes';
import { matrixJson } from './tensor-input';

export interface ServedModelStatus {
  name: string;
  version: string | null;
  ready: boolean;
  queuedRows: number;
}

export interface InferenceServer {
  /** http://host:port */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly httpServer: http.Server;
  /** False once close() has begun, or while a model has no version loaded. */
  readonly ready: boolean;
  models(): ServedModelStatus[];
  /** Looks for new versions now (polling does the same every pollIntervalMs). */
  reload(): Promise<void>;
  /** Prometheus text of the server's metrics. */
  metrics(): Promise<string>;
  /**
   * Graceful stop: readiness turns 503 and new inference requests get 503, the queued ones are answered,
   * then the listener closes and the models are freed. Resolves with drained false when the deadline
   * (options.timeoutMs, default shutdownTimeoutMs) cut it short.
   */
  close(options?: { timeoutMs?: number }): Promise<{ drained: boolean }>;
}

function version(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch { return 'unknown'; }
}

/** After the queue drains, the listener closes once no connection or request came for QUIET_MS (at most LISTEN_GRACE_MS later). */
const QUIET_MS = 100;
const LISTEN_GRACE_MS = 1000;

const json = (status: number, body: unknown, headers?: Record<string, string>): RawResponse =>
  ({ status, body: JSON.stringify(body), ...(headers ? { headers } : {}) });

function errorResponse(err: unknown): RawResponse {
  const e = toHttpError(err);
  return json(e.status, { error: e.message, code: e.code }, e.headers);
}

function tokenCheck(token: string | null): (header: string | string[] | undefined) => boolean {
  if (token === null) return () => true;
  const want = crypto.createHash('sha256').update(token).digest();
  return (header) => {
    if (typeof header !== 'string') return false;
    const m = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!m) return false;
    return crypto.timingSafeEqual(crypto.createHash('sha256').update(m[1]!).digest(), want);
  };
}

function parseJson(body: Buffer | null, tensorKeys: ReadonlySet<string>): unknown {
  if (!body || body.length === 0) throw badRequest('ERR_FORMAT', 'Expected a JSON body but the request has none');
  try {
    return parseJsonBytes(body, tensorKeys);
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    throw badRequest('ERR_FORMAT', `Malformed JSON: ${err.message}`);
  }
}

export class Server implements InferenceServer {
  readonly httpServer: http.Server;
  readonly metricsRegistry: ServerMetrics;
  private closing: Promise<{ drained: boolean }> | null = null;
  private inFlight = 0;
  private lastActivity = 0;
  private inFlightZero: (() => void)[] = [];
  private readonly authorized: (h: string | string[] | undefined) => boolean;
  private readonly serverMeta = JSON.stringify({ name: 'blasnet', version: version(), extensions: [] });
  private signalHandlers: [NodeJS.Signals, () => void][] = [];
  port = 0;
  host: string;
  /** Where /metrics text comes from (a cluster worker asks the primary for every worker's sum). */
  metricsSource: () => Promise<string> = () => this.metricsRegistry.text();

  constructor(readonly repo: Repository, readonly o: ResolvedOptions, readonly log: Logger, metrics: ServerMetrics) {
    this.metricsRegistry = metrics;
    this.host = o.host;
    this.authorized = tokenCheck(o.authToken);
    this.httpServer = createHttpServer((req) => this.handle(req), {
      bodyLimit: o.bodyLimit,
      requestTimeoutMs: Math.max(o.timeoutMs, 10_000) + 5_000,
      keepAliveTimeoutMs: 5_000,
      closing: () => this.closing !== null,
      tooLarge: (bytes) => {
        this.metricsRegistry.request('', 'any', 413, 0);
        return errorResponse(new HttpError(413, 'ERR_LIMIT',
          `The request body${bytes !== null ? ` of ${bytes} bytes` : ''} is over the limit of ${o.bodyLimit} bytes`));
      },
      bodyBudget: o.bodyBudget,
      overloaded: (held) => {
        this.metricsRegistry.request('', 'any', 503, 0);
        return errorResponse(new HttpError(503, 'ERR_LIMIT',
          `The server holds ${held} bytes of request bodies, near its budget of ${o.bodyBudget}; retry later`, { 'Retry-After': '1' }));
      },
      onActivity: () => { this.lastActivity = performance.now(); },
      onError: (err) => { this.log.error('unexpected error while answering a request', { error: String(err) }); return errorResponse(err); },
    });
  }

  get url(): string { return `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`; }
  get ready(): boolean { return this.closing === null && this.repo.ready; }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.httpServer.once('error', reject);
      this.httpServer.listen(this.o.port, this.o.host, () => { this.httpServer.off('error', reject); resolve(); });
    });
    this.port = (this.httpServer.address() as AddressInfo).port;
  }

  models(): ServedModelStatus[] {
    return [...this.repo.models.values()].map((m) => ({
      name: m.name, version: m.current?.version ?? null, ready: m.current !== null, queuedRows: m.current?.batcher.queuedRows ?? 0,
    }));
  }

  reload(): Promise<void> { return this.repo.reload(); }
  metrics(): Promise<string> { return this.metricsSource(); }

  /** The transport-independent handler (the HTTP layer calls it; the benchmark mounts it behind fastify to compare). */
  async handle(req: RawRequest): Promise<RawResponse> {
    this.inFlight++;
    this.lastActivity = performance.now();
    let route: Route | null = null;
    let model = '';
    let res: RawResponse;
    try {
      try { route = matchRoute(req.path); } catch { throw badRequest('ERR_FORMAT', 'The URL has a malformed percent-encoding'); }
      if (!route) throw notFound(`No such endpoint: ${req.method} ${describe(req.path)}`);
      const method = req.method === 'HEAD' ? 'GET' : req.method;
      if (method !== route.method) throw new HttpError(405, 'ERR_INVALID_ARG', `${describe(req.path)} takes ${route.method}, not ${req.method}`, { Allow: route.method });
      if (needsToken(route.kind) && !this.authorized(req.headers.authorization)) {
        throw new HttpError(401, 'ERR_UNAUTHORIZED', 'This endpoint needs an Authorization: Bearer <token> header with the server\'s token',
          { 'WWW-Authenticate': 'Bearer' });
      }
      const served = route.model !== null ? this.repo.models.get(route.model) ?? null : null;
      if (served) model = served.name;
      res = await this.dispatch(route, served, req);
    } catch (err) {
      res = errorResponse(err);
    }
    const routeLabel = route?.kind ?? 'unknown';
    const seconds = (performance.now() - req.arrived) / 1000;
    this.metricsRegistry.request(model, routeLabel, res.status, seconds);
    if (this.o.logRequests) this.log.info('request', { method: req.method, path: req.path.slice(0, 200), status: res.status, model, ms: +(seconds * 1000).toFixed(2) });
    else if (res.status >= 500 && !(res.status === 503 && this.closing)) this.log.warn('request failed', { method: req.method, path: req.path.slice(0, 200), status: res.status, model, error: res.body.slice(0, 300) });
    if (--this.inFlight === 0) for (const f of this.inFlightZero.splice(0)) f();
    return res;
  }

  /** The version a route asks for (the served one when it names none). */
  private version(served: ServedModel | null, route: Route): ModelVersion {
    if (!served) throw notFound(`No model named ${describe(route.model)} is served`);
    const v = served.current;
    if (!v) throw new HttpError(503, 'ERR_UNKNOWN_NAME', `Model ${served.name} has no version loaded yet`, { 'Retry-After': '1' });
    if (route.version !== null && route.version !== v.version) {
      throw notFound(`Version ${describe(route.version)} of model ${served.name} is not served (it serves version ${v.version})`);
    }
    return v;
  }

  private refuseWhenClosing(): void {
    if (this.closing) throw new HttpError(503, 'ERR_CANCELLED', 'The server is shutting down; send the request to another replica', { 'Retry-After': '1' });
  }

  private remaining(req: RawRequest): number {
    const left = this.o.timeoutMs - (performance.now() - req.arrived);
    if (left <= 0) throw new HttpError(504, 'ERR_TIMEOUT', `The request passed its deadline of ${this.o.timeoutMs} ms before it was queued`);
    return left;
  }

  private async dispatch(route: Route, served: ServedModel | null, req: RawRequest): Promise<RawResponse> {
    switch (route.kind) {
      case 'live': return json(200, { live: true });
      case 'ready': return this.ready ? json(200, { ready: true }) : json(503, { ready: false });
      case 'server': return { status: 200, body: this.serverMeta };
      case 'metrics': return { status: 200, body: await this.metrics(), contentType: this.metricsRegistry.registry.contentType };
      case 'v2-model-ready': {
        if (!served) throw notFound(`No model named ${describe(route.model)} is served`);
        const ok = served.current !== null && this.closing === null && (route.version === null || route.version === served.current.version);
        return json(ok ? 200 : 503, { name: served.name, ready: ok });
      }
      case 'v2-model': { const v = this.version(served, route); return json(200, modelMetadata(v.name, v.version, v.info, v.records)); }
      case 'v1-status': {
        if (!served) throw notFound(`No model named ${describe(route.model)} is served`);
        const st = modelStatus(served, route.version);
        if ((st.model_version_status as unknown[]).length === 0) throw notFound(`Version ${describe(route.version)} of model ${served.name} is not served`);
        return json(200, st);
      }
      case 'v1-metadata': { const v = this.version(served, route); return json(200, modelMetadataV1(v.name, v.version, v.info, v.records)); }
      case 'v2-infer': {
        this.refuseWhenClosing();
        const v = this.version(served, route);
        const r = parseInfer(parseJson(req.body, V2_TENSOR_KEYS), v.info, v.name, this.o.maxRowsPerRequest);
        const out = await v.batcher.submit(r.x, r.rows, this.remaining(req), this.o.timeoutMs);
        return { status: 200, body: inferResponse(v.name, v.version, r.id, out, v.info.outputDim) };
      }
      case 'v1-predict': {
        this.refuseWhenClosing();
        const v = this.version(served, route);
        const r = parsePredict(parseJson(req.body, V1_TENSOR_KEYS), v.info, v.name, this.o.maxRowsPerRequest, v.preprocessor);
        if (r.saved) this.metricsRegistry.unknownValues(v.name, r.saved.unknown);
        const x = r.records && !r.saved ? preprocess(v.model, r.x, r.rows) : r.x;
        const out = await v.batcher.submit(x, r.rows, this.remaining(req), this.o.timeoutMs);
        const key = r.columnar ? 'outputs' : 'predictions';
        const body = r.saved ? JSON.stringify(r.saved.pre.answers(out, v.info.outputDim))
          : r.records ? `[${recordAnswers(out, v.info).join(',')}]` : matrixJson(out, v.info.outputDim, false);
        return { status: 200, body: `{"${key}":${body}}` };
      }
    }
  }

  close(options: { timeoutMs?: number } = {}): Promise<{ drained: boolean }> {
    this.closing ??= this.shutdown(options.timeoutMs ?? this.o.shutdownTimeoutMs);
    return this.closing;
  }

  private async shutdown(timeoutMs: number): Promise<{ drained: boolean }> {
    for (const [sig, fn] of this.signalHandlers) process.off(sig, fn);
    this.log.info('shutting down: readiness is 503, new inference requests get 503, the queued ones are answered', { inFlight: this.inFlight, timeoutMs });
    // The listener stays open while the queue drains, so probes see 503 rather than a refused connection.
    const drained = (async () => {
      await this.repo.drain();
      if (this.inFlight > 0) await new Promise<void>((resolve) => this.inFlightZero.push(resolve));
      // Closing the listener resets connections not yet accepted and drops requests half received: wait
      // until connections and requests stop coming (each is turned away with 503 meanwhile), for up to a second.
      const quietUntil = performance.now() + LISTEN_GRACE_MS;
      do {
        await new Promise((r) => setTimeout(r, QUIET_MS));
      } while (performance.now() - this.lastActivity < QUIET_MS && performance.now() < quietUntil);
      if (this.inFlight > 0) await new Promise<void>((resolve) => this.inFlightZero.push(resolve));
      // Connections end after their current answer (Connection: close); idle ones now.
      const closed = new Promise<void>((resolve) => this.httpServer.close(() => resolve()));
      this.httpServer.closeIdleConnections();
      await closed;
    })();
    let timer: NodeJS.Timeout | undefined;
    const ok = await Promise.race([
      drained.then(() => true),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs); }),
    ]);
    clearTimeout(timer);
    if (!ok) {
      this.log.error('shutdown deadline passed: closing the connections still open', { inFlight: this.inFlight, timeoutMs });
      this.httpServer.close();
      this.httpServer.closeAllConnections();
    }
    await this.repo.close();
    this.log.info('stopped', { drained: ok });
    return { drained: ok };
  }

  installSignals(): void {
    const stop = (sig: NodeJS.Signals) => () => {
      this.log.info('signal received', { signal: sig });
      void this.close().then(({ drained }) => process.exit(drained ? 0 : 1));
    };
    const hup = () => { this.log.info('signal received: reloading', { signal: 'SIGHUP' }); void this.reload(); };
    this.signalHandlers = [['SIGTERM', stop('SIGTERM')], ['SIGINT', stop('SIGINT')], ['SIGHUP', hup]];
    for (const [sig, fn] of this.signalHandlers) process.on(sig, fn);
  }
}

/** Starts an inference server over `options.models`; resolves once every model is loaded, warmed and listening. */
export function serve(options: ServeOptions): Promise<InferenceServer> {
  return startServer(options);
}

/** serve(), with the server's class (its metrics registry and source) for the cluster workers. */
export async function startServer(options: ServeOptions): Promise<Server> {
  const o = resolveOptions(options);
  const log = createLogger(o.log === undefined ? streamSink() : o.log, o.logLevel);
  const { sources, roots } = resolveSources(o.models, log);
  let repo: Repository | null = null;
  const metrics = new ServerMetrics(function* () {
    if (repo) for (const m of repo.models.values()) yield [m.name, m.current?.batcher.queuedRows ?? 0];
  });
  repo = new Repository(sources, roots, {
    batcher: { maxBatchSize: o.maxBatchSize, maxQueueDelayMicros: o.maxQueueDelayMicros, maxQueueRows: o.maxQueueRows },
    warmupRows: o.warmupRows,
    log,
    onBatch: (model, st) => {
      metrics.batchRows.observe({ model }, st.rows);
      metrics.batchRequests.observe({ model }, st.requests);
      metrics.batchSeconds.observe({ model }, st.seconds);
    },
    onVersion: (model, v, outcome) => {
      metrics.versionLoads.inc({ model, outcome });
      if (outcome === 'loaded') metrics.version(model, v);
    },
  });
  await repo.start();
  const server = new Server(repo, o, log, metrics);
  try {
    await server.listen();
  } catch (err) {
    await repo.close();
    throw err;
  }
  repo.watch(o.pollIntervalMs);
  if (o.handleSignals) server.installSignals();
  log.info('listening', { url: server.url, models: server.models().map((m) => ({ name: m.name, version: m.version })) });
  return server;
}
