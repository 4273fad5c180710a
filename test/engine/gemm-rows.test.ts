// The row kernel's kept operands (gemm-cache.ts, gemm-rows.ts) and the nets' tags for them (net.ts): a
// kept kernel is reused while its version holds and replaced after every write to the params (on this
// thread, or a training twin's over the shared buffers), the kept bytes stay within the budget, and a
// disposed net frees its own. The kernels are the TypeScript engine's, so these run the same on both
// runs of the suite.
import { afterEach, describe, expect, it } from 'vitest';
import { jsEngine } from '../../lib/engine/js';
import { enginePool } from '../../lib/engine/js/pool';
import { initialOptimizerState } from '../../lib/engine/layout';
import { OperandHeap, setKeptBudget, type WasmMemory, type WeightTag } from '../../lib/engine/js/gemm-cache';
import { gemmRows } from '../../lib/engine/js/gemm-rows';
import { simdKernel } from '../../lib/engine/js/gemm-simd';
import { Net } from '../../lib/engine/js/net';
import { sharedFloat32 } from '../../lib/engine/js/shared';
import type { TrainResult } from '../../lib/engine/types';
import { dense, initialParams, loss, netSpec, optimizer, randomArray } from '../helpers/spec';

const Memory = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number }) => WasmMemory } }).WebAssembly.Memory;
const kernel = simdKernel();
const kept = (): number => kernel!.rows.heap.keptTotal;
const bitsOf = (a: Float32Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

const budgetAtStart = setKeptBudget(64 << 20);
afterEach(() => { setKeptBudget(budgetAtStart); });

describe('the row kernel heap', () => {
  it('hands out aligned blocks, merges freed neighbours and grows the memory when no hole fits', () => {
    const memory = new Memory({ initial: 1 });
    const heap = new OperandHeap(memory, 1000);
    const a = heap.alloc(100), b = heap.alloc(1), c = heap.alloc(64);
    expect([a, b, c]).toEqual([1024, 1152, 1216]);
    heap.release(b, 1);
    expect(heap.alloc(60)).toBe(b); // the hole left by b
    heap.release(a, 100);
    heap.release(b, 60);
    expect(heap.alloc(190)).toBe(a); // a and b merged
    const big = heap.alloc(100_000);
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(big + 100_000);
    expect(heap.f32.buffer).toBe(memory.buffer);
  });

  it('keeps tagged operands within the budget, the least recently used going first; one over the budget is not kept', () => {
    const heap = new OperandHeap(new Memory({ initial: 1 }), 1024);
    const shape = { transB: false, K: 4, N: 4, ldb: 4 };
    const tags: WeightTag[] = [1, 2, 3].map((id) => ({ id, version: 0 }));
    setKeptBudget(2000);
    const offsets = tags.slice(0, 2).map((t) => heap.keep(t, shape, 900));
    expect(heap.find(tags[0]!, shape)).toBe(offsets[0]); // tag 1 now the most recent
    heap.keep(tags[2]!, shape, 900);
    expect(heap.keptTotal).toBe(1800);
    expect(heap.find(tags[1]!, shape)).toBe(-1); // tag 2 gave way
    expect(heap.find(tags[0]!, shape)).toBe(offsets[0]);
    expect(heap.find(tags[0]!, { ...shape, ldb: 5 })).toBe(-1);
    tags[0]!.version = 1;
    expect(heap.find(tags[0]!, shape)).toBe(-1);
    expect(heap.keep({ id: 4, version: 0 }, shape, 2001)).toBe(-1);
    heap.drop([1, 3]);
    expect(heap.keptTotal).toBe(0);
  });
});

describe.skipIf(!kernel)('the row kernel with a tagged B', () => {
  it('reuses its copy of B while the version holds and copies B again when it changes, with the bits of an untagged call', () => {
    const [M, N, K] = [1, 40, 300];
    const A = randomArray(M * K, 1);
    const B1 = randomArray(K * N, 2), B2 = randomArray(K * N, 3);
    const run = (B: Float32Array, tag: WeightTag | null): Float32Array => {
      const C = new Float32Array(M * N);
      gemmRows(kernel!.rows, false, false, M, N, K, 1, A, K, B, N, 0, C, N, tag);
      return C;
    };
    const tag: WeightTag = { id: 1e9, version: 5 };
    const before = kept();
    expect(bitsOf(run(B1, tag))).toBe(bitsOf(run(B1, null)));
    expect(kept()).toBeGreaterThan(before);
    const B = Float32Array.from(B1);
    B.set(B2);
    expect(bitsOf(run(B, tag)), 'the kept copy, not B').toBe(bitsOf(run(B1, null)));
    tag.version = 6;
    expect(bitsOf(run(B, tag))).toBe(bitsOf(run(B2, null)));
    kernel!.rows.heap.drop([tag.id]);
    expect(kept()).toBe(before);
  });
});

describe.skipIf(!kernel)('nets keep their kernels for one-row inference', () => {
  const spec = netSpec(50, [dense(50, 64, 'relu'), dense(64, 33, 'tanh'), dense(33, 3, 'softmax')],
    loss('categoricalCrossentropy'), optimizer('adam'));
  const rows = 40;
  const x = randomArray(rows * 50, 11);
  const y = new Float32Array(rows * 3);
  for (let r = 0; r < rows; r++) y[r * 3 + (r % 3)] = 1;
  const order = Uint32Array.from({ length: rows }, (_, i) => i);
  const one = (net: Net, row = 0): Float32Array => {
    const out = new Float32Array(3);
    net.predict(x.subarray(row * 50, (row + 1) * 50), 1, 50, 1, out);
    return out;
  };
  // what a net that never kept anything predicts with these params
  const fresh = (params: Float32Array): string => bitsOf(one(new Net(spec, params, { state: initialOptimizerState(spec), keepKernels: false })));
  const train = (net: Net, batches: number): void => {
    const result: TrainResult = { lossSum: 0, samples: 0, batches: 0, nonFiniteBatch: -1 };
    net.trainBatches(x, rows, 50, y, 3, order.subarray(0, batches * 8), 8, null, null, null, result);
    expect(result.batches).toBe(batches);
  };

  it('a row predicted alone is the bits of the same row in a batch, with the kernels kept or not', () => {
    const net = new Net(spec, initialParams(spec, 3));
    const before = kept();
    const batch = new Float32Array(rows * 3);
    net.predict(x, rows, 50, rows, batch);
    const packed = new Float32Array(rows * 3); // B packed for the call, as without a tag
    new Net(spec, initialParams(spec, 3), { state: initialOptimizerState(spec), keepKernels: false }).predict(x, rows, 50, rows, packed);
    expect(bitsOf(batch)).toBe(bitsOf(packed));
    for (const row of [0, 7, 39]) expect(bitsOf(one(net, row))).toBe(bitsOf(batch.subarray(row * 3, row * 3 + 3)));
    expect(kept()).toBeGreaterThan(before); // the one-row predicts kept the three kernels
    expect(bitsOf(one(net, 7))).toBe(bitsOf(batch.subarray(21, 24)));
    net.releaseKernels();
    expect(kept()).toBe(before);
  });

  it('many nets keep no more than the budget between them, and each predicts with its own weights', () => {
    const before = kept();
    const perNet = 4 * (50 * 64 + 64 * 33 + 33 * 3) + 3 * 4 * 32; // its kernels, and up to a panel of slack each
    setKeptBudget(before + 3 * perNet);
    const nets = Array.from({ length: 12 }, (_, i) => new Net(spec, initialParams(spec, 20 + i)));
    for (const net of [...nets, ...nets]) {
      expect(bitsOf(one(net))).toBe(fresh(net.params));
      expect(kept()).toBeLessThanOrEqual(before + 3 * perNet);
    }
    expect(kept()).toBeGreaterThan(before + 2 * perNet - 3 * 4 * 32);
    for (const net of nets) net.releaseKernels();
    expect(kept()).toBe(before);
  });

  it('setParams, training steps and setOptimizerState: the next predict uses the new weights', () => {
    const net = new Net(spec, initialParams(spec, 3));
    one(net);
    net.setParams(initialParams(spec, 4));
    expect(bitsOf(one(net))).toBe(fresh(initialParams(spec, 4)));
    train(net, 2);
    expect(bitsOf(one(net))).toBe(fresh(net.params));
    net.releaseKernels();
  });

  it('a twin training over the shared buffers (as on an engine worker) is seen, whatever the iteration count does', () => {
    const params = sharedFloat32(initialParams(spec, 5).length);
    params.set(initialParams(spec, 5));
    const state = sharedFloat32(initialOptimizerState(spec).length);
    state.set(initialOptimizerState(spec));
    const here = new Net(spec, params, { state });
    const worker = new Net(spec, params, { state, keepKernels: false });
    const before = kept();
    one(worker);
    expect(kept(), 'the worker twin keeps nothing').toBe(before);
    one(here);
    train(worker, 2);
    expect(bitsOf(one(here))).toBe(fresh(params));
    // the iteration count set back, then the same count again after new steps: still new weights
    here.setOptimizerState(new Float32Array(state.length));
    train(worker, 2);
    expect(state[0]).toBe(2);
    expect(bitsOf(one(here))).toBe(fresh(params));
    // past 2^24 float32 no longer counts the steps: nothing is kept
    const late = Float32Array.from(state);
    late[0] = 2 ** 24;
    here.setOptimizerState(late);
    here.releaseKernels();
    one(here);
    expect(kept()).toBe(before);
    train(worker, 1);
    expect(state[0]).toBe(2 ** 24);
    expect(bitsOf(one(here))).toBe(fresh(params));
  });

  it('a JsNet: the weights its worker trained are used by the next predictSync; dispose frees what it kept', async () => {
    const before = kept();
    const net = jsEngine.createNet(spec, initialParams(spec, 6));
    const row = { data: x.subarray(0, 50), rows: 1, cols: 50 };
    const first = bitsOf(net.predictSync(row));
    expect(kept()).toBeGreaterThan(before);
    // 40 rows x 5.5k parameters: a call for the worker where there is one
    const trained = await net.trainBatches({ x: { data: x, rows, cols: 50 }, y: { data: y, rows, cols: 3 }, order, batchSize: 8,
      sampleWeight: null, predictionsOut: null });
    expect(trained.batches).toBe(5);
    const now = bitsOf(net.predictSync(row));
    expect(now).not.toBe(first);
    expect(now).toBe(fresh(net.getParams()));
    net.dispose();
    expect(kept()).toBe(before);
    console.log(`[gemm-rows] the JsNet trained ${enginePool() ? 'on a worker' : 'on this thread (no pool)'}`);
  });
});
