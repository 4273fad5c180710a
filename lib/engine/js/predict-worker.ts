// A worker of the TypeScript engine's predict pool (pool.ts): runs one chunk of rows through the net
// it is sent, in batches of the caller's batchSize, and sends the predictions back (copied, not transferred: see pool.ts).
import { parentPort } from 'worker_threads';
import { JsNet } from './net';
import type { ChunkReply, PredictChunk } from './pool';

parentPort!.on('message', (c: PredictChunk) => {
  let reply: ChunkReply;
  let net: JsNet | null = null;
  try {
    net = new JsNet(c.spec, c.params);
    reply = { ok: true, out: net.predictRows({ data: c.x, rows: c.rows, cols: c.cols }, c.batchSize) };
  } catch (err) {
    reply = { ok: false, message: err instanceof Error ? err.message : String(err) };
  } finally {
    net?.dispose();
  }
  parentPort!.postMessage(reply);
});
