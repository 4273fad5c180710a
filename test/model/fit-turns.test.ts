// fit's start on the JavaScript thread comes in event-loop turns, not one block: the check of a large
// x's (and y's) values takes at most a slice per turn (a 60,000 x 784 x is ~20 ms of it), and the
// engine net is made in a turn of its own. Counted in turns (setImmediate callbacks that ran before the first epoch began),
// not in milliseconds, so a loaded machine cannot make it fail or pass.
import { describe, expect, it } from 'vitest';
import { layers, sequential } from '../../lib/index';
import { RUN_ENGINE } from '../helpers/engines';

const COLS = 64;
const SLICE = 1 << 20; // the most values checked per turn (lib/data/coerce.ts)

function model(): ReturnType<typeof sequential> {
  const m = sequential({ layers: [layers.dense({ units: 4, activation: 'relu', inputShape: [COLS] }), layers.dense({ units: 1 })] });
  m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  return m;
}

/** Counts the event-loop turns that pass until `stop()` is called. */
function turnCounter(): { turns: () => number; stop: () => void } {
  let turns = 0, running = true;
  const tick = (): void => { if (running) { turns++; setImmediate(tick); } };
  setImmediate(tick);
  return { turns: () => turns, stop: () => { running = false; } };
}

describe(`fit's start gives the event loop turns (${RUN_ENGINE} engine)`, () => {
  it('a large x is checked a slice per turn before the first epoch begins', async () => {
    const rows = (4 * SLICE) / COLS;
    const x = new Float32Array(rows * COLS).fill(0.5);
    const y = new Float32Array(rows).fill(1);
    const m = model();
    const counter = turnCounter();
    let atFirstEpoch = -1;
    await m.fit({ data: x, shape: [rows, COLS] }, { data: y, shape: [rows, 1] }, {
      epochs: 1, batchSize: rows, verbose: 0,
      callbacks: { onEpochBegin: () => { atFirstEpoch = counter.turns(); counter.stop(); } },
    });
    counter.stop();
    // 4 slices (3 turns between them) and the turns around the net's creation.
    expect(atFirstEpoch).toBeGreaterThanOrEqual(5);
    m.dispose();
  }, 60_000);

  it('a NaN in a later slice is named by its row and column, and nothing is trained', async () => {
    const rows = (3 * SLICE) / COLS;
    const x = new Float32Array(rows * COLS).fill(0.5);
    const at = 2 * SLICE + 5 * COLS + 7; // row 2 * SLICE / COLS + 5, column 7
    x[at] = NaN;
    const m = model();
    let began = false;
    await expect(m.fit({ data: x, shape: [rows, COLS] }, { data: new Float32Array(rows), shape: [rows, 1] }, {
      epochs: 1, verbose: 0, callbacks: { onTrainBegin: () => { began = true; } },
    })).rejects.toMatchObject({ code: 'ERR_NON_FINITE', message: `Expected finite numbers in x but received NaN at row ${(2 * SLICE) / COLS + 5}, column 7` });
    expect(began).toBe(false);
    // The same check for validationData's x.
    const vx = new Float32Array(4 * COLS).fill(0.5);
    vx[COLS + 3] = Infinity;
    await expect(m.fit({ data: x.subarray(0, 8 * COLS), shape: [8, COLS] }, { data: new Float32Array(8), shape: [8, 1] }, {
      epochs: 1, verbose: 0, validationData: [{ data: vx, shape: [4, COLS] }, { data: new Float32Array(4), shape: [4, 1] }],
    })).rejects.toMatchObject({ code: 'ERR_NON_FINITE', message: 'Expected finite numbers in validationData x but received Infinity at row 1, column 3' });
    m.dispose();
  }, 60_000);

  it('so is a large one-column-per-unit y, and a NaN in a later slice of it is named, nothing trained', async () => {
    const units = 64;
    const rows = (4 * SLICE) / units;
    const m = sequential({ layers: [layers.dense({ units, inputShape: [1] })] });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = { data: new Float32Array(rows), shape: [rows, 1] }; // one value per row: checked in one turn
    const y = new Float32Array(rows * units);
    const counter = turnCounter();
    let atFirstEpoch = -1;
    await m.fit(x, { data: y, shape: [rows, units] }, {
      epochs: 1, batchSize: rows, verbose: 0,
      callbacks: { onEpochBegin: () => { atFirstEpoch = counter.turns(); counter.stop(); } },
    });
    counter.stop();
    expect(atFirstEpoch).toBeGreaterThanOrEqual(5); // y's 4 slices, and the turns around the net's creation
    y[SLICE + 3 * units + 2] = NaN; // row SLICE / units + 3, column 2
    let began = false;
    await expect(m.fit(x, { data: y, shape: [rows, units] }, {
      epochs: 1, verbose: 0, callbacks: { onTrainBegin: () => { began = true; } },
    })).rejects.toMatchObject({ code: 'ERR_NON_FINITE', message: `Expected finite numbers in y but received NaN at row ${SLICE / units + 3}, column 2` });
    expect(began).toBe(false);
    m.dispose();
  }, 60_000);
});
