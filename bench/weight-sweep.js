'use strict';
// Why batch-1 predictSync costs what it does: a one-row predict reads every weight once, so its time
// follows the weights' size and where they are cached. The W4 child (native engine) times one-row
// predictSync of 784-h-10 MLPs whose weights are about cfg.kb KB each; the runner fits
// "fixed µs per call + ns per KB" to the models that fit in the L2 and compares those beyond it.
const fs = require('fs');
const C = require('./common');

/** Child side: predictSync p50/p99 per model size, the same call as W4's batch-1 latency. */
function sweep(bn, denseStack, inputs, classes, cfg) {
  const r = C.rng(13);
  const x = new Float32Array(256 * inputs);
  for (let i = 0; i < x.length; i++) x[i] = r.uniform();
  const one = Array.from({ length: 256 }, (_, i) => ({ data: x.subarray(i * inputs, (i + 1) * inputs), shape: [1, inputs] }));
  return cfg.kb.map((kb) => {
    // params of inputs-h-classes = h * (inputs + 1 + classes) + classes
    const hidden = Math.max(1, Math.round(((kb * 1024) / 4 - classes) / (inputs + 1 + classes)));
    const widths = [inputs, hidden, classes];
    bn.setSeed(7);
    const m = denseStack(bn, widths, 'softmax');
    const lat = C.latencySync((i) => m.predictSync(one[i % 256]).dataSync(), 256, cfg.calls, cfg.warmup);
    if (typeof m.dispose === 'function') m.dispose();
    return { hidden, kb: (4 * C.paramCount(widths)) / 1024, p50: lat.p50, p99: lat.p99 };
  });
}

/** The CPU's caches from sysfs (Linux): [{ level, type, kb }], [] elsewhere. */
function cpuCaches() {
  const dir = '/sys/devices/system/cpu/cpu0/cache';
  try {
    return fs.readdirSync(dir).filter((d) => d.startsWith('index')).map((d) => {
      const read = (f) => fs.readFileSync(`${dir}/${d}/${f}`, 'utf8').trim();
      const size = read('size'); // "2048K", "48K", "32M"
      const kb = parseInt(size, 10) * (size.endsWith('M') ? 1024 : 1);
      return { level: Number(read('level')), type: read('type'), kb };
    });
  } catch {
    return [];
  }
}

const l2KB = (caches) => (caches || []).find((c) => c.level === 2 && c.type !== 'Instruction')?.kb ?? null;

function lineFit(pts) {
  const n = pts.length, mx = pts.reduce((s, p) => s + p.kb, 0) / n, my = pts.reduce((s, p) => s + p.p50, 0) / n;
  const sxx = pts.reduce((s, p) => s + (p.kb - mx) ** 2, 0);
  const slope = sxx > 0 ? pts.reduce((s, p) => s + (p.kb - mx) * (p.p50 - my), 0) / sxx : 0;
  return { fixedUs: my - slope * mx, slope };
}

/**
 * Fixed µs per call and ns per KB of weights, fitted to the models within 80% of the L2 (the L2 also
 * holds the input, activations and code); beyond the L2, each model's ns per KB over that fixed cost.
 */
function analyse(points, l2) {
  if (!points || !l2) return null;
  const inside = points.filter((p) => p.kb <= 0.8 * l2), beyond = points.filter((p) => p.kb > l2);
  if (inside.length < 2) return null;
  const f = lineFit(inside);
  const fixedUs = Math.max(0, f.fixedUs);
  const beyondNs = beyond.length ? C.median(beyond.map((p) => (1000 * (p.p50 - fixedUs)) / p.kb)) : null;
  return { l2, fixedUs, insideNs: 1000 * f.slope, beyondNs, inside: inside.length, beyond: beyond.length };
}

/** The markdown lines printed under the W4 table. */
function reportLines(points, caches, cfg) {
  if (!points || points.length === 0) return [];
  const l2 = l2KB(caches), a = analyse(points, l2);
  const lines = ['', `blasnet-native predictSync of one row against the size of the weights: 784-h-10 MLPs (seeded weights), ` +
    `p50 / p99 of ${cfg.calls} calls after ${cfg.warmup} untimed; this CPU's L2: ${l2 ? `${l2} KB` : 'unknown'} per core.`, '',
    '| hidden units | weights KB | p50 µs | p99 µs | ns per KB (p50) | in L2 |', '|---|---|---|---|---|---|'];
  for (const p of points) {
    const where = !l2 ? '-' : p.kb <= 0.8 * l2 ? 'yes' : p.kb > l2 ? 'no' : 'nearly full';
    lines.push(`| ${p.hidden} | ${p.kb.toFixed(0)} | ${p.p50.toFixed(1)} | ${p.p99.toFixed(1)} | ${((1000 * p.p50) / p.kb).toFixed(1)} | ${where} |`);
  }
  if (a) {
    lines.push('', `Fitted to the ${a.inside} models within 80% of the L2: ${a.fixedUs.toFixed(1)} µs per call + ` +
      `${a.insideNs.toFixed(1)} ns per KB of weights; beyond the L2: ${a.beyondNs === null ? '- (no model that large)' :
        `${a.beyondNs.toFixed(1)} ns per KB over that fixed cost (median of ${a.beyond})`}.`);
  }
  return lines;
}

module.exports = { sweep, cpuCaches, l2KB, analyse, reportLines };
