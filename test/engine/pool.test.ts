// The TypeScript engine's large predicts run on worker threads (lib/engine/js/pool.ts): the results are
// the same bits as in one thread for every batch size, with every layer kind that has an inference
// mode, the pool does not keep a process alive, and BLASNET_JS_WORKERS=0 turns it off. The TypeScript
// engine's own pool: it runs on the js run of the suite.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsEngine } from '../../lib/engine/js';
import { enginePool } from '../../lib/engine/js/pool';
import { RUN_ENGINE, skippedOnThisRun } from '../helpers/engines';
import { batchNorm, dense, dropout, initialParams, layerNorm, loss, netSpec, optimizer, randomArray } from '../helpers/spec';

const multiCore = os.availableParallelism() >= 2;

if (RUN_ENGINE !== 'js') describe('TypeScript engine: predict on the worker pool', () => skippedOnThisRun('the TypeScript engine\'s predict pool', 'js'));

describe.runIf(RUN_ENGINE === 'js')('TypeScript engine: predict on the worker pool', () => {
  // 700 rows x ~240k parameters: above the pool's threshold (2^27 row-parameters).
  const spec = netSpec(784, [
    dense(784, 256, 'relu'), batchNorm(256), dropout(256, 0.5), dense(256, 128, 'gelu'), layerNorm(128), dense(128, 10, 'softmax'),
  ], loss('categoricalCrossentropy'), optimizer('adam'));
  const params = initialParams(spec, 7);
  const rows = 700;
  const x = { data: randomArray(rows * 784, 11), rows, cols: 784 };

  it.skipIf(!multiCore)('gives the bits of a one-thread predict, for any batch size, in chunks on the pool', async () => {
    const net = jsEngine.createNet(spec, params);
    const reference = net.predictSync(x);
    const pool = enginePool();
    expect(pool, 'the pool runs here (a build in dist/ and two cores)').not.toBeNull();
    for (const batchSize of [700, 64, 7]) {
      const before = pool!.chunks;
      const out = await net.predict(x, batchSize);
      expect(pool!.chunks - before).toBeGreaterThanOrEqual(1);
      expect(Buffer.from(out.buffer).equals(Buffer.from(reference.buffer))).toBe(true);
    }
    // The net is usable afterwards, and a small predict stays in this thread.
    const before = pool!.chunks;
    const few = { data: x.data.subarray(0, 784 * 3), rows: 3, cols: 784 };
    const small = await net.predict(few, 32);
    expect(pool!.chunks).toBe(before);
    expect(Array.from(small)).toEqual(Array.from(net.predictSync(few)));
    net.dispose();
  });

  it.skipIf(!multiCore)('a chunk that fails in a worker rejects with its message and leaves the pool usable', async () => {
    const pool = enginePool();
    expect(pool).not.toBeNull();
    // Parameters of the wrong length: the worker's JsNet refuses them (a coded error there, a plain
    // Error with its text here); the net's predict then recomputes in its own thread.
    const bad = { spec, params: new Float32Array(3), state: new Float32Array(1), x: x.data.slice(0, 784 * 2), rows: 2, cols: 784, batchSize: 2 };
    await expect(pool!.run(bad)).rejects.toThrow(/param/i);
    expect(enginePool()).toBe(pool);
    const net = jsEngine.createNet(spec, params);
    const out = await net.predict(x, 100);
    expect(Buffer.from(out.buffer).equals(Buffer.from(net.predictSync(x).buffer))).toBe(true);
    net.dispose();
  });

  it.skipIf(!multiCore)('leaves the process free to exit, and BLASNET_JS_WORKERS=0 computes the same in one thread', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-pool-'));
    const paramsFile = path.join(dir, 'params.bin');
    fs.writeFileSync(paramsFile, params);
    const scriptFile = path.join(dir, 'child.js');
    const script = `
      const { jsEngine } = require(${JSON.stringify(path.resolve(__dirname, '../../dist/engine/js/index.js'))});
      const { enginePool } = require(${JSON.stringify(path.resolve(__dirname, '../../dist/engine/js/pool.js'))});
      const spec = ${JSON.stringify(spec)};
      const bytes = require('fs').readFileSync(${JSON.stringify(paramsFile)});
      const params = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      const x = new Float32Array(${rows} * 784).map((_, i) => Math.sin(i));
      const net = jsEngine.createNet(spec, params);
      net.predict({ data: x, rows: ${rows}, cols: 784 }, 50).then((out) => {
        let h = 0; for (const v of out) h = (h * 31 + Math.round(v * 1e6)) % 1e9;
        console.log(JSON.stringify({ pooled: enginePool() ? enginePool().chunks : 0, hash: h }));
      });`;
    fs.writeFileSync(scriptFile, script);
    const run = (env: Record<string, string>): { pooled: number; hash: number } => {
      const r = spawnSync(process.execPath, [scriptFile], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
      expect(r.status, r.stderr).toBe(0);  // exits by itself: a worker kept alive would hit the timeout
      return JSON.parse(r.stdout.trim());
    };
    const pooled = run({});
    const single = run({ BLASNET_JS_WORKERS: '0' });
    expect(pooled.pooled).toBeGreaterThanOrEqual(1);
    expect(single.pooled).toBe(0);
    expect(pooled.hash).toBe(single.hash);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it.skipIf(!multiCore)('settle gives a net one home worker (started at most once for it), and close undoes a settle that no call followed', () => {
    const pool = enginePool()!;
    const remote = pool.remoteNet();
    pool.settle(remote);
    const home = remote.home;
    expect(home).not.toBeNull();
    expect(pool.settle(remote)).toBe(false);
    expect(remote.home).toBe(home);
    pool.close(remote);
    expect(remote.home).toBeNull();
    expect(remote.opened).toBe(false);
    // With every worker started, a settle starts none.
    const more = Array.from({ length: pool.size }, () => pool.remoteNet());
    for (const r of more) pool.settle(r);
    const last = pool.remoteNet();
    expect(pool.settle(last)).toBe(false);
    for (const r of [...more, last]) pool.close(r);
  });
});
