// The server's Prometheus metrics (prom-client), in a registry of its own so that several servers in
// one process do not share counters. Model labels only ever carry names from the repository ('' for a
// request to an unknown model), so a client cannot grow the label sets.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { engineInfo } from '../engine';

const ROW_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096];
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'model' | 'route' | 'status'>;
  readonly latency: Histogram<'model' | 'route'>;
  readonly batchRows: Histogram<'model'>;
  readonly batchRequests: Histogram<'model'>;
  readonly batchSeconds: Histogram<'model'>;
  readonly versionLoads: Counter<'model' | 'outcome'>;
  readonly unknownCategories: Counter<'model' | 'column'>;
  private readonly served = new Map<string, string>();
  private readonly children = new Map<string, { count: { inc(): void }; latency: { observe(v: number): void } }>();

  constructor(queueRows: () => Iterable<[string, number]>) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
    this.requests = new Counter({
      name: 'blasnet_requests_total', help: 'HTTP requests answered, by model, route and status code',
      labelNames: ['model', 'route', 'status'], registers,
    });
    this.latency = new Histogram({
      name: 'blasnet_request_duration_seconds', help: 'Time from a request arriving to its answer being written',
      labelNames: ['model', 'route'], buckets: LATENCY_BUCKETS, registers,
    });
    this.batchRows = new Histogram({
      name: 'blasnet_batch_rows', help: 'Rows per engine call (requests merged by dynamic batching)',
      labelNames: ['model'], buckets: ROW_BUCKETS, registers,
    });
    this.batchRequests = new Histogram({
      name: 'blasnet_batch_requests', help: 'Requests per engine call', labelNames: ['model'], buckets: ROW_BUCKETS, registers,
    });
    this.batchSeconds = new Histogram({
      name: 'blasnet_batch_duration_seconds', help: 'Time of one engine call', labelNames: ['model'], buckets: LATENCY_BUCKETS, registers,
    });
    this.versionLoads = new Counter({
      name: 'blasnet_model_version_loads_total', help: 'Model versions loaded or failed to load (hot reload included)',
      labelNames: ['model', 'outcome'], registers,
    });
    // Column labels are the saved preprocessor's own column names, never a client's keys.
    this.unknownCategories = new Counter({
      name: 'blasnet_unknown_categories_total', help: 'Record values never seen in training (encoded as zeros), by model and column',
      labelNames: ['model', 'column'], registers,
    });
    new Gauge({
      name: 'blasnet_queue_rows', help: 'Rows waiting for the engine, by model', labelNames: ['model'], registers,
      collect() {
        this.reset();
        for (const [model, rows] of queueRows()) this.set({ model }, rows);
      },
    });
    const served = this.served;
    new Gauge({
      name: 'blasnet_model_version_served', help: 'The version each model serves (value 1)', labelNames: ['model', 'version'],
      registers, aggregator: 'max',
      collect() {
        this.reset();
        for (const [model, version] of served) this.set({ model, version }, 1);
      },
    });
    new Gauge({
      name: 'blasnet_engine_info', help: 'The engine, its BLAS core and threads (value 1)',
      labelNames: ['engine', 'blas_core', 'threads'], registers, aggregator: 'first',
      collect() {
        const e = engineInfo();
        this.reset();
        this.set({ engine: e.engine, blas_core: e.blasCore ?? 'none', threads: String(e.threads) }, 1);
      },
    });
  }

  /** The values of one request's records that the model's preprocessor never saw in training. */
  unknownValues(model: string, unknown: Record<string, number>): void {
    for (const column in unknown) if (unknown[column]! > 0) this.unknownCategories.inc({ model, column }, unknown[column]!);
  }

  /** One answered request (label children cached: prom-client hashes the label object on every call otherwise). */
  request(model: string, route: string, status: number, seconds: number): void {
    const key = `${model}\u0000${route}\u0000${status}`;
    let c = this.children.get(key);
    if (!c) {
      c = { count: this.requests.labels(model, route, String(status)), latency: this.latency.labels(model, route) };
      this.children.set(key, c);
    }
    c.count.inc();
    c.latency.observe(seconds);
  }

  version(model: string, version: string): void {
    this.served.set(model, version);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
