'use strict';
// The OpenBLAS sgemm peak of this machine in this run: an n^3 cblas_sgemm through blasnet's addon
// (nativeSgemm), checked against float64 dot products on sampled entries before it is timed.
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
  return { gflops, blas: info, check: { ok: worst < 1e-5, detail: `max relative error ${worst.toExponential(2)} on 64 entries` } };
});
