// The lazy iterators behind tf.data, with tfjs's element and memory semantics: calls to next() are
// served in order even when made before the previous one settled (so prefetch and shuffle can ask
// ahead), map disposes the tensors of an input element it did not pass on, skip and filter dispose
// what they drop, and the shuffle buffer is tfjs's (Alea-seeded, swap-remove), so a seed gives tfjs's order.
import { BlasnetError } from '../../errors';
import { dispose } from '../memory';
import { alea, type Prng } from '../random';
import { getTensorsInContainer } from '../../tensor';

export type Result<T> = { value: T; done: false } | { value: null; done: true };
const DONE: Result<never> = { value: null, done: true };

export abstract class LazyIterator<T> {
  private busy = false;
  private readonly waiting: (() => void)[] = [];

  /** The next element; calls are served one after another, in the order they were made. */
  async next(): Promise<Result<T>> {
    if (this.busy) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.busy = true;
    try {
      return await this.serialNext();
    } finally {
      // Hand over to the next caller in line (busy stays set), or go idle.
      const nextCaller = this.waiting.shift();
      if (nextCaller) nextCaller(); else this.busy = false;
    }
  }

  protected abstract serialNext(): Promise<Result<T>>;

  async toArray(): Promise<T[]> {
    const out: T[] = [];
    for (let r = await this.next(); !r.done; r = await this.next()) out.push(r.value);
    return out;
  }

  async resolveFully(): Promise<void> {
    for (let r = await this.next(); !r.done; r = await this.next()) { /* drain */ }
  }

  map<O>(f: (x: T) => O): LazyIterator<O> { return new MapIterator(this, async (x) => f(x)); }
  mapAsync<O>(f: (x: T) => Promise<O>): LazyIterator<O> { return new MapIterator(this, f); }
  filter(p: (x: T) => boolean): LazyIterator<T> { return new FilterIterator(this, p); }
  take(count: number | undefined): LazyIterator<T> { return count === undefined || count < 0 ? this : new TakeIterator(this, count); }
  skip(count: number | undefined): LazyIterator<T> { return count === undefined || count < 0 ? this : new SkipIterator(this, count); }
  prefetch(bufferSize: number): LazyIterator<T> { return new PrefetchIterator(this, bufferSize); }
  shuffle(windowSize: number, seed: string): LazyIterator<T> { return new ShuffleIterator(this, windowSize, seed); }
  rowMajorBatch(batchSize: number, smallLastBatch: boolean): LazyIterator<T[]> { return new BatchIterator(this, batchSize, smallLastBatch); }
  async forEachAsync(f: (x: T) => unknown): Promise<void> { return this.map(f).resolveFully(); }
}

export class FunctionIterator<T> extends LazyIterator<T> {
  constructor(private readonly fn: () => Result<T> | IteratorResult<T> | Promise<Result<T> | IteratorResult<T>>) { super(); }
  protected async serialNext(): Promise<Result<T>> {
    let r: IteratorResult<T> | Result<T>;
    try {
      r = await this.fn();
    } catch (err) {
      if (err instanceof Error) err.message = `Error thrown while iterating through a dataset: ${err.message}`;
      throw err;
    }
    if (r === null || typeof r !== 'object') {
      throw new BlasnetError('ERR_INVALID_ARG', 'A dataset generator must return iterator results ({value, done}); use a generator function');
    }
    return r.done ? DONE : { value: r.value as T, done: false };
  }
}

export class MapIterator<I, O> extends LazyIterator<O> {
  constructor(private readonly upstream: LazyIterator<I>, private readonly f: (x: I) => Promise<O>) { super(); }
  protected async serialNext(): Promise<Result<O>> {
    const item = await this.upstream.next();
    if (item.done) return DONE;
    const inputs = getTensorsInContainer(item.value);
    const mapped = await this.f(item.value);
    if (inputs.length > 0) {
      const kept = new Set(getTensorsInContainer(mapped));
      for (const t of inputs) if (!kept.has(t)) t.dispose();
    }
    return { value: mapped, done: false };
  }
}

class FilterIterator<T> extends LazyIterator<T> {
  constructor(private readonly upstream: LazyIterator<T>, private readonly p: (x: T) => boolean) { super(); }
  protected async serialNext(): Promise<Result<T>> {
    for (;;) {
      const item = await this.upstream.next();
      if (item.done || this.p(item.value)) return item;
      dispose(item.value);
    }
  }
}

class TakeIterator<T> extends LazyIterator<T> {
  private count = 0;
  constructor(private readonly upstream: LazyIterator<T>, private readonly maxCount: number) { super(); }
  protected async serialNext(): Promise<Result<T>> {
    if (this.count++ >= this.maxCount) return DONE;
    return this.upstream.next();
  }
}

class SkipIterator<T> extends LazyIterator<T> {
  private count = 0;
  constructor(private readonly upstream: LazyIterator<T>, private readonly maxCount: number) { super(); }
  protected async serialNext(): Promise<Result<T>> {
    while (this.count++ < this.maxCount) {
      const skipped = await this.upstream.next();
      if (skipped.done) return skipped;
      dispose(skipped.value);
    }
    return this.upstream.next();
  }
}

class BatchIterator<T> extends LazyIterator<T[]> {
  constructor(private readonly upstream: LazyIterator<T>, private readonly batchSize: number, private readonly smallLast: boolean) { super(); }
  protected async serialNext(): Promise<Result<T[]>> {
    const batch: T[] = [];
    while (batch.length < this.batchSize) {
      const item = await this.upstream.next();
      if (item.done) return this.smallLast && batch.length > 0 ? { value: batch, done: false } : DONE;
      batch.push(item.value);
    }
    return { value: batch, done: false };
  }
}

/** Chains the iterators an iterator of iterators yields (repeat, concatenate). */
export class ChainedIterator<T> extends LazyIterator<T> {
  private current: LazyIterator<T> | null = null;
  constructor(private readonly iterators: LazyIterator<LazyIterator<T>>) { super(); }
  protected async serialNext(): Promise<Result<T>> {
    for (;;) {
      if (!this.current) {
        const r = await this.iterators.next();
        if (r.done) return DONE;
        this.current = r.value;
      }
      const item = await this.current.next();
      if (!item.done) return item;
      this.current = null;
    }
  }
}

export class ArrayIterator<T> extends LazyIterator<T> {
  private i = 0;
  constructor(private readonly items: readonly T[], private readonly copy: (x: T) => T) { super(); }
  protected async serialNext(): Promise<Result<T>> {
    if (this.i >= this.items.length) return DONE;
    return { value: this.copy(this.items[this.i++]!), done: false };
  }
}

/** Keeps bufferSize upstream reads in flight, in order. */
class PrefetchIterator<T> extends LazyIterator<T> {
  protected readonly buffer: Promise<Result<T>>[] = [];
  constructor(protected readonly upstream: LazyIterator<T>, protected readonly bufferSize: number) {
    super();
    if (!Number.isInteger(bufferSize) || bufferSize < 1) {
      throw new BlasnetError('ERR_INVALID_ARG', `Expected a positive integer for the buffer size but received ${bufferSize}`);
    }
  }
  protected refill(): void {
    while (this.buffer.length < this.bufferSize) this.buffer.push(this.upstream.next());
  }
  protected async serialNext(): Promise<Result<T>> {
    this.refill();
    return this.buffer.shift()!;
  }
}

/**
 * tfjs's sliding-window shuffle: the buffer holds windowSize pending reads (end-of-stream results
 * included); an index is drawn over the whole buffer, the chosen read is swapped with the last and
 * removed, and the window is refilled after every element returned.
 */
class ShuffleIterator<T> extends PrefetchIterator<T> {
  private readonly random: Prng;
  private exhausted = false;
  constructor(upstream: LazyIterator<T>, windowSize: number, seed: string) {
    super(upstream, windowSize);
    this.random = alea(seed);
  }
  protected override async serialNext(): Promise<Result<T>> {
    if (!this.exhausted) this.refill();
    while (this.buffer.length > 0) {
      const i = Math.floor(this.random() * this.buffer.length);
      const chosen = this.buffer[i]!;
      const last = this.buffer.pop()!;
      if (i < this.buffer.length) this.buffer[i] = last;
      const result = await chosen;
      if (result.done) this.exhausted = true;
      else {
        // Refilled even after the end was drawn (it pushes more end-of-stream reads), as tfjs does.
        this.refill();
        return result;
      }
    }
    return DONE;
  }
}
