// One model's engine calls, one after another: fit, evaluate, predict and save never overlap on one net
// (different models run in parallel). Synchronous access to the net is refused while a call computes.
import { AsyncLocalStorage } from 'node:async_hooks';
import { BlasnetError } from '../errors';

/** The queue whose exclusive call the current async context runs inside (a fit and its callbacks). */
const runningInside = new AsyncLocalStorage<CallQueue>();

export class CallQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private computing = 0;

  /**
   * Runs `f` after every call already queued. A call made from inside a running exclusive call (a fit's
   * callbacks) belongs to it and runs at once instead of queueing behind it, which would deadlock.
   * `beforeStart` runs when the call's turn comes (a model disposed meanwhile refuses it).
   */
  exclusive<T>(f: () => Promise<T>, beforeStart: () => void): Promise<T> {
    if (runningInside.getStore() === this) return f();
    const p = this.tail.then(() => {
      beforeStart();
      return runningInside.run(this, f);
    });
    this.tail = p.catch(() => undefined);
    return p;
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
