'use strict';
// The targets table of the report (issues 5 and 18): each goal, this run's figure, whether it is met
// and, for a goal not met, the reason as this run measured it (the bound of W4's own products, the
// predictSync sweep against the weights' size, the share of the peak). A reason uses only this run's
// figures; "-" when the goal is met or not measured.
const SB = require('./shape-bound');
const WS = require('./weight-sweep');

function targets(out, cfgs, h) {
  const { peak, w2p, w3p, nat, js, val, get, w2data, fmtN, ratio } = h;
  const rows = [];
  const add = (target, measured, met, why) => rows.push(`| ${target} | ${measured} | ${met === null ? 'n/a' : met ? 'yes' : '**no**'} | ` +
    `${met === false ? (why || 'not measured by the bench') : '-'} |`);
  const pct = (rate, flops) => (rate && peak ? (100 * rate * flops) / 1e9 / peak : null);
  const share = (label, p) => (p === null ? null : `${label} ${p.toFixed(0)}%`);
  const peakShares = (...xs) => { const s = xs.filter(Boolean); return s.length ? `of the sgemm peak: ${s.join(', ')}` : null; };

  const n1 = nat('w1', 'times'), t1 = val('pytorch', 'w1', 'times'), b1 = val('brain.js', 'w1', 'times');
  add('native W1 < 5 ms', n1 ? `${n1.toFixed(2)} ms` : '-', n1 ? n1 < 5 : null, n1 && w1Why(n1, cfgs.w1));
  add('native W1 >= 25x PyTorch', n1 && t1 ? ratio(t1 / n1) : '-', n1 && t1 ? t1 / n1 >= 25 : null, n1 && t1 && w1Why(n1, cfgs.w1, 'PyTorch', t1));
  add('native W1 >= 5x brain.js', n1 && b1 ? ratio(b1 / n1) : '-', n1 && b1 ? b1 / n1 >= 5 : null, n1 && b1 && w1Why(n1, cfgs.w1, 'brain.js', b1));

  const n2 = nat('w2', 'rates'), t2 = val('pytorch', 'w2', 'rates');
  const p2 = pct(n2, 6 * w2p), pt2 = pct(t2, 6 * w2p);
  const why2 = peakShares(share('native', p2), share('PyTorch', pt2));
  add('native W2 >= 1.5x PyTorch', n2 && t2 ? ratio(n2 / t2) : '-', n2 && t2 ? n2 / t2 >= 1.5 : null, why2);
  add('native W2 >= 70% of sgemm peak', p2 ? `${p2.toFixed(0)}%` : '-', p2 ? p2 >= 70 : null, why2);

  const n3 = nat('w3', 'rates'), t3 = val('pytorch', 'w3', 'rates');
  const p3 = pct(n3, 6 * w3p), pt3 = pct(t3, 6 * w3p);
  const why3 = peakShares(share('native', p3), share('PyTorch', pt3));
  add('native W3 >= 90% of sgemm peak', p3 ? `${p3.toFixed(0)}%` : '-', p3 ? p3 >= 90 : null, why3);
  add('native W3 >= PyTorch', n3 && t3 ? ratio(n3 / t3) : '-', n3 && t3 ? n3 / t3 >= 1 : null, why3);

  // W4's throughput against the bound of its own three products (gemm.js measured them in this run).
  const n4 = nat('w4', 'rates'), o4 = val('onnxruntime-node', 'w4', 'rates'), t4 = val('pytorch', 'w4', 'rates');
  const p4 = pct(n4, 2 * w2p);
  const b4 = SB.boundRate(out.gemm?.shapes, null);
  const ofBound = (rate) => (rate && b4 ? `${((100 * rate) / b4).toFixed(0)}%` : null);
  const boundWhy = (peerName, peerRate) => (!b4 ? 'the bound of its products needs the gemm workload in the same run' :
    n4 ? `W4 at ${ofBound(n4)} of the bound of its products (bound = ${pct(b4, 2 * w2p)?.toFixed(0) ?? '-'}% of peak)` +
    `${peerRate ? `; ${peerName} at ${ofBound(peerRate)} of it` : ''}` : null);
  add('native W4 >= 90% of sgemm peak', p4 ? `${p4.toFixed(0)}%` : '-', p4 ? p4 >= 90 : null, boundWhy());

  const l4 = get('blasnet-native', 'w4');
  const lat = l4 && l4.latSync ? l4.latSync.p50 : null;
  add('native W4 predictSync p50 < 10 µs', lat ? `${lat.toFixed(1)} µs` : '-', lat ? lat < 10 : null,
    syncWhy(l4 && l4.weightSweep, out.machine.caches, (4 * w2p) / 1024, 10));
  add('native W4 >= 1.05x onnxruntime-node', n4 && o4 ? ratio(n4 / o4) : '-', n4 && o4 ? n4 / o4 >= 1.05 : null, boundWhy('onnxruntime', o4));
  add('native W4 >= 1.2x PyTorch', n4 && t4 ? ratio(n4 / t4) : '-', n4 && t4 ? n4 / t4 >= 1.2 : null, boundWhy('PyTorch', t4));

  // Async = predictSync + the asynchronous path; the share of each against onnxruntime's session.run.
  const la = l4 && l4.latAsync ? l4.latAsync.p50 : null, lo = get('onnxruntime-node', 'w4')?.latAsync?.p50 ?? null;
  add('native async predict p50 <= 0.6x onnxruntime session.run p50', la && lo ? `${la.toFixed(1)} / ${lo.toFixed(1)} µs = ${ratio(la / lo)}` : '-',
    la && lo ? la / lo <= 0.6 : null,
    la && lo && lat ? `predictSync alone is ${lat.toFixed(1)} µs = ${ratio(lat / lo)} ORT's session.run; ` +
      `the async path ${la >= lat ? 'adds' : 'saves'} ${Math.abs(la - lat).toFixed(1)} µs` : null);
  add('native W4 against the bound of its own products (reported)', b4 ? `bound ${fmtN(b4)} rows/s` +
    `${peak ? ` (${pct(b4, 2 * w2p).toFixed(0)}% of peak)` : ''}${n4 ? `; W4 at ${ofBound(n4)} of it` : ''}` : '-', null);

  const rss = get('blasnet-native', 'w2');
  const rssMB = rss && rss.rows === rss.fullRows ? rss.maxRssMB : null;
  add(`native W2 peak RSS < data + 100 MiB (${(w2data + 100).toFixed(0)} MiB)`, rssMB ? `${rssMB.toFixed(0)} MiB` : '-', rssMB ? rssMB < w2data + 100 : null);
  for (const w of ['w1', 'w2', 'w3', 'w4']) {
    const k = w === 'w1' ? 'times' : 'rates';
    const j = js(w, k), c = val('tfjs-cpu', w, k);
    const rr = j && c ? (w === 'w1' ? c / j : j / c) : null;
    add(`js ${w.toUpperCase()} >= 5x tfjs-cpu`, rr ? ratio(rr) : '-', rr ? rr >= 5 : null);
  }
  const j2 = js('w2', 'rates'), a2 = val('tfjs-wasm', 'w2', 'rates');
  add('js W2 >= 3x tfjs-wasm', j2 && a2 ? ratio(j2 / a2) : '-', j2 && a2 ? j2 / a2 >= 3 : null);
  const j4 = js('w4', 'rates'), a4 = val('tfjs-wasm', 'w4', 'rates');
  add('js W4 >= 1.5x tfjs-wasm', j4 && a4 ? ratio(j4 / a4) : '-', j4 && a4 ? j4 / a4 >= 1.5 : null);
  const ev = ['blasnet-native', 'blasnet-js'].map((p) => {
    const r = get(p, 'w2');
    return r && r.eventLoopMaxMs ? `${p} ${Math.max(...r.eventLoopMaxMs).toFixed(0)} ms` : null;
  }).filter(Boolean);
  return [`### Targets (issues 5 and 18), measured in this run — OpenBLAS ${coreNote(out.machine)}`, '',
    '| target | measured | met | why not (measured in this run) |', '|---|---|---|---|', ...rows, '',
    `Event loop: the longest time it was held during the W2 fit (monitorEventLoopDelay at 10 ms resolution, its largest tick interval minus the 10 ms period; issue 6): ${ev.join(', ') || '-'}.`].join('\n');
}

/** W1 is many tiny steps: its time per epoch and per step, and the arithmetic of a step (a peer's step beside it). */
function w1Why(ms, c, peer, peerMs) {
  const steps = Math.ceil(c.rows / c.batchSize);
  const params = c.inputs * c.hidden + c.hidden + c.hidden * c.outputs + c.outputs;
  const stepUs = (v) => (1000 * v) / (c.epochs * steps);
  const flops = 6 * params * c.batchSize;
  return `${((1000 * ms) / c.epochs).toFixed(0)} µs per epoch of ${steps} batches of ${c.batchSize} rows: ` +
    `${stepUs(ms).toFixed(1)} µs a step for ${fmtK(flops)} FLOP (${(flops / stepUs(ms) / 1000).toFixed(2)} GFLOP/s: the cost is per step, not arithmetic)` +
    `${peer ? `; ${peer} ${stepUs(peerMs).toFixed(1)} µs a step` : ''}`;
}
const fmtK = (v) => (v >= 1000 ? `${(v / 1000).toFixed(1)}k` : String(v));

/** predictSync's time from the sweep: fixed cost per call + ns per KB in or beyond the L2, at W4's weight size. */
function syncWhy(points, caches, weightsKB, goalUs) {
  const a = WS.analyse(points, WS.l2KB(caches));
  if (!a) return null;
  const fits = weightsKB <= 0.8 * a.l2;
  const ns = fits || a.beyondNs === null ? a.insideNs : a.beyondNs;
  const rel = fits ? 'fit in' : weightsKB > a.l2 ? 'exceed' : 'nearly fill';
  const other = fits ? (a.beyondNs === null ? '' : `; beyond the L2: ${a.beyondNs.toFixed(1)} ns/KB`) : `; within the L2: ${a.insideNs.toFixed(1)} ns/KB`;
  return `${weightsKB.toFixed(0)} KB of weights ${rel} the ${a.l2} KB L2 per core: ${a.fixedUs.toFixed(1)} µs per call + ` +
    `${ns.toFixed(1)} ns/KB ${fits ? 'from L2' : 'from L3'} = ${(a.fixedUs + (ns * weightsKB) / 1000).toFixed(1)} µs${other} ` +
    `(sweep under the W4 table); ${goalUs} µs needs ${Math.max(0, (1000 * (goalUs - a.fixedUs)) / weightsKB).toFixed(1)} ns/KB`;
}

/** Which OpenBLAS kernel ran, and whether OPENBLAS_CORETYPE forced it or OpenBLAS chose it for this CPU. */
function coreNote(m) {
  const forced = m.env && m.env.OPENBLAS_CORETYPE;
  const core = m.blas ? `${m.blas.core} core` : 'core unknown (no gemm run)';
  return `${core}, ${forced ? `forced by OPENBLAS_CORETYPE=${forced}` : 'OpenBLAS\'s own choice for this CPU (OPENBLAS_CORETYPE unset)'}`;
}

module.exports = { targets, coreNote };
