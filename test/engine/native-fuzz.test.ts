// The native boundary cannot be crashed: a seeded generator (test/fixtures/robust/fuzz-child.js) calls
// every function, method and accessor of the raw binding with random argument lists in child
// processes; each child must end normally having seen only JS exceptions. Native engine pass only
// (the raw binding is what is tested; the js pass would repeat the same work).
import { execFile } from 'child_process';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { getEngine } from '../../lib/engine';
import { nativeOrSkip } from '../helpers/engines';

const ROOT = path.resolve(__dirname, '../..');
const CHILD = path.join(__dirname, '..', 'fixtures', 'robust', 'fuzz-child.js');
const SEEDS = [11, 22, 33];
const CALLS_PER_CHILD = 10000;

interface Outcome { code: number | null; signal: string | null; stdout: string; stderr: string }
function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 64 << 20, timeout: 120_000 },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: number | string; signal?: string }) | null;
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr });
      });
  });
}

const onNative = getEngine().name === 'native' && nativeOrSkip() !== null;

describe.runIf(onNative)('native boundary fuzz (child processes)', () => {
  it(`${SEEDS.length * CALLS_PER_CHILD} random calls of the raw binding: zero crashes, only JS exceptions`, async () => {
    let calls = 0, jsErrors = 0, asyncCalls = 0;
    const codes: Record<string, number> = {};
    for (const seed of SEEDS) {
      const r = await run(['--expose-gc', CHILD, ROOT, String(seed), String(CALLS_PER_CHILD)]);
      // A crash shows up as a signal (SIGSEGV, SIGABRT) or a non-zero exit; rerun the seed with
      // FUZZ_TRACE=1 to see the last call.
      expect({ seed, code: r.code, signal: r.signal, stderr: r.stderr.slice(-2000) }).toEqual({ seed, code: 0, signal: null, stderr: '' });
      const s = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
        calls: number; jsErrors: number; nonErrors: number; asyncCalls: number; codes: Record<string, number>; firstNonError: string | null;
      };
      expect(s.nonErrors, `a thrown non-Error: ${s.firstNonError}`).toBe(0);
      calls += s.calls; jsErrors += s.jsErrors; asyncCalls += s.asyncCalls;
      for (const [k, v] of Object.entries(s.codes)) codes[k] = (codes[k] ?? 0) + v;
    }
    console.log(`[robust-fuzz] ${calls} calls fuzzed in ${SEEDS.length} children, 0 crashes; ${jsErrors} JS exceptions ` +
      `(${JSON.stringify(codes)}), ${asyncCalls} async calls`);
    expect(calls).toBeGreaterThanOrEqual(10_000);
    // The generator reaches the checks, not only the first type test: both argument and shape errors occur.
    expect(codes.ERR_INVALID_ARG ?? 0).toBeGreaterThan(100);
    expect(codes.ERR_SHAPE_MISMATCH ?? 0).toBeGreaterThan(10);
  }, 300_000);

  it('a throwing untransferable marker makes trainBatches/evaluate/predict throw, not crash (use-after-free regression)', async () => {
    const script = `
      const b = require(require('node-gyp-build').resolve(${JSON.stringify(ROOT)}));
      const d = (i, u) => ({ kind: 'dense', inputDim: i, units: u, activation: { id: 'linear', alpha: 0 }, useBias: true,
        trainable: true, kernelL1: 0, kernelL2: 0, biasL1: 0, biasL2: 0, kernelMaxNorm: 0 });
      const spec = { inputDim: 2, layers: [d(2, 1)], loss: { id: 'meanSquaredError', fromLogits: false, delta: 1 },
        optimizer: { id: 'sgd', learningRate: 0.01, schedule: { kind: 'constant' }, momentum: 0, nesterov: false, beta1: 0.9,
          beta2: 0.999, epsilon: 1e-7, amsgrad: false, weightDecay: 0, rho: 0.9, centered: false, initialAccumulatorValue: 0.1,
          clipnorm: 0, clipvalue: 0, globalClipnorm: 0 } };
      const n = new b.NetHandle(spec, new Float32Array(3));
      b.setUntransferableMarker(() => { throw new Error('marker'); });
      (async () => {
        let thrown = 0;
        for (let i = 0; i < 200; i++) {
          for (const f of [
            () => n.trainBatches(new Float32Array(4), 2, 2, new Float32Array(2), 1, new Uint32Array([0, 1]), 1, null, null, () => {}),
            () => n.evaluate(new Float32Array(4), 2, 2, new Float32Array(2), 1, 1, null, null),
            () => n.predict(new Float32Array(4), 2, 2, 1),
          ]) { try { await f(); } catch (e) { if (e.message === 'marker') thrown++; } }
          if (i % 20 === 0) { global.gc(); await new Promise((r) => setTimeout(r, 1)); }
        }
        b.setUntransferableMarker(require('worker_threads').markAsUntransferable);
        const r = await n.trainBatches(new Float32Array(4), 2, 2, new Float32Array(2), 1, new Uint32Array([0, 1]), 1, null, null);
        console.log(JSON.stringify({ thrown, busy: n.busy, batches: r.batches }));
      })();`;
    const r = await run(['--expose-gc', '-e', script]);
    expect({ code: r.code, signal: r.signal, stderr: r.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(JSON.parse(r.stdout)).toEqual({ thrown: 600, busy: false, batches: 2 });
  }, 120_000);
});
