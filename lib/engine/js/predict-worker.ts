// A worker of the TypeScript engine's predict pool (pool.ts): runs one chunk of rows through the net
// it is sent, in batches of the caller's batchSize, and sends the predictions back (copied, not transferred: see pool.ts).
import { parentPort } from 'worker_threads';
import { Net } from './net';
import type { ChunkReply, PredictChunk } from './pool';

parentPort!.on('message', (c: PredictChunk) => {
  let reply: ChunkReply;
  try {
    const net = new Net(c.spec, c.params);
    const out = new Float32Array(c.rows * net.outputDim);
    net.predict(c.x, c.rows, c.cols, c.batchSize, out);
    reply = { ok: true, out };
  } catch (err) {
    reply = { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  parentPort!.postMessage(reply);
});
