// The raw native binding (native/binding/): NetHandle's argument checking with codes, train / evaluate /
// predict, progress, dispose and the finalizer, ERR_BUSY, and the Engine wrapper (its sgemm:
// native-sgemm.test.ts).
// Runs on the native run of the suite (where the native engine must load when BLASNET_REQUIRE_NATIVE=1).
import { spawnSync } from 'child_process';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { BlasnetError } from '../../lib/errors';
import { loadNativeEngine, nativeBinding, type NativeBinding, type NetHandle } from '../../lib/engine/native';
import type { NetSpec } from '../../lib/engine/types';
import { throwsCode } from '../helpers/codes';
import { nativeOrSkip, skippedOnThisRun } from '../helpers/engines';
import { dense, loss, netSpec, optimizer, randomArray } from '../helpers/spec';

const b: NativeBinding | null = nativeOrSkip() ? nativeBinding() : null;
if (!b) describe('native binding', () => skippedOnThisRun('the raw native binding', 'native'));

const seedSpec = (): NetSpec => netSpec(10, [dense(10, 10, 'relu'), dense(10, 1)], loss('meanSquaredError'),
  optimizer('adam', { learningRate: 0.01 }));
const SEED_PARAMS = 10 * 10 + 10 + 10 + 1;

function seedData(rows = 100): { x: Float32Array; y: Float32Array; order: Uint32Array } {
  const x = randomArray(rows * 10, 1);
  const y = new Float32Array(rows);
  for (let i = 0; i < rows; i++) y[i] = 0.5 * x[i * 10]! - 0.3 * x[i * 10 + 1]! + 0.1;
  return { x, y, order: Uint32Array.from({ length: rows }, (_, i) => i) };
}

describe.skipIf(!b)('native binding', () => {
  const B = b!;
  const newNet = (spec = seedSpec(), params = randomArray(SEED_PARAMS, 2, 0.4)): NetHandle =>
    new B.NetHandle(spec, params);

  describe('NetHandle construction', () => {
    it('checks every spec field', () => {
      const params = randomArray(SEED_PARAMS, 2);
      const bad = (mutate: (s: Record<string, any>) => void, code: string, msg: RegExp): void => { // eslint-disable-line @typescript-eslint/no-explicit-any
        const s = structuredClone(seedSpec()) as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        mutate(s);
        throwsCode(() => new B.NetHandle(s as unknown as NetSpec, params), code, msg);
      };
      bad((s) => { s.inputDim = 0; }, 'ERR_INVALID_ARG', /spec.inputDim/);
      bad((s) => { s.layers = []; }, 'ERR_INVALID_ARG', /spec.layers/);
      bad((s) => { s.layers[1].inputDim = 9; }, 'ERR_SHAPE_MISMATCH', /spec.layers\[1\].inputDim/);
      bad((s) => { s.layers[0].units = 1.5; }, 'ERR_INVALID_ARG', /spec.layers\[0\].units/);
      bad((s) => { s.layers[0].activation.id = 'relu7'; }, 'ERR_INVALID_ARG', /spec.layers\[0\].activation.id but received "relu7"/);
      bad((s) => { s.layers[0].kind = 'conv2d'; }, 'ERR_INVALID_ARG', /spec.layers\[0\].kind/);
      bad((s) => { s.layers[0].useBias = 1; }, 'ERR_INVALID_ARG', /Expected a boolean for spec.layers\[0\].useBias/);
      bad((s) => { s.layers[0].kernelL2 = -1; }, 'ERR_INVALID_ARG', /kernelL2/);
      bad((s) => { s.loss.id = 'mse'; }, 'ERR_INVALID_ARG', /spec.loss.id/);
      bad((s) => { s.loss.delta = NaN; }, 'ERR_INVALID_ARG', /spec.loss.delta but received NaN/);
      bad((s) => { s.optimizer.id = 'lion'; }, 'ERR_INVALID_ARG', /spec.optimizer.id/);
      bad((s) => { s.optimizer.learningRate = Infinity; }, 'ERR_INVALID_ARG', /learningRate/);
      bad((s) => { s.optimizer.beta1 = 1; }, 'ERR_INVALID_ARG', /beta1/);
      bad((s) => { s.optimizer.schedule = { kind: 'exponentialDecay', decaySteps: 0, decayRate: 0.5, staircase: false }; },
        'ERR_INVALID_ARG', /decaySteps/);
      bad((s) => { s.optimizer.schedule = { kind: 'piecewiseConstantDecay', boundaries: [1], values: [1] }; },
        'ERR_INVALID_ARG', /values/);
      bad((s) => { s.optimizer.clipnorm = 1; s.optimizer.clipvalue = 1; }, 'ERR_INVALID_ARG', /at most one/);
      bad((s) => { delete s.optimizer.rho; }, 'ERR_INVALID_ARG', /spec.optimizer.rho but received undefined/);
      bad((s) => { s.layers.push({ kind: 'dropout', dim: 1, rate: 1, seed: 0 }); }, 'ERR_INVALID_ARG', /rate/);
      throwsCode(() => new B.NetHandle(seedSpec(), new Float32Array(5)), 'ERR_SHAPE_MISMATCH', /121 parameters/);
      throwsCode(() => new B.NetHandle(null as unknown as NetSpec, params), 'ERR_INVALID_ARG', /for spec but received null/);
      throwsCode(() => new B.NetHandle(seedSpec(), [1, 2] as unknown as Float32Array), 'ERR_INVALID_ARG', /params/);
    });

    it('exposes its dimensions', () => {
      const net = newNet();
      expect(net.paramCount).toBe(SEED_PARAMS);
      expect(net.outputDim).toBe(1);
      expect(net.inputDim).toBe(10);
      expect(net.stateLength).toBe(1 + 2 * SEED_PARAMS);
      net.dispose();
    });
  });

  describe('training, evaluate, predict', () => {
    it('trains the seed example: loss falls, progress is reported, predictions are written', async () => {
      const { x, y, order } = seedData();
      const net = newNet();
      const calls: number[][] = [];
      const preds = new Float32Array(100);
      const first = await net.trainBatches(x, 100, 10, y, 1, order, 10, null, preds, (bd, ls, sd) => calls.push([bd, ls, sd]));
      expect(first).toMatchObject({ samples: 100, batches: 10, nonFiniteBatch: -1 });
      expect(calls[calls.length - 1]![0]).toBe(10);
      expect(calls[calls.length - 1]![1]).toBeCloseTo(first.lossSum, 10);
      expect(preds.some((v) => v !== 0)).toBe(true);
      let last = first;
      for (let e = 0; e < 60; e++) last = await net.trainBatches(x, 100, 10, y, 1, order, 10, null, null);
      expect(last.lossSum / last.samples).toBeLessThan((first.lossSum / first.samples) * 0.2);
      expect(net.getOptimizerState()[0]).toBe(610);

      // The same batch size gives identical outputs; another one the same up to GEMM rounding.
      const p = await net.predict(x, 100, 10, 100);
      const ps = net.predictSync(x, 100, 10);
      expect(Array.from(p)).toEqual(Array.from(ps));
      const p7 = await net.predict(x, 100, 10, 7);
      for (let i = 0; i < 100; i++) expect(p7[i]).toBeCloseTo(p[i]!, 5);
      const evalPreds = new Float32Array(100);
      const ev = await net.evaluate(x, 100, 10, y, 1, 32, null, evalPreds);
      expect(ev.samples).toBe(100);
      let mse = 0;
      for (let i = 0; i < 100; i++) mse += (p[i]! - y[i]!) ** 2;
      expect(ev.lossSum / 100).toBeCloseTo(mse / 100, 5);
      for (let i = 0; i < 100; i++) expect(evalPreds[i]).toBeCloseTo(p[i]!, 5);
      // Sample weights: zero weight on every row gives zero loss.
      const ev0 = await net.evaluate(x, 100, 10, y, 1, 32, new Float32Array(100), null);
      expect(ev0.lossSum).toBe(0);
      net.dispose();
    });

    it('params and optimizer state round-trip; learning rate and trainable flags apply', async () => {
      const { x, y, order } = seedData(20);
      const net = newNet();
      const p0 = net.getParams();
      net.setTrainable(0, false);
      await net.trainBatches(x, 20, 10, y, 1, order, 5, null, null);
      const p1 = net.getParams();
      expect(Array.from(p1.subarray(0, 110))).toEqual(Array.from(p0.subarray(0, 110))); // frozen layer 0
      expect(Array.from(p1.subarray(110))).not.toEqual(Array.from(p0.subarray(110)));
      net.setTrainable(0, true);
      net.setLearningRate(0);
      const s = net.getOptimizerState();
      await net.trainBatches(x, 20, 10, y, 1, order, 5, null, null);
      expect(Array.from(net.getParams())).toEqual(Array.from(p1)); // lr 0: no change
      net.setParams(p0);
      net.setOptimizerState(s);
      expect(Array.from(net.getParams())).toEqual(Array.from(p0));
      expect(Array.from(net.getOptimizerState())).toEqual(Array.from(s));
      throwsCode(() => net.setParams(new Float32Array(3)), 'ERR_SHAPE_MISMATCH', /params/);
      throwsCode(() => net.setOptimizerState(new Float32Array(3)), 'ERR_SHAPE_MISMATCH', /state/);
      throwsCode(() => net.setLearningRate(-1), 'ERR_INVALID_ARG', /learningRate/);
      throwsCode(() => net.setTrainable(2, true), 'ERR_INVALID_ARG', /layer/);
      const g = net.computeGradients(x, 20, 10, y, 1, null);
      expect(g.grads.length).toBe(SEED_PARAMS);
      expect(Number.isFinite(g.loss)).toBe(true);
      net.dispose();
    });

    it('checks trainBatches arguments before running', async () => {
      const { x, y, order } = seedData(10);
      const net = newNet();
      const call = (...a: unknown[]): unknown => (net.trainBatches as unknown as (...b: unknown[]) => unknown)(...a);
      throwsCode(() => call(x, 10, 9, y, 1, order, 5, null, null), 'ERR_SHAPE_MISMATCH', /cols/);
      throwsCode(() => call(x, 11, 10, y, 1, order, 5, null, null), 'ERR_SHAPE_MISMATCH', /for x/);
      throwsCode(() => call(x, 10, 10, y, 2, order, 5, null, null), 'ERR_SHAPE_MISMATCH', /ycols/);
      throwsCode(() => call(x, 10, 10, y.subarray(1), 1, order, 5, null, null), 'ERR_SHAPE_MISMATCH', /for y/);
      throwsCode(() => call(x, 10, 10, y, 1, Array.from(order), 5, null, null), 'ERR_INVALID_ARG', /Uint32Array for order/);
      throwsCode(() => call(x, 10, 10, y, 1, new Int32Array(10), 5, null, null), 'ERR_INVALID_ARG', /order/);
      throwsCode(() => call(x, 10, 10, y, 1, order, 0, null, null), 'ERR_INVALID_ARG', /batchSize/);
      throwsCode(() => call(x, 10, 10, y, 1, order, NaN, null, null), 'ERR_INVALID_ARG', /batchSize/);
      throwsCode(() => call(x, 10, 10, y, 1, order, 5, new Float32Array(9), null), 'ERR_SHAPE_MISMATCH', /sampleWeight/);
      throwsCode(() => call(x, 10, 10, y, 1, order, 5, null, new Float32Array(9)), 'ERR_SHAPE_MISMATCH', /predsOut/);
      throwsCode(() => call(x, 10, 10, y, 1, order, 5, null, null, 'fn'), 'ERR_INVALID_ARG', /progressFn/);
      throwsCode(() => call(x, -1, 10, y, 1, order, 5, null, null), 'ERR_INVALID_ARG', /rows/);
      throwsCode(() => call(), 'ERR_INVALID_ARG', /for x but received undefined/);
      const resizable = new Float32Array(new (ArrayBuffer as any)(400, { maxByteLength: 800 })); // eslint-disable-line @typescript-eslint/no-explicit-any
      if ((resizable.buffer as unknown as { resizable?: boolean }).resizable) {
        throwsCode(() => call(resizable, 10, 10, y, 1, order, 5, null, null), 'ERR_INVALID_ARG', /resizable/);
      }
      // A row index out of range is found at use and rejects cleanly.
      const badOrder = order.slice();
      badOrder[7] = 10;
      await expect(net.trainBatches(x, 10, 10, y, 1, badOrder, 5, null, null)).rejects.toMatchObject({
        code: 'ERR_INVALID_ARG', message: expect.stringMatching(/order\[7\]/),
      });
      net.dispose();
    });

    it('rejects sparse labels out of range at use', async () => {
      const spec = netSpec(2, [dense(2, 3, 'softmax')], loss('sparseCategoricalCrossentropy'), optimizer('sgd'));
      const net = new B.NetHandle(spec, randomArray(9, 4));
      const x = randomArray(4, 5);
      await expect(net.evaluate(x, 2, 2, Float32Array.of(0, 3), 1, 2, null, null)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
      await expect(net.trainBatches(x, 2, 2, Float32Array.of(0.5, 1), 1, Uint32Array.of(0, 1), 2, null, null))
        .rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
      throwsCode(() => net.computeGradients(x, 2, 2, Float32Array.of(-1, 1), 1, null), 'ERR_INVALID_ARG');
      const ok = await net.trainBatches(x, 2, 2, Float32Array.of(2, 1), 1, Uint32Array.of(0, 1), 2, null, null);
      expect(ok.batches).toBe(1);
      net.dispose();
    });

    it('stops at a non-finite loss without applying that batch', async () => {
      const { x, y, order } = seedData(20);
      const yBad = y.slice();
      yBad[12] = NaN;
      const net = newNet();
      const before = net.getParams();
      const r = await net.trainBatches(x, 20, 10, yBad, 1, order, 5, null, null);
      expect(r).toMatchObject({ nonFiniteBatch: 2, batches: 2, samples: 10 });
      expect(net.getOptimizerState()[0]).toBe(2);
      expect(Array.from(net.getParams())).not.toEqual(Array.from(before));
      net.dispose();
    });

    it('trainBatchesSync and evaluateSync: the same checks, results and weights as the async calls', async () => {
      const { x, y, order } = seedData();
      const params = randomArray(SEED_PARAMS, 2, 0.4);
      const a = newNet(seedSpec(), params);
      const s = newNet(seedSpec(), params);
      const predsA = new Float32Array(100), predsS = new Float32Array(100);
      const sw = randomArray(100, 7).map((v) => v + 1.5);
      for (let e = 0; e < 5; e++) {
        const ra = await a.trainBatches(x, 100, 10, y, 1, order, 7, sw, predsA);
        const calls: number[][] = [];
        const rs = s.trainBatchesSync(x, 100, 10, y, 1, order, 7, sw, predsS, (bd, ls, sd) => calls.push([bd, ls, sd]));
        expect(s.busy).toBe(false);
        expect(rs).toEqual(ra);
        expect(calls).toEqual([[rs.batches, rs.lossSum, rs.samples]]); // one report, at the end
        expect(Array.from(predsS)).toEqual(Array.from(predsA));
      }
      expect(Array.from(s.getParams())).toEqual(Array.from(a.getParams()));
      expect(Array.from(s.getOptimizerState())).toEqual(Array.from(a.getOptimizerState()));
      const evA = new Float32Array(100), evS = new Float32Array(100);
      expect(s.evaluateSync(x, 100, 10, y, 1, 32, sw, evS)).toEqual(await a.evaluate(x, 100, 10, y, 1, 32, sw, evA));
      expect(Array.from(evS)).toEqual(Array.from(evA));

      const callT = (...v: unknown[]): unknown => (s.trainBatchesSync as unknown as (...w: unknown[]) => unknown)(...v);
      throwsCode(() => callT(x, 100, 9, y, 1, order, 5, null, null), 'ERR_SHAPE_MISMATCH', /cols/);
      throwsCode(() => callT(x, 100, 10, y.subarray(1), 1, order, 5, null, null), 'ERR_SHAPE_MISMATCH', /for y/);
      throwsCode(() => callT(x, 100, 10, y, 1, new Int32Array(100), 5, null, null), 'ERR_INVALID_ARG', /order/);
      throwsCode(() => callT(x, 100, 10, y, 1, order, 0, null, null), 'ERR_INVALID_ARG', /batchSize/);
      throwsCode(() => callT(x, 100, 10, y, 1, order, 5, new Float32Array(9), null), 'ERR_SHAPE_MISMATCH', /sampleWeight/);
      throwsCode(() => callT(x, 100, 10, y, 1, order, 5, null, new Float32Array(9)), 'ERR_SHAPE_MISMATCH', /predsOut/);
      throwsCode(() => callT(x, 100, 10, y, 1, order, 5, null, null, 'fn'), 'ERR_INVALID_ARG', /progressFn/);
      const badOrder = order.slice();
      badOrder[7] = 100;
      throwsCode(() => callT(x, 100, 10, y, 1, badOrder, 5, null, null), 'ERR_INVALID_ARG', /order\[7\]/);
      // The progress function runs after the epoch; what it throws propagates.
      expect(() => s.trainBatchesSync(x, 100, 10, y, 1, order, 5, null, null, () => { throw new Error('stop here'); }))
        .toThrow('stop here');
      expect(s.busy).toBe(false);
      const callE = (...v: unknown[]): unknown => (s.evaluateSync as unknown as (...w: unknown[]) => unknown)(...v);
      throwsCode(() => callE(x, 100, 10, y, 2, 32, null, null), 'ERR_SHAPE_MISMATCH', /ycols/);
      throwsCode(() => callE(x, 100, 10, y, 1, 0, null, null), 'ERR_INVALID_ARG', /batchSize/);
      throwsCode(() => callE(x, 100, 10, y, 1, 32, null, new Float32Array(3)), 'ERR_SHAPE_MISMATCH', /predsOut/);

      const running = a.trainBatches(x, 100, 10, y, 1, order, 10, null, null);
      throwsCode(() => a.trainBatchesSync(x, 100, 10, y, 1, order, 10, null, null), 'ERR_BUSY', /trainBatchesSync/);
      throwsCode(() => a.evaluateSync(x, 100, 10, y, 1, 32, null, null), 'ERR_BUSY', /evaluateSync/);
      await running;
      a.dispose();
      s.dispose();
      throwsCode(() => s.trainBatchesSync(x, 100, 10, y, 1, order, 10, null, null), 'ERR_DISPOSED');
      throwsCode(() => s.evaluateSync(x, 100, 10, y, 1, 32, null, null), 'ERR_DISPOSED');
    });

    it('a buffer found fixed-length is remembered (its getter is asked once); resizable buffers are refused on every call', () => {
      const net = newNet();
      const x = new Float32Array(30);
      for (let k = 0; k < 3; k++) expect(net.predictSync(x, 3, 10).length).toBe(3);
      const rab = new (ArrayBuffer as any)(120, { maxByteLength: 240 }); // eslint-disable-line @typescript-eslint/no-explicit-any
      if ((rab as { resizable?: boolean }).resizable) {
        for (let k = 0; k < 3; k++) throwsCode(() => net.predictSync(new Float32Array(rab), 3, 10), 'ERR_INVALID_ARG', /resizable/);
        // a fixed-length buffer whose own `resizable` property lies is still checked through the prototype's getter
        const liar = new ArrayBuffer(120);
        Object.defineProperty(liar, 'resizable', { value: true });
        expect(net.predictSync(new Float32Array(liar), 3, 10).length).toBe(3);
      }
      net.dispose();
    });

    it('a throwing progress callback rejects the call', async () => {
      const { x, y, order } = seedData(20);
      const net = newNet();
      await expect(net.trainBatches(x, 20, 10, y, 1, order, 5, null, null, () => { throw new Error('stop here'); }))
        .rejects.toThrow('stop here');
      expect(net.busy).toBe(false);
      net.dispose();
    });
  });

  describe('busy, dispose, finalizer', () => {
    it('a second call while one runs throws ERR_BUSY', async () => {
      const { x, y, order } = seedData();
      const net = newNet();
      const running = net.trainBatches(x, 100, 10, y, 1, order, 10, null, null);
      expect(net.busy).toBe(true);
      throwsCode(() => net.trainBatches(x, 100, 10, y, 1, order, 10, null, null), 'ERR_BUSY');
      throwsCode(() => net.predictSync(x, 100, 10), 'ERR_BUSY');
      throwsCode(() => net.getParams(), 'ERR_BUSY');
      throwsCode(() => net.setParams(new Float32Array(SEED_PARAMS)), 'ERR_BUSY');
      await running;
      expect(net.busy).toBe(false);
      expect(net.getParams().length).toBe(SEED_PARAMS);
      net.dispose();
    });

    it('buffers in use by a running call cannot be detached', async () => {
      const { x, y, order } = seedData();
      const net = newNet();
      const running = net.trainBatches(x, 100, 10, y, 1, order, 10, null, null);
      for (const buf of [x.buffer, y.buffer, order.buffer]) {
        try {
          structuredClone(buf, { transfer: [buf as ArrayBuffer] }); // copies on Node 20, throws on newer Node
        } catch { /* refused: also fine */ }
        expect(buf.byteLength).toBeGreaterThan(0);
      }
      expect((await running).batches).toBe(10);
      net.dispose();
    });

    it('setNumThreads while a call runs is applied when it ends', async () => {
      const { x, y, order } = seedData();
      const net = newNet();
      expect(B.setNumThreads(2)).toBe(true);
      const running = net.trainBatches(x, 100, 10, y, 1, order, 10, null, null);
      expect(B.setNumThreads(1)).toBe(false);
      expect(B.blasInfo().threads).toBe(2);
      await running;
      expect(B.blasInfo().threads).toBe(1);
      expect(B.setNumThreads(2)).toBe(true);
      net.dispose();
    });

    it('dispose while running is deferred until the call ends; later calls throw ERR_DISPOSED', async () => {
      const { x, y, order } = seedData();
      const net = newNet();
      const running = net.predict(x, 100, 10, 10);
      net.dispose();
      expect(net.disposed).toBe(true);
      expect((await running).length).toBe(100);
      throwsCode(() => net.getParams(), 'ERR_DISPOSED');
      throwsCode(() => net.predictSync(x, 100, 10), 'ERR_DISPOSED');
      expect(() => net.trainBatches(x, 100, 10, y, 1, order, 10, null, null)).toThrow(/disposed/);
      net.dispose(); // twice is fine
    });

    it('the finalizer frees native memory of nets never disposed', () => {
      // In a child process with --expose-gc: 40 nets of 2M parameters (16 MB native each with their
      // gradients) created and dropped; without the finalizer the process would keep ~640 MB.
      // Node-API finalizers run from the event loop after a GC, hence the setImmediate turns.
      const root = path.resolve(__dirname, '..', '..');
      const script = `
        const b = require('node-gyp-build')(${JSON.stringify(root)});
        const opt = ${JSON.stringify(optimizer('sgd'))};
        const spec = { inputDim: 1000, layers: [${JSON.stringify(dense(1000, 2000))}], loss: { id: 'meanSquaredError', fromLogits: false, delta: 1 }, optimizer: opt };
        const turn = () => new Promise((r) => setImmediate(r));
        (async () => {
          const rss0 = process.memoryUsage().rss;
          for (let i = 0; i < 40; i++) { new b.NetHandle(spec, new Float32Array(1000 * 2000 + 2000)); global.gc(); await turn(); }
          for (let i = 0; i < 3; i++) { global.gc(); await turn(); }
          console.log(Math.round((process.memoryUsage().rss - rss0) / 1048576));
        })();`;
      const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const grownMb = Number(r.stdout.trim());
      expect(grownMb).toBeLessThan(200);
    });
  });

  describe('the Engine wrapper (lib/engine/native.ts)', () => {
    it('reports info, sets threads and rethrows native errors as BlasnetError with the native code', async () => {
      const engine = loadNativeEngine();
      expect(engine.name).toBe('native');
      engine.setNumThreads(1);
      expect(engine.info()).toMatchObject({ engine: 'native', threads: 1, nativeUnavailableReason: null });
      engine.setNumThreads(2);
      expect(engine.info().blasConfig).toMatch(/OpenBLAS/);

      let err: unknown;
      try {
        engine.createNet(seedSpec(), new Float32Array(3));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BlasnetError);
      expect((err as BlasnetError).code).toBe('ERR_SHAPE_MISMATCH');

      const net = engine.createNet(seedSpec(), randomArray(SEED_PARAMS, 2, 0.4));
      expect(net.outputDim).toBe(1);
      expect(net.paramCount).toBe(SEED_PARAMS);
      const { x, y, order } = seedData();
      const progress: number[] = [];
      const preds = new Float32Array(100);
      const r = await net.trainBatches({
        x: { data: x, rows: 100, cols: 10 }, y: { data: y, rows: 100, cols: 1 }, order, batchSize: 10,
        sampleWeight: null, predictionsOut: preds, onProgress: (bd) => progress.push(bd),
      });
      expect(r.batches).toBe(10);
      expect(progress[progress.length - 1]).toBe(10);
      const bad = order.slice();
      bad[3] = 1000;
      await expect(net.trainBatches({
        x: { data: x, rows: 100, cols: 10 }, y: { data: y, rows: 100, cols: 1 }, order: bad, batchSize: 10,
        sampleWeight: null, predictionsOut: null,
      })).rejects.toBeInstanceOf(BlasnetError);
      expect(() => net.predictSync({ data: x, rows: 100, cols: 9 })).toThrow(BlasnetError);
      net.dispose();
      expect(net.disposed).toBe(true);
      try {
        net.getParams();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BlasnetError);
      expect((err as BlasnetError).code).toBe('ERR_DISPOSED');
    });

  });
});
