// One model's engine calls, one after another: fit, evaluate, predict and save never overlap on one net
// (different models run in parallel). Synchronous access to the net is refused while a call computes.
import { AsyncLocalStorage } from 'node:async_hooks';
import { BlasnetError } from '../errors';

/** One exclusive call while it runs, and the queues its context waits for (the edges of a wait-for graph). */
class RunningCall {
  readonly waitsFor = new Set<{ queue: CallQueue }>();
  constructor(readonly queue: CallQueue) {}
}

/**
 * The exclusive calls the current async context runs inside, outermost first: a fit, its callbacks, a
 * fit of another model those callbacks await, and that fit's callbacks.
 */
const runningInside = new AsyncLocalStorage<readonly RunningCall[]>();

export class CallQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private computing = 0;
  private running: RunningCall | null = null;

  /** `modelName` names the model in errors. */
  constructor(private readonly modelName: () => string) {}

  /**
   * Runs `f` after every call already queued. A call made from inside a running exclusive call of this
   * queue (a fit's callbacks, or the callbacks of another model's fit they await) belongs to it and runs
   * at once on the weights of that moment, as tfjs allows, instead of queueing behind it. A call that
   * would wait for a running call that itself waits, through other models, for the caller is refused at
   * once with ERR_BUSY: waiting would deadlock. `beforeStart` runs when the call's turn comes (a model
   * disposed meanwhile refuses it). A call that runs no user code (`runsUserCode` false: predict,
   * evaluate, trainOnBatch) is not entered into the async context: nothing it runs can make a call, and
   * on Node 20 entering an AsyncLocalStorage context turns promise hooks on for the whole process (a
   * third of a batch-1 predictAsync).
   */
  exclusive<T>(what: string, f: () => Promise<T>, beforeStart: () => void, runsUserCode = true): Promise<T> {
    const outer = runningInside.getStore() ?? [];
    if (outer.some((c) => c.queue === this)) return f();
    const cycle = this.waitPathTo(outer);
    if (cycle !== null) return Promise.reject(deadlock(what, this.modelName(), cycle));
    const wait = { queue: this };
    for (const c of outer) c.waitsFor.add(wait);
    const p = this.tail.then(() => {
      for (const c of outer) c.waitsFor.delete(wait);
      beforeStart();
      const call = new RunningCall(this);
      this.running = call;
      return (runsUserCode ? runningInside.run([...outer, call], f) : f()).finally(() => { this.running = null; });
    });
    this.tail = p.catch(() => undefined);
    return p;
  }

  /**
   * The models whose running calls this queue's running call waits for, transitively, ending at one of
   * `outer`'s queues; null when waiting here cannot come back to the caller.
   */
  private waitPathTo(outer: readonly RunningCall[]): string[] | null {
    if (outer.length === 0) return null;
    const seen = new Set<CallQueue>();
    const search = (q: CallQueue, path: string[]): string[] | null => {
      if (seen.has(q)) return null;
      seen.add(q);
      const r = q.running;
      if (r === null) return null;
      if (outer.includes(r)) return path;
      for (const w of r.waitsFor) {
        const found = search(w.queue, [...path, w.queue.modelName()]);
        if (found) return found;
      }
      return null;
    };
    return search(this, [this.modelName()]);
  }

  /** Counts an asynchronous engine call while it computes (see checkIdle). */
  async computeWith<T>(f: () => Promise<T>): Promise<T> {
    this.computing++;
    try {
      return await f();
    } finally {
      this.computing--;
    }
  }

  get isComputing(): boolean { return this.computing > 0; }

  /** Refuses synchronous net access (reading weights, predictSync) while the engine computes. */
  checkIdle(fn: string): void {
    if (this.computing > 0) {
      throw new BlasnetError('ERR_BUSY',
        `${fn} cannot run while this model's engine is computing (fit, evaluate or predict); await it, or call it from a callback`);
    }
  }

  /** Runs `f` once every queued call has settled. */
  afterQueued(f: () => void): void {
    void this.tail.then(f);
  }
}

/** A call refused because another call of the same model (a fit) is running. */
export function busy(what: string): BlasnetError {
  return new BlasnetError('ERR_BUSY', what);
}

function deadlock(what: string, model: string, path: string[]): BlasnetError {
  return new BlasnetError('ERR_BUSY',
    `${what} on model ${model} would wait for its running call, which waits for ${path.slice(1).join(' -> ')}, ` +
    'whose running call made this one: waiting would deadlock. Call it after that fit, or from the callbacks ' +
    `of ${model}'s own fit`);
}
