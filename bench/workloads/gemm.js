'use strict';
// The OpenBLAS sgemm peak of this machine in this run: an n^3 cblas_sgemm through blasnet's addon
// (nativeSgemm), checked against float64 dot products on sampled entries before it is timed. Then the
// bound for W4's own shapes (its three dense layers at batch 4096): sgemm and blasnet's predict on a
// one-layer linear net (the prepacked kernel where the CPU has AVX2+FMA), each on 1 and 2 threads.
const path = require('path');
const C = require('../common');

C.runChild(async (task) => {
  process.env.BLASNET_QUIET = '1';
  const native = require(path.resolve(__dirname, '..', '..', 'dist', 'engine', 'native.js'));
  const n = task.cfg.n;
  const r = C.rng(11);
  const A = new Float32Array(n * n), B = new Float32Array(n * n), Cm = new Float32Array(n * n);
  for (let i = 0; i < A.length; i++) { A[i] = r.uniform() - 0.5; B[i] = r.uniform() - 0.5; }
  native.nativeSgemm(false, false, n, n, n, 1, A, n, B, n, 0, Cm, n);
  let worst = 0;
  for (let s = 0; s < 64; s++) {
    const i = Math.floor(r.uniform() * n), j = Math.floor(r.uniform() * n);
    let ref = 0, mag = 0;
    for (let p = 0; p < n; p++) { ref += A[i * n + p] * B[p * n + j]; mag += Math.abs(A[i * n + p] * B[p * n + j]); }
    worst = Math.max(worst, Math.abs(Cm[i * n + j] - ref) / mag);
  }
  const gflops = [];
  for (let k = 0; k < task.runs; k++) {
    const t0 = C.nowMs();
    native.nativeSgemm(false, false, n, n, n, 1, A, n, B, n, 0, Cm, n);
    const ms = C.nowMs() - t0;
    gflops.push((2 * n * n * n) / (ms / 1000) / 1e9);
  }
  const info = native.nativeBinding().blasInfo();
  const shapes = task.cfg.shapes ? shapeBound(native, task.cfg.shapes, task.cfg.shapeRuns, info.threads) : null;
  return { gflops, blas: info, shapes, check: { ok: worst < 1e-5, detail: `max relative error ${worst.toExponential(2)} on 64 entries` } };
});

// Median GFLOP/s of `runs` timed calls of fn (one untimed first), for a product of `flops`.
function rate(fn, flops, runs) {
  fn();
  const g = [];
  for (let k = 0; k < runs; k++) {
    const t0 = C.nowMs();
    fn();
    g.push(flops / ((C.nowMs() - t0) / 1000) / 1e9);
  }
  return C.median(g);
}

/** Per [M, K, N]: GFLOP/s of sgemm and of predict, on 1 and 2 threads; the predict's outputs checked against sgemm's. */
function shapeBound(native, shapes, runs, threadsBefore) {
  const b = native.nativeBinding();
  const engine = native.loadNativeEngine();
  const r = C.rng(12);
  const out = [];
  for (const [M, K, N] of shapes) {
    const X = new Float32Array(M * K), W = new Float32Array(K * N + N), Y = new Float32Array(M * N);
    for (let i = 0; i < X.length; i++) X[i] = r.uniform() - 0.5;
    for (let i = 0; i < K * N; i++) W[i] = (r.uniform() - 0.5) / Math.sqrt(K);
    const net = engine.createNet(oneLayer(K, N), W);
    const flops = 2 * M * K * N;
    const row = { shape: [M, K, N], sgemm: {}, predict: {} };
    for (const t of [1, 2]) {
      b.setNumThreads(t);
      row.sgemm[t] = rate(() => native.nativeSgemm(false, false, M, N, K, 1, X, K, W, N, 0, Y, N), flops, runs);
      row.predict[t] = rate(() => net.predictSync({ data: X, rows: M, cols: K }), flops, runs);
    }
    native.nativeSgemm(false, false, M, N, K, 1, X, K, W, N, 0, Y, N);
    const P = net.predictSync({ data: X, rows: M, cols: K });
    let worst = 0;
    for (let i = 0; i < Y.length; i++) worst = Math.max(worst, Math.abs(P[i] - Y[i]));
    row.maxAbsDiff = worst;
    net.dispose();
    out.push(row);
  }
  b.setNumThreads(threadsBefore);
  return out;
}

function oneLayer(K, N) {
  return {
    inputDim: K,
    layers: [{ kind: 'dense', inputDim: K, units: N, activation: { id: 'linear', alpha: 1 }, useBias: true, trainable: true,
      kernelL1: 0, kernelL2: 0, biasL1: 0, biasL2: 0, kernelMaxNorm: 0 }],
    loss: { id: 'meanSquaredError', fromLogits: false, delta: 1 },
    optimizer: { id: 'sgd', learningRate: 0.01, schedule: { kind: 'constant' }, momentum: 0, nesterov: false, beta1: 0.9,
      beta2: 0.999, epsilon: 1e-7, amsgrad: false, weightDecay: 0, rho: 0.9, centered: false, initialAccumulatorValue: 0.1,
      clipnorm: 0, clipvalue: 0, globalClipnorm: 0 },
  };
}
