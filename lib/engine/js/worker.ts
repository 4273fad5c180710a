// An engine worker thread (pool.ts): holds the twins of the nets at home here (over their shared
// buffers) and runs their trainBatches / evaluate calls, and runs predict chunks of any net.
import { parentPort } from 'worker_threads';
import type { EvaluateResult, TrainResult } from '../types';
import { Net } from './net';
import type { NetSettings, WorkerReply, WorkerRequest } from './pool';

// Progress reports at most this often (the JavaScript thread forwards at most every 100 ms).
const PROGRESS_MS = 50;
const nets = new Map<number, Net>();

function apply(net: Net, settings: NetSettings): void {
  if (net.spec.optimizer.learningRate !== settings.learningRate) net.setLearningRate(settings.learningRate);
  settings.trainable.forEach((t, l) => {
    const layer = net.spec.layers[l]!;
    if ('trainable' in layer && layer.trainable !== t) net.setTrainable(l, t);
  });
}

function reply(r: WorkerReply): void {
  parentPort!.postMessage(r);
}

parentPort!.on('message', (m: WorkerRequest) => {
  if (m.type === 'close') {
    nets.delete(m.key);
    return;
  }
  try {
    if (m.type === 'chunk') {
      const c = m.chunk;
      const net = new Net(c.spec, c.params, { state: c.state, keepKernels: false });
      const out = new Float32Array(c.rows * net.outputDim);
      net.predict(c.x, c.rows, c.cols, c.batchSize, out);
      reply({ id: m.id, ok: true, out });
      return;
    }
    let net = nets.get(m.key);
    if (!net) {
      if (!m.open) throw new Error(`net ${m.key} is not open on this worker`);
      net = new Net(m.open.spec, m.open.params, { state: m.open.state, keepKernels: false });
      nets.set(m.key, net);
    }
    Atomics.load(m.sync, 0); // what the JavaScript thread wrote to the shared buffers before the call
    apply(net, m.settings);
    let result: TrainResult | EvaluateResult;
    if (m.method === 'trainBatches') {
      const [x, rows, cols, y, ycols, order, batch, sw, preds] = m.args as [Float32Array, number, number, Float32Array,
        number, Uint32Array, number, Float32Array | null, Float32Array | null];
      const train: TrainResult = { lossSum: 0, samples: 0, batches: 0, nonFiniteBatch: -1 };
      let last = performance.now();
      net.trainBatches(x, rows, cols, y, ycols, order, batch, sw, preds, m.progress ? (b, l, s) => {
        const now = performance.now();
        if (now - last >= PROGRESS_MS) {
          last = now;
          reply({ id: m.id, progress: [b, l, s] });
        }
        return Atomics.load(m.sync, 1) === 0; // the JavaScript thread stops a call whose progress function threw
      } : null, train);
      result = train;
    } else {
      const [x, rows, cols, y, ycols, batch, sw, preds] = m.args as [Float32Array, number, number, Float32Array, number,
        number, Float32Array | null, Float32Array | null];
      const evaluation: EvaluateResult = { lossSum: 0, samples: 0 };
      net.evaluate(x, rows, cols, y, ycols, batch, sw, preds, evaluation);
      result = evaluation;
    }
    Atomics.add(m.sync, 0, 1); // publishes the parameters, state and predictions written here
    reply({ id: m.id, ok: true, result });
  } catch (err) {
    if (m.type === 'call') Atomics.add(m.sync, 0, 1);
    const code = (err as { code?: unknown } | null)?.code;
    reply({ id: m.id, ok: false, code: typeof code === 'string' ? code : null, message: err instanceof Error ? err.message : String(err) });
  }
});
