'use strict';
// The bound of W4's own products (gemm.js measures them): per shape, sgemm's and blasnet predict's
// GFLOP/s on 1 and 2 threads, the better of the run's start and end measurements, and the W4 rate
// that the fastest kernel of each layer would give if nothing else took any time.

/** Per shape and kernel, the better of the gemm runs' medians (the machine may be shared). */
function bestShapes(gemmRuns) {
  const runs = gemmRuns.filter((g) => !g.error && Array.isArray(g.shapes));
  if (runs.length === 0) return null;
  return runs[0].shapes.map((s, i) => {
    const all = runs.map((g) => g.shapes[i]);
    const best = (kernel, t) => Math.max(...all.map((a) => a[kernel][t]));
    return {
      shape: s.shape, maxAbsDiff: Math.max(...all.map((a) => a.maxAbsDiff)),
      sgemm: { 1: best('sgemm', 1), 2: best('sgemm', 2) }, predict: { 1: best('predict', 1), 2: best('predict', 2) },
    };
  });
}

/** Rows/s of the layers one after another, each at the given kernel's 2-thread rate (the best of both when kernel is null). */
function boundRate(shapes, kernel) {
  if (!shapes || shapes.length === 0) return null;
  const M = shapes[0].shape[0];
  let seconds = 0;
  for (const s of shapes) {
    const [m, k, n] = s.shape;
    const g = kernel ? s[kernel][2] : Math.max(s.sgemm[2], s.predict[2]);
    if (!(g > 0)) return null;
    seconds += (2 * m * k * n) / (g * 1e9);
  }
  return M / seconds;
}

/** The markdown lines printed under the W4 table. */
function reportLines(shapes, peak, w4native, fmtN) {
  if (!shapes) return [];
  const pct = (g) => (peak ? ` (${((100 * g) / peak).toFixed(0)}%)` : '');
  const lines = ['', 'W4\'s own products, [M, K, N] = batch x inputs x units of each dense layer: GFLOP/s (of the 2048³ peak), ' +
    'median of the runs, the better of the run\'s start and end. "predict": blasnet\'s predict on a one-layer linear net of that shape ' +
    '(the prepacked kernel on AVX2+FMA or AVX-512 CPUs), its outputs within the max |diff| shown of sgemm\'s.', '',
    '| shape | sgemm 1 thread | sgemm 2 threads | predict 1 thread | predict 2 threads | max abs diff |', '|---|---|---|---|---|---|'];
  for (const s of shapes) {
    lines.push(`| ${s.shape.join('x')} | ${s.sgemm[1].toFixed(1)}${pct(s.sgemm[1])} | ${s.sgemm[2].toFixed(1)}${pct(s.sgemm[2])} | ` +
      `${s.predict[1].toFixed(1)}${pct(s.predict[1])} | ${s.predict[2].toFixed(1)}${pct(s.predict[2])} | ${s.maxAbsDiff.toExponential(1)} |`);
  }
  const bs = boundRate(shapes, 'sgemm'), bp = boundRate(shapes, 'predict'), b = boundRate(shapes, null);
  lines.push('', `W4 bound from these (the layers one after another on 2 threads, nothing else timed): sgemm ${fmtN(bs)} rows/s, ` +
    `predict ${fmtN(bp)} rows/s, the faster per layer ${fmtN(b)} rows/s; blasnet-native's W4 above: ${fmtN(w4native)} rows/s` +
    `${w4native && b ? ` (${((100 * w4native) / b).toFixed(0)}% of the bound)` : ''}.`);
  return lines;
}

module.exports = { bestShapes, boundRate, reportLines };
