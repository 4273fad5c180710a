// `blasnet demo` (and `npm run demo`'s command) runs in seconds and reads digits at > 90% test accuracy.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getEngine } from '../../lib/engine';
import { loadModel } from '../../lib/index';
import { assertBuilt, cliAsync, tempDir } from '../helpers/cli';

const engine = getEngine().name;

describe(`blasnet demo (${engine} engine)`, () => {
  const dir = tempDir('blasnet-demo-test-');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('trains on the shipped digits, prints accuracy > 90%, the loss curve, engine and time, saves, reloads and predicts', async () => {
    assertBuilt();
    const out = path.join(dir, 'demo-model');
    const t0 = Date.now();
    const r = await cliAsync(['demo', '--out', out]);
    const secs = (Date.now() - t0) / 1000;
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const acc = Number(/Test accuracy: ([\d.]+)%/.exec(r.stdout)?.[1]);
    expect(acc).toBeGreaterThan(90);
    expect(r.stdout).toMatch(new RegExp(`Engine: ${engine}`));
    expect(r.stdout).toMatch(new RegExp(`Training took [\\d.]+ s for 30 epochs on the ${engine} engine`));
    expect(r.stdout).toMatch(/Epoch 30\/30/);                 // Keras-style per-epoch progress (no TTY: a line per epoch)
    expect(r.stdout).toMatch(/● loss {3}○ val_loss/);         // the terminal loss curve's legend
    expect(r.stdout).toMatch(/┤●/);                           // the first epoch's loss sits at the top-left of the chart
    expect(r.stdout).toContain(`Saved the model to ${out}`);
    const preds = [...r.stdout.matchAll(/true (\d) pred (\d) ([✓✗])/g)];
    expect(preds).toHaveLength(6);
    for (const p of preds) expect(p[3]).toBe(p[1] === p[2] ? '✓' : '✗');
    expect(secs).toBeLessThan(60);
    // The saved model is a real one: it loads and carries its scaler.
    const m = await loadModel(out);
    expect(m.getScaler()).not.toBeNull();
    expect(m.outputShape).toEqual([null, 10]);
    console.log(`demo on ${engine}: test accuracy ${acc}%, ${/Training took ([\d.]+) s/.exec(r.stdout)?.[1]} s training, ${secs.toFixed(1)} s in all`);
  });

  it('without --out it saves to a new temporary directory and says where', async () => {
    const r = await cliAsync(['demo', '--epochs', '2', '-q']);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(/Epoch 1\/2/);   // -q: no progress lines
    const where = /Saved the model to (\S+) /.exec(r.stdout)?.[1];
    expect(where).toBeDefined();
    expect(fs.existsSync(path.join(where!, 'model.json'))).toBe(true);
    fs.rmSync(where!, { recursive: true, force: true });
  });
});
