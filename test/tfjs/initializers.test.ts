// tf.initializers that tfjs programs name (leCunNormal, leCunUniform, identity, orthogonal) as
// kernelInitializer objects and names: the weights they draw have the property tfjs's have (compared
// with real @tensorflow/tfjs on the same shapes), they serialize as tfjs serializes them, a model tfjs
// saved with them loads, and a model built with them trains on this run's engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlasnetError } from '../../lib/errors';
import { getInitializer } from '../../lib/model/initializers';
import { expectClose, oursTf, plain, realTf, vals, type TF } from './helpers';

let dir: string;
beforeAll(async () => { await realTf.setBackend('cpu'); dir = mkdtempSync(join(tmpdir(), 'blasnet-init-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

/** The kernel a dense(units) layer over `inputs` columns draws with the initializer. */
function kernel(tf: TF, inputs: number, units: number, init: unknown): number[][] {
  tf.setSeed?.(7);
  const m = tf.sequential({ layers: [tf.layers.dense({ units, inputShape: [inputs], kernelInitializer: init })] });
  const w = m.getWeights()[0].arraySync() as number[][];
  m.dispose?.();
  return w;
}

/** W^T W (tall or square) or W W^T (wide): gain^2 times the identity for an orthogonal W. */
function gram(w: number[][]): number[][] {
  const rows = w.length, cols = w[0]!.length;
  const k = Math.min(rows, cols);
  return Array.from({ length: k }, (_, a) => Array.from({ length: k }, (_, b) => {
    let s = 0;
    if (rows >= cols) for (let r = 0; r < rows; r++) s += w[r]![a]! * w[r]![b]!;
    else for (let c = 0; c < cols; c++) s += w[a]![c]! * w[b]![c]!;
    return s;
  }));
}

const eyeTimes = (k: number, g: number) => Array.from({ length: k }, (_, a) => Array.from({ length: k }, (_, b) => (a === b ? g : 0)));

function expectNear(actual: number[][], expected: number[][], tol: number, where: string): void {
  actual.forEach((row, a) => row.forEach((v, b) => expect(Math.abs(v - expected[a]![b]!), `${where}[${a}][${b}] = ${v}`).toBeLessThan(tol)));
}

describe('initializers as tfjs names them', () => {
  it('identity draws gain * I as tfjs does, and refuses a kernel that is not square', () => {
    for (const gain of [1, 2.5]) {
      const theirs = kernel(realTf, 4, 4, realTf.initializers.identity({ gain }));
      const mine = kernel(oursTf, 4, 4, oursTf.initializers.identity({ gain }));
      expectClose(mine, theirs, `identity gain ${gain}`);
    }
    expectClose(kernel(oursTf, 3, 3, 'identity'), kernel(realTf, 3, 3, 'identity'), 'identity by name');
    expect(() => kernel(realTf, 3, 4, 'identity')).toThrow(/2D square/);
    expect(() => kernel(oursTf, 3, 4, 'identity')).toThrow(BlasnetError);
    expect(() => kernel(oursTf, 3, 4, 'identity')).toThrow(/2D square matrices \(got shape \[3, 4\]\)/);
  });

  it('orthogonal draws orthonormal columns (tall) or rows (wide) times gain, as tfjs does', () => {
    for (const [inputs, units, gain] of [[6, 3, 1], [3, 6, 1], [5, 5, 2], [1, 4, 1], [40, 17, 0.5]] as const) {
      for (const [tf, who] of [[realTf, 'tfjs'], [oursTf, 'blasnet']] as const) {
        const w = kernel(tf, inputs, units, tf.initializers.orthogonal({ gain }));
        expect([w.length, w[0]!.length], who).toEqual([inputs, units]);
        expectNear(gram(w), eyeTimes(Math.min(inputs, units), gain * gain), 1e-5, `${who} orthogonal ${inputs}x${units}`);
      }
    }
    // Different draws each time: a random matrix, not a fixed one.
    oursTf.setSeed(1);
    const a = kernel(oursTf, 4, 4, 'orthogonal');
    oursTf.setSeed(2);
    const m = oursTf.sequential({ layers: [oursTf.layers.dense({ units: 4, inputShape: [4], kernelInitializer: 'orthogonal' })] });
    expect(m.getWeights()[0].arraySync()).not.toEqual(a);
  });

  // tfjs's 'normal' variance scaling truncates a normal of sd sqrt(scale / fan), which leaves sd 0.88 of it;
  // blasnet draws every *Normal initializer as Keras does, corrected to the intended sd.
  it('leCunUniform draws with limit sqrt(3 / fanIn) as tfjs; leCunNormal with sd sqrt(1 / fanIn) as Keras (tfjs: 0.88 of it)', () => {
    const n = kernel(oursTf, 400, 100, oursTf.initializers.leCunNormal({})).flat();
    const sd = Math.sqrt(n.reduce((s, v) => s + v * v, 0) / n.length);
    const u = kernel(oursTf, 400, 100, oursTf.initializers.leCunUniform({})).flat();
    const limit = Math.sqrt(3 / 400);
    for (const [tf, who, wantSd] of [[realTf, 'tfjs', 0.05 * 0.87962566], [oursTf, 'blasnet', 0.05]] as const) {
      const t = kernel(tf, 400, 100, tf.initializers.leCunNormal({})).flat();
      expect(Math.abs(Math.sqrt(t.reduce((s, v) => s + v * v, 0) / t.length) - wantSd), `${who} sd`).toBeLessThan(0.0015);
      expect(Math.max(...t.map(Math.abs)), `${who} truncated at 2 sd`).toBeLessThanOrEqual(2 * 0.05 / 0.87962566 + 1e-6);
      const v = kernel(tf, 400, 100, tf.initializers.leCunUniform({})).flat();
      expect(Math.max(...v.map(Math.abs)), `${who} limit`).toBeLessThanOrEqual(limit + 1e-7);
      expect(Math.max(...v.map(Math.abs)), `${who} limit`).toBeGreaterThan(limit * 0.99);
    }
    expect(Math.abs(sd - 0.05)).toBeLessThan(0.0015);
    expect(Math.max(...u.map(Math.abs))).toBeLessThanOrEqual(limit + 1e-7);
  });

  it('serialize in model.json as tfjs writes them, and a model tfjs saved with them loads with the same weights', async () => {
    const build = (tf: TF) => tf.sequential({ layers: [
      tf.layers.dense({ units: 3, inputShape: [3], activation: 'relu', kernelInitializer: tf.initializers.identity({ gain: 2 }) }),
      tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.orthogonal({ gain: 1 }) }),
    ] });
    const theirs = build(realTf), mine = build(oursTf);
    let artifacts: TF;
    await theirs.save(realTf.io.withSaveHandler(async (a: TF) => { artifacts = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
    const inits = (topology: TF) => topology.config.layers.map((l: TF) => l.config.kernel_initializer);
    expect(inits(mine.toArtifacts().modelTopology)).toEqual(inits(artifacts.modelTopology));
    const loaded = oursTf.fromArtifacts(artifacts);
    const x = vals(12, 5);
    expectClose(plain(loaded.predict(oursTf.tensor2d(x, [4, 3]))), plain(theirs.predict(realTf.tensor2d(x, [4, 3]))), 'predict');
    // Saved and loaded again by blasnet, the initializers' configs survive.
    await mine.save(join(dir, 'm'));
    const back = await oursTf.loadModel(join(dir, 'm'));
    expect(inits(back.toArtifacts().modelTopology)).toEqual(inits(artifacts.modelTopology));
    // Through a Keras 3 archive too: written with Keras's class names, read back to the same configs.
    await mine.save(join(dir, 'm.keras'));
    const keras = await oursTf.loadModel(join(dir, 'm.keras'));
    expect(inits(keras.toArtifacts().modelTopology)).toEqual(inits(artifacts.modelTopology));
  });

  it('a model initialized with them trains on this run\'s engine', async () => {
    oursTf.setSeed(4);
    const x = oursTf.tensor2d(vals(64 * 4, 11), [64, 4]);
    const y = oursTf.tensor2d(Array.from({ length: 64 }, (_, i) => { const r = x.arraySync()[i]!; return r[0]! - 2 * r[1]! + 0.5 * r[3]!; }), [64, 1]);
    const m = oursTf.sequential({ layers: [
      oursTf.layers.dense({ units: 8, inputShape: [4], activation: 'tanh', kernelInitializer: 'orthogonal' }),
      oursTf.layers.dense({ units: 8, activation: 'tanh', kernelInitializer: oursTf.initializers.identity({}) }),
      oursTf.layers.dense({ units: 1, kernelInitializer: oursTf.initializers.leCunUniform({}) }),
    ] });
    m.compile({ optimizer: oursTf.train.adam(0.02), loss: 'meanSquaredError' });
    const h = await m.fit(x, y, { epochs: 40, batchSize: 16, verbose: 0 });
    const loss = h.history.loss as number[];
    expect(loss[39]!).toBeLessThan(0.2 * loss[0]!);
  });

  it("Keras 3's class names IdentityInitializer and OrthogonalInitializer name the same initializers", () => {
    const id = getInitializer({ className: 'IdentityInitializer', config: { gain: 3 } }, 'kernelInitializer');
    expect([id.className, Array.from(id.sample([2, 2]))]).toEqual(['Identity', [3, 0, 0, 3]]);
    const o = getInitializer({ className: 'OrthogonalInitializer', config: { gain: 1, seed: null } }, 'kernelInitializer');
    const w = o.sample([3, 2]);
    expect(o.className).toBe('Orthogonal');
    expectNear(gram([[w[0]!, w[1]!], [w[2]!, w[3]!], [w[4]!, w[5]!]]), eyeTimes(2, 1), 1e-6, 'OrthogonalInitializer');
  });

  it('bad configs are BlasnetErrors naming the argument', () => {
    expect(() => oursTf.initializers.orthogonal({ gain: 'x' as never })).toThrow(/orthogonal gain/);
    expect(() => oursTf.initializers.identity({ gain: NaN })).toThrow(/identity gain/);
    expect(() => kernel(oursTf, 3, 3, { className: 'Orthogonal', config: { gain: Infinity } })).toThrow(BlasnetError);
  });
});
