// Dynamic batching for one served model version: requests queue, and whatever is queued when the engine
// is free (up to maxBatchSize rows) goes to it as one predict. With maxQueueDelayMicros 0 (the default,
// as Triton's) a batch never waits for company: while the engine is busy the queue fills, and the next
// batch is what came meanwhile. A delay > 0 holds an idle engine back until the oldest request has waited
// that long or the batch is full. The queue is bounded in rows; each request has its own deadline; one
// request that the engine rejects never fails the others it was merged with.
import { HttpError, toHttpError } from './errors';

/** One engine call over `rows` rows of `x` (row-major, inputDim columns): rows x outputDim values. */
export type PredictFn = (x: Float32Array, rows: number) => Promise<Float32Array>;

export interface BatcherOptions {
  /** Most rows merged into one engine call (a larger single request still runs, alone). */
  maxBatchSize: number;
  /** How long an idle engine waits for more requests before it runs a partial batch (µs). */
  maxQueueDelayMicros: number;
  /** Rows waiting at most; a request beyond this is refused (503 with Retry-After). */
  maxQueueRows: number;
}

export interface BatchStats {
  rows: number;
  requests: number;
  seconds: number;
}

interface Pending {
  x: Float32Array;
  rows: number;
  enqueued: number;
  /** Still counted in the queue's rows (false once taken into a batch or timed out). */
  queued: boolean;
  settled: boolean;
  timer: NodeJS.Timeout | null;
  resolve: (out: Float32Array) => void;
  reject: (err: unknown) => void;
}

export class Batcher {
  private readonly queue: Pending[] = [];
  private head = 0;
  private rowsQueued = 0;
  private running = false;
  private scheduled = false;
  private delayTimer: NodeJS.Timeout | null = null;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly predict: PredictFn,
    readonly inputDim: number,
    readonly outputDim: number,
    private readonly options: BatcherOptions,
    private readonly label: string,
    private readonly onBatch: (stats: BatchStats) => void = () => undefined,
  ) {}

  /** Rows waiting for the engine (not counting the batch it is running). */
  get queuedRows(): number { return this.rowsQueued; }

  get busy(): boolean { return this.running; }

  /**
   * Queues `rows` rows (row-major in x) and resolves to their rows x outputDim outputs. Rejects with
   * 503 when the queue is full and with 504 when `timeoutMs` passes before the outputs are there
   * (`deadlineMs`, the request's whole deadline, is what the error names).
   */
  submit(x: Float32Array, rows: number, timeoutMs: number, deadlineMs = timeoutMs): Promise<Float32Array> {
    if (this.rowsQueued > 0 && this.rowsQueued + rows > this.options.maxQueueRows) {
      return Promise.reject(new HttpError(503, 'ERR_LIMIT',
        `The queue of model ${this.label} is full (${this.rowsQueued} rows waiting, limit ${this.options.maxQueueRows}); retry later`,
        { 'Retry-After': '1' }));
    }
    return new Promise<Float32Array>((resolve, reject) => {
      const p: Pending = { x, rows, enqueued: performance.now(), queued: true, settled: false, timer: null, resolve, reject };
      if (Number.isFinite(timeoutMs)) {
        p.timer = setTimeout(() => {
          if (p.settled) return;
          p.settled = true;
          this.unqueue(p);
          this.notifyIdle();
          reject(new HttpError(504, 'ERR_TIMEOUT', `The request to model ${this.label} did not finish within its deadline of ${deadlineMs} ms`));
        }, timeoutMs);
      }
      this.queue.push(p);
      this.rowsQueued += rows;
      this.kick();
    });
  }

  /** Resolves once nothing is queued or running (for draining before a swap or a shutdown). */
  idle(): Promise<void> {
    if (!this.running && this.rowsQueued === 0) return Promise.resolve();
    return new Promise<void>((resolve) => { this.idleWaiters.push(resolve); });
  }

  /** Starts a batch in a later turn (requests parsed in this one join it) unless one is on its way. */
  private kick(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.maybeRun();
    });
  }

  private maybeRun(): void {
    if (this.running) return;
    this.dropSettled();
    if (this.rowsQueued === 0) { this.queue.length = 0; this.head = 0; this.notifyIdle(); return; }
    const delayMs = this.options.maxQueueDelayMicros / 1000;
    if (delayMs > 0 && this.rowsQueued < this.options.maxBatchSize) {
      const waited = performance.now() - this.queue[this.head]!.enqueued;
      if (waited < delayMs) {
        if (!this.delayTimer) {
          this.delayTimer = setTimeout(() => { this.delayTimer = null; this.maybeRun(); }, delayMs - waited);
        }
        return;
      }
    }
    if (this.delayTimer) { clearTimeout(this.delayTimer); this.delayTimer = null; }
    void this.runBatch(this.takeBatch());
  }

  private unqueue(p: Pending): void {
    if (!p.queued) return;
    p.queued = false;
    this.rowsQueued -= p.rows;
  }

  /** Drops requests that timed out while waiting. */
  private dropSettled(): void {
    while (this.head < this.queue.length && this.queue[this.head]!.settled) this.head++;
    if (this.head > 1024 && this.head * 2 > this.queue.length) { this.queue.splice(0, this.head); this.head = 0; }
  }

  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    let rows = 0;
    while (this.head < this.queue.length) {
      const p = this.queue[this.head]!;
      if (!p.settled) {
        if (batch.length > 0 && rows + p.rows > this.options.maxBatchSize) break;
        batch.push(p);
        rows += p.rows;
      }
      this.unqueue(p);
      this.head++;
    }
    if (this.head === this.queue.length) { this.queue.length = 0; this.head = 0; }
    return batch;
  }

  private async runBatch(batch: Pending[]): Promise<void> {
    this.running = true;
    const t0 = performance.now();
    let rows = 0;
    for (const p of batch) rows += p.rows;
    try {
      let x: Float32Array;
      if (batch.length === 1) x = batch[0]!.x;
      else {
        x = new Float32Array(rows * this.inputDim);
        let off = 0;
        for (const p of batch) { x.set(p.x, off); off += p.x.length; }
      }
      let out: Float32Array | null = null;
      try {
        out = await this.predict(x, rows);
      } catch (err) {
        // The merged call failed: each request alone, so only the one at fault fails.
        if (batch.length === 1) settle(batch[0]!, null, err);
        else for (const p of batch) await this.runAlone(p);
      }
      if (out) {
        const d = this.outputDim;
        let off = 0;
        for (const p of batch) {
          settle(p, out.subarray(off * d, (off + p.rows) * d), null);
          off += p.rows;
        }
      }
    } finally {
      this.onBatch({ rows, requests: batch.length, seconds: (performance.now() - t0) / 1000 });
      this.running = false;
      // Responses of this batch go out first (their continuations are microtasks); then the next batch.
      if (this.rowsQueued > 0) this.kick();
      else this.notifyIdle();
    }
  }

  private async runAlone(p: Pending): Promise<void> {
    if (p.settled) return;
    try {
      settle(p, await this.predict(p.x, p.rows), null);
    } catch (err) {
      settle(p, null, err);
    }
  }

  private notifyIdle(): void {
    if (this.running || this.rowsQueued > 0) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }
}

function settle(p: Pending, out: Float32Array | null, err: unknown): void {
  if (p.timer) clearTimeout(p.timer);
  if (p.settled) return;
  p.settled = true;
  if (out) p.resolve(out);
  else p.reject(toHttpError(err));
}
