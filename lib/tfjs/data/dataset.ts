// tf.data.Dataset and its sources (array, generator, func, zip), with tfjs's sizes, element
// structures, batching (numbers and arrays become tensors, tensors are stacked, objects batched per key)
// and seeded shuffling (tfjs's order for the same seed).
import { BlasnetError, invalidArg } from '../../errors';
import { checkMemory } from '../../limits';
import { intInRange, positiveInt } from '../../validate';
import { makeTensor } from '../convert';
import { tidy } from '../memory';
import { stack } from '../ops/shape';
import { Tensor } from '../../tensor';
import type { TensorLike } from '../../tensor/types';
import { alea } from '../random';
import { ArrayIterator, ChainedIterator, FunctionIterator, LazyIterator, type Result } from './iterators';

/** Plain objects and arrays are walked; tensors, typed arrays and primitives are leaves. */
function isContainer(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !ArrayBuffer.isView(v) && !(v instanceof Tensor) && !(v instanceof Promise);
}

/** A copy of an element with its tensors cloned (tfjs hands out clones of the tensors in tf.data.array). */
export function deepClone<T>(v: T): T {
  if (v instanceof Tensor) return v.clone() as T;
  if (!isContainer(v)) return v;
  const out: Record<string, unknown> = Array.isArray(v) ? [] as unknown as Record<string, unknown> : {};
  for (const k of Object.keys(v)) out[k] = deepClone(v[k]);
  return out as T;
}

function canTensorify(v: unknown): boolean {
  return v === null || v === undefined || typeof v !== 'object' || Array.isArray(v) || v instanceof Tensor || ArrayBuffer.isView(v);
}

/** tfjs's deepBatchConcat: rows of tensors are stacked, rows of numbers or arrays become one tensor, objects batch per key. */
export function batchRows(rows: unknown[]): unknown {
  const first = rows[0];
  if (canTensorify(first)) {
    if (first instanceof Tensor) return stack(rows as Tensor[]);
    return makeTensor(rows as TensorLike, undefined, undefined, 'batch');
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(first as object)) out[k] = batchRows(rows.map((r) => (r as Record<string, unknown>)[k]));
  return out;
}

// A shuffle or prefetch buffer holds bufferSize pending reads, and a batch its rows, however short the
// dataset (an ended one keeps answering done): each element costs at least this much, so a size is
// refused (ERR_LIMIT) when that floor alone is over the memory limit, before an endless source fills it.
const BYTES_PER_ELEMENT_AT_LEAST = 64;

function buffered(n: unknown, argument: string, elements = n): number {
  const v = positiveInt(n, argument);
  checkMemory(Math.min(v, elements as number) * BYTES_PER_ELEMENT_AT_LEAST, `${argument} = ${v}`);
  return v;
}

/** take, skip and repeat counts: an integer, negative for all (as in tfjs); undefined passes through. */
function countOf(v: unknown, argument: string): number | undefined {
  return v === undefined ? undefined : intInRange(v, argument, -Number.MAX_SAFE_INTEGER);
}

export abstract class Dataset<T = unknown> {
  /** The number of elements, when known (null unknown, Infinity endless), as tfjs computes it. */
  size: number | null = null;

  abstract iterator(): Promise<LazyIterator<T>>;

  batch(batchSize: number, smallLastBatch = true): Dataset<unknown> {
    buffered(batchSize, 'batch(batchSize)', this.size ?? Infinity);
    const size = this.size === Infinity || this.size === null ? this.size
      : smallLastBatch ? Math.ceil(this.size / batchSize) : Math.floor(this.size / batchSize);
    return fromIteratorFn(async () => (await this.iterator()).rowMajorBatch(batchSize, smallLastBatch).map((rows) => batchRows(rows)), size);
  }

  concatenate(dataset: Dataset<T>): Dataset<T> {
    const size = this.size === Infinity || dataset.size === Infinity ? Infinity
      : this.size !== null && dataset.size !== null ? this.size + dataset.size : null;
    return fromIteratorFn(async () => new ChainedIterator(new ArrayIterator([await this.iterator(), await dataset.iterator()], (x) => x)), size);
  }

  filter(predicate: (value: T) => boolean): Dataset<T> {
    return fromIteratorFn(async () => (await this.iterator()).filter((x) => tidy(() => predicate(x) as never) as unknown as boolean),
      this.size === Infinity ? Infinity : null);
  }

  async forEachAsync(f: (input: T) => void): Promise<void> {
    return (await this.iterator()).forEachAsync(f);
  }

  /** f runs inside tidy(): tensors it makes and does not return are disposed. */
  map<O>(transform: (value: T) => O): Dataset<O> {
    return fromIteratorFn(async () => (await this.iterator()).map((x) => tidy(() => transform(x) as never) as O), this.size);
  }

  mapAsync<O>(transform: (value: T) => Promise<O>): Dataset<O> {
    return fromIteratorFn(async () => (await this.iterator()).mapAsync(transform), this.size);
  }

  prefetch(bufferSize: number): Dataset<T> {
    if (bufferSize === undefined || bufferSize === null) throw new BlasnetError('ERR_INVALID_ARG', '`Dataset.prefetch()` requires bufferSize to be specified.');
    buffered(bufferSize, 'prefetch(bufferSize)');
    return fromIteratorFn(async () => (await this.iterator()).prefetch(bufferSize), this.size);
  }

  /** count times (undefined or negative: endlessly); each pass asks the source for a new iterator. */
  repeat(count?: number): Dataset<T> {
    count = countOf(count, 'repeat(count)');
    const size = this.size !== null && count !== undefined && count > 0 ? this.size * count
      : count === 0 ? 0 : this.size !== null && (count === undefined || count < 0) ? Infinity : null;
    return fromIteratorFn(async () => {
      const passes = new FunctionIterator<LazyIterator<T>>(async () => ({ value: await this.iterator(), done: false })).take(count);
      return new ChainedIterator(passes);
    }, size);
  }

  skip(count: number): Dataset<T> {
    count = countOf(count, 'skip(count)')!;
    const size = this.size !== null && count >= 0 && this.size >= count ? this.size - count
      : this.size !== null && (this.size < count || count === undefined || count < 0) ? 0 : null;
    return fromIteratorFn(async () => (await this.iterator()).skip(count), size);
  }

  /**
   * A sliding-window shuffle over bufferSize elements. The seed (a string or number) fixes the order,
   * which is tfjs's for the same seed; with reshuffleEachIteration each pass (repeat, each epoch) differs.
   */
  shuffle(bufferSize: number, seed?: string | number, reshuffleEachIteration = true): Dataset<T> {
    if (bufferSize === undefined || bufferSize === null || bufferSize < 0) {
      throw new BlasnetError('ERR_INVALID_ARG', '`Dataset.shuffle()` requires bufferSize to be specified.' +
        (this.size === null ? '' : `  If your data fits in main memory (for regular JS objects), consider setting bufferSize to the dataset size (${this.size} elements)`));
    }
    buffered(bufferSize, 'shuffle(bufferSize)');
    const random = alea(seed || String(performance.now()));
    return fromIteratorFn(async () => {
      let seed2 = random.int32();
      if (reshuffleEachIteration) seed2 += random.int32();
      return (await this.iterator()).shuffle(bufferSize, String(seed2));
    }, this.size);
  }

  take(count: number): Dataset<T> {
    count = countOf(count, 'take(count)')!;
    const size = this.size !== null && this.size > count ? count : this.size !== null && this.size <= count ? this.size : null;
    return fromIteratorFn(async () => (await this.iterator()).take(count), size);
  }

  /** All elements in an array (the whole dataset in memory: for small ones). */
  async toArray(): Promise<T[]> {
    if (this.size === Infinity) throw new BlasnetError('ERR_INVALID_ARG', 'Can not convert infinite data stream to array.');
    return (await this.iterator()).toArray();
  }
}

class IteratorFnDataset<T> extends Dataset<T> {
  constructor(private readonly fn: () => Promise<LazyIterator<T>>, size: number | null) {
    super();
    this.size = size;
  }
  iterator(): Promise<LazyIterator<T>> { return this.fn(); }
}

export function fromIteratorFn<T>(fn: () => Promise<LazyIterator<T>>, size: number | null = null): Dataset<T> {
  return new IteratorFnDataset(fn, size);
}

/** A dataset of the items of an array (tensors in them are handed out as clones, as tfjs does). */
export function array<T>(items: T[]): Dataset<T> {
  if (!Array.isArray(items)) throw invalidArg('tf.data.array(items)', 'an array', items);
  return fromIteratorFn(async () => new ArrayIterator(items, deepClone), items.length);
}

type GeneratorLike<T> = Iterator<T> | AsyncIterator<T>;

/** A dataset from a (sync or async) generator function, called afresh for each pass. */
export function generator<T>(generatorFn: () => GeneratorLike<T> | Promise<GeneratorLike<T>>): Dataset<T> {
  if (typeof generatorFn !== 'function') throw invalidArg('tf.data.generator(generator)', 'a generator function', generatorFn);
  return fromIteratorFn(async () => {
    const gen = await generatorFn();
    if (!gen || typeof gen.next !== 'function') throw invalidArg('the generator function result', 'an iterator (call a function*)', gen);
    return new FunctionIterator<T>(() => gen.next() as Promise<IteratorResult<T>>);
  });
}

/** A dataset from a function returning {value, done} (or a promise of it); one shared stream. */
export function func<T>(f: () => IteratorResult<T> | Promise<IteratorResult<T>>): Dataset<T> {
  if (typeof f !== 'function') throw invalidArg('tf.data.func(f)', 'a function returning {value, done}', f);
  const it = new FunctionIterator<T>(f);
  return fromIteratorFn(async () => it);
}

type DatasetContainer = Dataset | DatasetContainer[] | { [key: string]: DatasetContainer };

/** Elements of several datasets side by side (an array or object of datasets); ends with the shortest. */
export function zip<O = unknown>(datasets: DatasetContainer): Dataset<O> {
  if (!isContainer(datasets)) throw new BlasnetError('ERR_INVALID_ARG', 'The argument to zip() must be an object or array.');
  const leaves: Dataset[] = [];
  const collect = (d: DatasetContainer): void => {
    if (d instanceof Dataset) leaves.push(d);
    else if (isContainer(d)) for (const k of Object.keys(d)) collect((d as Record<string, DatasetContainer>)[k]!);
    else throw new BlasnetError('ERR_INVALID_ARG', 'Leaves of the structure passed to zip() must be Datasets, not primitives.');
  };
  collect(datasets);
  let size: number | null | undefined;
  for (const d of leaves) size = size === undefined || size === null ? d.size : d.size === null ? size : Math.min(size, d.size);
  return fromIteratorFn(async () => {
    const its = new Map<Dataset, LazyIterator<unknown>>();
    for (const d of leaves) if (!its.has(d)) its.set(d, await d.iterator());
    return new ZipIterator<O>(datasets, its);
  }, size ?? null);
}

class ZipIterator<O> extends LazyIterator<O> {
  constructor(private readonly structure: DatasetContainer, private readonly its: Map<Dataset, LazyIterator<unknown>>) { super(); }
  protected async serialNext(): Promise<Result<O>> {
    let ended = false;
    const build = async (d: DatasetContainer): Promise<unknown> => {
      if (d instanceof Dataset) {
        const r = await this.its.get(d)!.next();
        if (r.done) ended = true;
        return r.value;
      }
      const out: Record<string, unknown> = Array.isArray(d) ? [] as unknown as Record<string, unknown> : {};
      for (const k of Object.keys(d)) out[k] = await build((d as Record<string, DatasetContainer>)[k]!);
      return out;
    };
    const value = await build(this.structure);
    return ended ? { value: null, done: true } : { value: value as O, done: false };
  }
}
