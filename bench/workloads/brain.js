'use strict';
// brain.js 1.6.1 (CPU NeuralNetwork, pure JS). It updates the weights after every sample (no
// mini-batches) and uses one activation for every layer, output included, so its W1/W2 rows do
// the same data and layer widths with brain.js's own semantics (relu everywhere, adam "praxis").
// W3 and W4 are not run: W3 would take hours per-sample, and W4 needs a softmax output it lacks.
const C = require('../common');

C.runChild(async (task) => {
  const brain = require('brain.js');
  const run = { w1, w2 }[task.workload];
  if (!run) throw new Error(`brain.js does not run ${task.workload}`);
  const res = await run(brain, task);
  res.version = `brain.js ${require('brain.js/package.json').version}`;
  return res;
});

function rowsOf(x, y, n, din, dout) {
  const data = [];
  for (let i = 0; i < n; i++) {
    data.push({ input: Array.from(x.subarray(i * din, (i + 1) * din)), output: Array.from(y.subarray(i * dout, (i + 1) * dout)) });
  }
  return data;
}

function train(brain, hidden, data, iterations, lr) {
  const net = new brain.NeuralNetwork({ hiddenLayers: hidden, activation: 'relu' });
  const errors = [];
  const t0 = C.nowMs();
  net.train(data, {
    iterations, errorThresh: 1e-9, learningRate: lr, praxis: 'adam', log: false,
    callbackPeriod: 1, callback: (s) => errors.push(s.error),
  });
  return { ms: C.nowMs() - t0, errors, net };
}

/**
 * brain.js seeds from Math.random and puts relu on its output too, so about one init in a few dozen has
 * a dead output unit whose error never moves: such a net is drawn again (at most 5 times) and the
 * check says how many draws it took, rather than failing the peer on one unlucky draw.
 */
function trainUntilAlive(brain, hidden, data, iterations, lr) {
  let run;
  for (let draw = 1; draw <= 5; draw++) {
    run = train(brain, hidden, data, iterations, lr);
    run.draws = draw;
    if (run.errors.at(-1) < run.errors[0]) break;
  }
  return run;
}

function lossCheck(loss, draws = 1) {
  const ok = loss.length >= 2 && loss.every(Number.isFinite) && loss.at(-1) < loss[0];
  return { ok, detail: `error ${loss[0].toPrecision(4)} -> ${loss.at(-1).toPrecision(4)}${draws > 1 ? ` (init drawn ${draws} times: dead relu output)` : ''}` };
}

async function w1(brain, task) {
  const c = task.cfg;
  const data = rowsOf(C.readF32(task.files.w1_x), C.readF32(task.files.w1_y), c.rows, c.inputs, 1);
  // The untimed check runs at least 30 epochs: brain.js's error moves slowly at first (--quick has 5).
  const check = trainUntilAlive(brain, [c.hidden], data, Math.max(c.epochs, 30), 1e-3);
  const firstMs = train(brain, [c.hidden], data, c.epochs, 1e-3).ms; // after the check: the check's epochs differ
  for (let k = 0; k < (c.warmup || 0); k++) train(brain, [c.hidden], data, c.epochs, 1e-3); // untimed warm-up
  const times = [];
  for (let r = 0; r < task.runs; r++) times.push(train(brain, [c.hidden], data, c.epochs, 1e-3).ms);
  return { times, firstMs, check: lossCheck(check.errors, check.draws) };
}

async function w2(brain, task) {
  const c = task.cfg, n = task.rows;
  const data = rowsOf(C.readF32(task.files.w2_x, n * c.inputs), C.readF32(task.files.w2_y, n * c.classes), n, c.inputs, c.classes);
  const rates = [], checks = [];
  for (let r = 0; r < task.runs; r++) {
    // Epoch 1 then epoch 2 on the same net (train() resumes from the current weights): time the second.
    const net = new brain.NeuralNetwork({ hiddenLayers: c.hidden, activation: 'relu' });
    const errors = [];
    const opts = { iterations: 1, errorThresh: 1e-9, learningRate: c.lr, praxis: 'adam', log: false, callbackPeriod: 1, callback: (s) => errors.push(s.error) };
    net.train(data, opts);
    const t0 = C.nowMs();
    net.train(data, { ...opts, keepNetworkIntact: true });
    const ms = C.nowMs() - t0;
    rates.push(n / (ms / 1000));
    checks.push(lossCheck(errors));
  }
  return { rates, check: { ok: checks.every((k) => k.ok), detail: checks[0].detail } };
}
