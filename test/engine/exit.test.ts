// process.exit() while a call runs off the JavaScript thread: the process leaves at once, with its
// exit code. On the native engine an exit during a GEMM used to hang forever in OpenBLAS's exit handler
// (a BLAS thread left busy by the engine thread); servers that exit on SIGTERM met it under load.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RUN_ENGINE } from '../helpers/engines';

const DIST = path.resolve(__dirname, '../../dist/index.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-exit-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs `body` (with bn, a 784-2048-2048-10 model m and 256 rows x) in a child of this run's engine. */
function runChild(name: string, body: string): { status: number | null; signal: string | null; ms: number; stderr: string } {
  const file = path.join(dir, `${name}.js`);
  fs.writeFileSync(file, `
    process.env.BLASNET_ENGINE = ${JSON.stringify(RUN_ENGINE)};
    const bn = require(${JSON.stringify(DIST)});
    const m = bn.sequential({ layers: [
      bn.layers.dense({ units: 2048, activation: 'relu', inputShape: [784] }),
      bn.layers.dense({ units: 2048, activation: 'relu' }),
      bn.layers.dense({ units: 10, activation: 'softmax' }),
    ] });
    const x = new Float32Array(256 * 784).map((_, i) => Math.sin(i));
    (async () => { ${body} })().catch((e) => { console.error(e); process.exit(3); });`);
  const t0 = Date.now();
  // Generous: the exit itself takes milliseconds; a hang runs into the timeout and fails.
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, signal: r.signal, ms: Date.now() - t0, stderr: r.stderr };
}

describe(`process.exit during a running call (${RUN_ENGINE})`, () => {
  it('leaves with its code while predictAsync runs', () => {
    const r = runChild('predict', `
      for (let i = 0; i < 4; i++) m.predictAsync(bn.tensor2d(x, [256, 784]));
      await new Promise((resolve) => setTimeout(resolve, 20));
      process.exit(7);`);
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(7);
  }, 90_000);

  it('leaves with its code while fit runs', () => {
    const r = runChild('fit', `
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
      const y = new Float32Array(256 * 10).map((_, i) => (i % 10 === 0 ? 1 : 0));
      m.fit(bn.tensor2d(x, [256, 784]), bn.tensor2d(y, [256, 10]), { epochs: 50, batchSize: 32, verbose: 0 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      process.exit(5);`);
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(5);
  }, 90_000);

  it('leaves with its code from a timer while a fit and a predict are queued on one model', () => {
    const r = runChild('both', `
      m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      const y = new Float32Array(256 * 10);
      m.fit(bn.tensor2d(x, [256, 784]), bn.tensor2d(y, [256, 10]), { epochs: 50, batchSize: 256, verbose: 0 }).catch(() => {});
      m.predictAsync(bn.tensor2d(x, [256, 784])).catch(() => {});
      setTimeout(() => process.exit(0), 50);`);
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
  }, 90_000);
});
