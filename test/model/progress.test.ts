// fit's verbose output: one line per epoch (verbose 2, or 1 without a TTY), a Keras-style bar on a TTY.
import { afterEach, describe, expect, it } from 'vitest';
import { layers, sequential, setSeed } from '../../lib/index';
import { getEngine } from '../../lib/engine';
import { Progress } from '../../lib/model/progress';

const x = Array.from({ length: 64 }, (_, i) => [Math.sin(i), Math.cos(i)]);
const y = x.map((r) => [r[0]! + r[1]!]);

const realWrite = process.stdout.write.bind(process.stdout);
const realTTY = process.stdout.isTTY;
afterEach(() => {
  process.stdout.write = realWrite;
  (process.stdout as { isTTY: boolean }).isTTY = realTTY;
});

function capture(tty: boolean): string[] {
  const out: string[] = [];
  (process.stdout as { isTTY: boolean }).isTTY = tty;
  process.stdout.write = ((s: string) => { out.push(String(s)); return true; }) as typeof process.stdout.write;
  return out;
}

function model() {
  setSeed(1);
  const m = sequential({ layers: [layers.dense({ units: 4, activation: 'relu', inputShape: [2] }), layers.dense({ units: 1 })] });
  m.compile({ optimizer: 'adam', loss: 'mse', metrics: ['mae'] });
  return m;
}

describe(`progress output (${getEngine().name} engine)`, () => {
  it('verbose 0 prints nothing', async () => {
    const out = capture(true);
    await model().fit(x, y, { epochs: 2, verbose: 0 });
    process.stdout.write = realWrite;
    expect(out).toEqual([]);
  });

  it('verbose 2 (and 1 without a TTY) prints one line per epoch with loss and metrics', async () => {
    for (const [verbose, tty] of [[2, true], [1, false]] as const) {
      const out = capture(tty);
      const h = await model().fit(x, y, { epochs: 3, batchSize: 16, verbose, validationSplit: 0.25 });
      process.stdout.write = realWrite;
      const lines = out.join('').trimEnd().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(/^Epoch 1\/3 - \S+ \S+\/step - loss: \d+\.\d{4} - mae: \d+\.\d{4} - val_loss: \d+\.\d{4} - val_mae: \d+\.\d{4}$/);
      expect(lines[2]).toContain(`loss: ${h.history.loss![2]!.toFixed(4)}`);
    }
  });

  it('verbose 1 on a TTY draws a bar from the engine\'s progress reports, then the epoch summary', async () => {
    const out = capture(true);
    await model().fit(x, y, { epochs: 2, batchSize: 8, verbose: 1 });
    process.stdout.write = realWrite;
    const text = out.join('');
    expect(text).toMatch(/Epoch 1\/2\n/);
    expect(text).toMatch(/\r\s*8\/8 ━+ ETA: \d+s - loss: \d+\.\d{4}/);    // at least the final onProgress report
    expect(text).toMatch(/\r8\/8 ━{30} \S+ \S+\/step - loss: \d+\.\d{4} - mae: \d+\.\d{4}\x1b\[K\n/);
  });

  it('the bar shows the fraction done and an ETA', () => {
    const writes: string[] = [];
    const p = new Progress(1, 5, 10, { isTTY: true, write: (s) => { writes.push(s); } });
    p.epochBegin(0);
    p.update(5, 2.5, 50);
    expect(writes[0]).toBe('Epoch 1/5\n');
    expect(writes[1]).toMatch(/^\r 5\/10 ━{15}╸ {14} ETA: \d+s - loss: 0\.0500\x1b\[K$/);
  });
});
