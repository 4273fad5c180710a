// Conformance of gatherND, whereAsync and booleanMaskAsync: each script runs on real @tensorflow/tfjs
// (CPU backend) and on blasnet; dtype, shape, values and the memory() counts it leaves must agree, and
// where tfjs throws (or rejects) blasnet throws (or rejects) with a BlasnetError.
import { beforeAll, describe, expect, it } from 'vitest';
import { BlasnetError } from '../../lib/errors';
import { conform, expectClose, oursTf, plain, realTf, vals, type TF } from './helpers';

beforeAll(async () => { await realTf.setBackend('cpu'); });

type Case = [string, (tf: TF) => unknown];
const A = (tf: TF) => tf.tensor(vals(24, 3), [2, 3, 4]);
const M = (tf: TF) => tf.tensor2d([[1, 2], [3, 4]]);

const gathers: Case[] = [
  ['gatherND elements', (tf) => tf.gatherND(M(tf), [[1, 0], [0, 1]])],
  ['gatherND rows', (tf) => [tf.gatherND(M(tf), tf.tensor2d([[1], [0]], [2, 1], 'int32')), tf.gatherND(M(tf), [1])]],
  ['gatherND 3-D slices and nested index batches', (tf) => [tf.gatherND(A(tf), [[1, 2], [0, 0], [1, 0]]), tf.gatherND(A(tf), [[[0, 1, 3]], [[1, 2, 0]]]),
    tf.gatherND(A(tf), [[[1]], [[0]]])]],
  ['gatherND int32 and bool', (tf) => [tf.gatherND(tf.tensor1d([5, 6, 7], 'int32'), [[2], [0]]), tf.gatherND(tf.tensor1d([1, 0, 1], 'bool'), [[1]])]],
  ['gatherND no tuples', (tf) => tf.gatherND(A(tf), tf.zeros([0, 2], 'int32'))],
  ['gatherND out of range throws', (tf) => tf.gatherND(M(tf), [[2, 0]])],
  ['gatherND float indices throws', (tf) => tf.gatherND(M(tf), tf.tensor1d([1, 0]))],
  ['gatherND tuple longer than the rank throws', (tf) => tf.gatherND(M(tf), [[0, 0, 0]])],
];

/** The async op's result (or rejection) and memory() change on both libraries, compared as conform() does. */
async function conformAsync(name: string, script: (tf: TF) => Promise<unknown>): Promise<void> {
  const outcome = async (tf: TF) => {
    const before = tf.memory();
    let result: unknown, error: unknown;
    try { result = plain(await script(tf)); } catch (e) { error = e; }
    const after = tf.memory();
    return { result, error, tensors: after.numTensors - before.numTensors, buffers: after.numDataBuffers - before.numDataBuffers };
  };
  const theirs = await outcome(realTf), mine = await outcome(oursTf);
  if (theirs.error !== undefined) { expect(mine.error, `${name}: tfjs rejects, so must blasnet`).toBeInstanceOf(BlasnetError); return; }
  if (mine.error !== undefined) throw mine.error;
  expectClose(mine.result, theirs.result, name);
  expect([mine.tensors, mine.buffers], `${name}: memory() change`).toEqual([theirs.tensors, theirs.buffers]);
}

const asyncs: Array<[string, (tf: TF) => Promise<unknown>]> = [
  ['whereAsync 2-D', (tf) => tf.whereAsync(tf.tensor2d([[1, 0], [1, 1]], [2, 2], 'bool'))],
  ['whereAsync 3-D and none true', async (tf) => [await tf.whereAsync(A(tf).greater(0.5)), await tf.whereAsync(tf.zeros([3], 'bool'))]],
  ['whereAsync of float32 rejects', (tf) => tf.whereAsync(tf.tensor1d([1, 0]))],
  ['booleanMaskAsync rows', (tf) => tf.booleanMaskAsync(tf.tensor2d([[1, 2], [3, 4], [5, 6]]), tf.tensor1d([1, 0, 1], 'bool'))],
  ['booleanMaskAsync along axis 1 and with a 2-D mask', async (tf) => {
    const x = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
    return [await tf.booleanMaskAsync(x, tf.tensor1d([0, 1], 'bool'), 1), await tf.booleanMaskAsync(x, tf.tensor2d([[1, 0], [0, 1]], [2, 2], 'bool')),
      await tf.booleanMaskAsync(A(tf), A(tf).sum(-1).greater(0))];
  }],
  ['booleanMaskAsync int32, nothing picked', async (tf) => [await tf.booleanMaskAsync(tf.tensor1d([4, 5, 6], 'int32'), tf.tensor1d([0, 1, 1], 'bool')),
    await tf.booleanMaskAsync(tf.tensor1d([4, 5]), tf.tensor1d([0, 0], 'bool'))]],
  ['booleanMaskAsync mask shape mismatch rejects', (tf) => tf.booleanMaskAsync(tf.tensor1d([1, 2]), tf.tensor1d([1, 0, 1], 'bool'))],
  ['booleanMaskAsync scalar mask rejects', (tf) => tf.booleanMaskAsync(tf.tensor1d([1, 2]), tf.scalar(true))],
];

describe('gatherND, whereAsync and booleanMaskAsync against real @tensorflow/tfjs', () => {
  for (const [name, script] of gathers) it(name, () => conform(name, script, { memory: !name.includes('throws') }));
  for (const [name, script] of asyncs) it(name, () => conformAsync(name, script));
});

describe('where blasnet is stricter than tfjs', () => {
  it('gatherND checks every index of a tuple (tfjs checks only the flat offset, so [0, 2] of a 2x2 reads [1, 0])', () => {
    expect(Array.from(realTf.gatherND(realTf.tensor2d([[1, 2], [3, 4]]), [[0, 2]]).dataSync())).toEqual([3]);
    expect(() => oursTf.gatherND(oursTf.tensor2d([[1, 2], [3, 4]]), [[0, 2]])).toThrow(/Invalid indices: 0,2 does not index into 2,2/);
    expect(() => oursTf.gatherND(oursTf.tensor2d([[1, 2], [3, 4]]), [[0, -1]])).toThrow(BlasnetError);
  });
});
