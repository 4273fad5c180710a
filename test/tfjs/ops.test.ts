// Conformance of the tensor ops: each script runs on real @tensorflow/tfjs (CPU backend) and on blasnet,
// on awkward shapes, broadcasts, dtypes, NaN and infinities; dtype, shape, values (1e-6) and the memory()
// counts it leaves must agree, and where tfjs throws blasnet throws a BlasnetError.
import { beforeAll, describe, expect, it } from 'vitest';
import { BlasnetError } from '../../lib/errors';
import { conform, expectClose, oursTf, plain, realTf, vals, type TF } from './helpers';

beforeAll(async () => { await realTf.setBackend('cpu'); });

const A = (tf: TF) => tf.tensor(vals(24, 3), [2, 3, 4]);
const B = (tf: TF) => tf.tensor(vals(12, 5), [3, 4]);
const M = (tf: TF) => tf.tensor2d(vals(6, 7), [2, 3]);
const I = (tf: TF) => tf.tensor1d([3, -7, 0, 12, 5], 'int32');
const SPECIAL = (tf: TF) => tf.tensor1d([NaN, Infinity, -Infinity, 0, -0, 1e-30, -2.5, 0.5, 1.5]);

type Case = [string, (tf: TF) => unknown];

const creation: Case[] = [
  ['tensor nested', (tf) => tf.tensor([[1, 2.5], [3, 4]])],
  ['tensor flat with shape', (tf) => tf.tensor([1, 2, 3, 4, 5, 6], [3, 1, 2])],
  ['tensor nested with shape', (tf) => tf.tensor([[1, 2], [3, 4]], [4])],
  ['tensor Float32Array', (tf) => tf.tensor(new Float32Array([1, 2]))],
  ['tensor Int32Array', (tf) => tf.tensor(new Int32Array([1, 2]))],
  ['tensor Uint8Array is int32', (tf) => tf.tensor(new Uint8Array([1, 200]))],
  ['tensor booleans', (tf) => tf.tensor([true, false, true])],
  ['tensor bool from numbers', (tf) => tf.tensor([0.4, 0.6, 2, -3], [4], 'bool')],
  ['tensor int32 truncates', (tf) => tf.tensor([1.7, -1.7, 2.5], [3], 'int32')],
  ['tensor array of typed arrays', (tf) => tf.tensor([new Float32Array([1, 2]), new Float32Array([3, 4])])],
  ['tensor scalar value', (tf) => tf.tensor(3.5)],
  ['tensor empty', (tf) => tf.tensor([], [0, 3])],
  ['tensor size mismatch throws', (tf) => tf.tensor([1, 2, 3], [2, 2])],
  ['scalar', (tf) => [tf.scalar(3), tf.scalar(2, 'int32'), tf.scalar(true)]],
  ['scalar of an array throws', (tf) => tf.scalar([1] as never)],
  ['tensor1d', (tf) => tf.tensor1d([1, 2, 3], 'int32')],
  ['tensor1d of nested throws', (tf) => tf.tensor1d([[1]] as never)],
  ['tensor2d', (tf) => [tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2])]],
  ['tensor2d flat without shape throws', (tf) => tf.tensor2d([1, 2, 3, 4])],
  ['tensor3d', (tf) => tf.tensor3d([[[1], [2]], [[3], [4]]])],
  ['tensor4d', (tf) => tf.tensor4d(vals(16), [2, 2, 2, 2])],
  ['zeros ones fill', (tf) => [tf.zeros([2, 0, 3]), tf.ones([2, 2], 'int32'), tf.fill([3], 7), tf.fill([2], 3, 'int32'), tf.zeros([])]],
  ['zerosLike onesLike', (tf) => [tf.zerosLike(I(tf)), tf.onesLike(M(tf))]],
  ['range', (tf) => [tf.range(0, 5), tf.range(0, 1, 0.3), tf.range(5, 0, -2), tf.range(5, 0), tf.range(0, 5, -1), tf.range(1, 10, 3, 'int32'), tf.range(2, 2)]],
  ['range step 0 throws', (tf) => tf.range(0, 5, 0)],
  ['linspace', (tf) => [tf.linspace(0, 1, 4), tf.linspace(-3, 9, 7), tf.linspace(5, 5, 1)]],
  ['oneHot', (tf) => [tf.oneHot(tf.tensor1d([0, 2, 1], 'int32'), 3), tf.oneHot([0, 2, -1, 5], 3, 5, 1),
    tf.oneHot(tf.tensor2d([[0, 1], [2, 0]], [2, 2], 'int32'), 3)]],
  ['oneHot float indices throw', (tf) => tf.oneHot(tf.tensor1d([0, 1]), 2)],
  ['randomUniform seeded', (tf) => [tf.randomUniform([3, 4], 0, 1, 'float32', 42), tf.randomUniform([5], -3, 7, 'float32', 'seed'),
    tf.randomUniform([6], 0, 10, 'int32', 7)]],
  ['randomNormal seeded', (tf) => [tf.randomNormal([3, 3], 0, 1, 'float32', 42), tf.randomNormal([5], 2, 0.5, 'float32', 3),
    tf.randomNormal([4], 0, 3, 'int32', 5)]],
  ['truncatedNormal seeded', (tf) => tf.truncatedNormal([50], 1, 2, 'float32', 11)],
  ['eye', (tf) => [tf.eye(3), tf.eye(2, 3)]],
];

const binaryOps = ['add', 'sub', 'mul', 'div', 'pow', 'minimum', 'maximum', 'squaredDifference', 'mod', 'floorDiv'];
const comparisons = ['equal', 'notEqual', 'greater', 'greaterEqual', 'less', 'lessEqual'];
const elementwise: Case[] = [
  ...binaryOps.flatMap((op): Case[] => [
    [`${op} same shape`, (tf) => tf[op](M(tf), tf.tensor2d(vals(6, 9), [2, 3]))],
    [`${op} broadcast [2,3,4] x [3,4]`, (tf) => tf[op](A(tf), B(tf))],
    [`${op} broadcast [2,1,3] x [4,1]`, (tf) => tf[op](tf.tensor(vals(6, 2), [2, 1, 3]), tf.tensor(vals(4, 4), [4, 1]))],
    [`${op} broadcast [3] x [2,3] reversed`, (tf) => tf[op](tf.tensor1d([1, -2, 3.5]), M(tf))],
    [`${op} with a JS number`, (tf) => [tf[op](M(tf), 2), tf[op](3, M(tf))]],
    [`${op} int32 x int32`, (tf) => tf[op](I(tf), tf.tensor1d([2, 3, -4, 5, 2], 'int32'))],
    [`${op} int32 x float32`, (tf) => tf[op](I(tf), tf.tensor1d([1.5, 2, -0.5, 4, 2]))],
    [`${op} int32 x number`, (tf) => tf[op](I(tf), 2)],
    [`${op} special values`, (tf) => tf[op](SPECIAL(tf), tf.tensor1d([1, 2, NaN, -1, 0, Infinity, 3, -0.5, 2]))],
    [`${op} empty broadcast`, (tf) => tf[op](tf.zeros([0, 3]), tf.ones([3]))],
    [`${op} incompatible shapes throw`, (tf) => tf[op](tf.ones([2, 3]), tf.ones([4]))],
  ]),
  ...comparisons.flatMap((op): Case[] => [
    [`${op} broadcast`, (tf) => tf[op](A(tf), tf.tensor1d([0, 0.5, -1, 2]))],
    [`${op} int vs float`, (tf) => tf[op](I(tf), tf.tensor1d([3, -7.5, 0, 11, 5]))],
    [`${op} special`, (tf) => tf[op](SPECIAL(tf), 0)],
  ]),
  ['logicalAnd/Or/Xor/Not', (tf) => {
    const a = tf.tensor1d([1, 0, 1, 0], 'bool'), b = tf.tensor2d([[1, 1, 0, 0]], [1, 4], 'bool');
    return [tf.logicalAnd(a, b), tf.logicalOr(a, b), tf.logicalXor(a, b), tf.logicalNot(a), tf.logicalAnd(a, 1)];
  }],
  ['logicalAnd of int32 throws', (tf) => tf.logicalAnd(I(tf), I(tf))],
  ['where broadcast', (tf) => tf.where(tf.tensor1d([1, 0, 1], 'bool'), M(tf), tf.zeros([3]))],
  ['where numbers as condition', (tf) => tf.where([1, 0, 1], tf.tensor1d([1, 2, 3]), tf.tensor1d([9, 8, 7]))],
  ['where int/float', (tf) => tf.where(tf.tensor1d([0, 1, 0, 1, 1], 'bool'), I(tf), tf.tensor1d([0.5, 1, 2, 3, 4]))],
  ['clipByValue', (tf) => [tf.clipByValue(M(tf), -0.5, 0.5), tf.clipByValue(I(tf), 0, 4), tf.clipByValue(SPECIAL(tf), -1, 1)]],
  ['clipByValue min > max throws', (tf) => tf.clipByValue(M(tf), 1, 0)],
  ...['square', 'sqrt', 'exp', 'log', 'abs', 'neg', 'sigmoid', 'relu', 'relu6', 'tanh', 'floor', 'ceil', 'round', 'sign', 'reciprocal',
    'log1p', 'rsqrt', 'expm1', 'elu', 'selu', 'softplus', 'sin', 'cos', 'isNaN', 'isFinite', 'isInf', 'leakyRelu', 'step', 'logSigmoid']
    .flatMap((op): Case[] => [
      [`${op} float`, (tf) => tf[op](tf.tensor(vals(12, 13).map((v) => v * 3), [3, 4]))],
      [`${op} special`, (tf) => tf[op](SPECIAL(tf))],
      [`${op} int32`, (tf) => tf[op](I(tf))],
    ]),
  ['round half to even', (tf) => tf.round(tf.tensor1d([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999, 3.5]))],
  ['softplus large and small', (tf) => tf.softplus(tf.tensor1d([-100, -20, -5, 0, 5, 20, 100]))],
];

const reductions: Case[] = [
  ...['sum', 'mean', 'min', 'max', 'prod'].flatMap((op): Case[] => [
    [`${op} all`, (tf) => tf[op](A(tf))],
    [`${op} axis 1`, (tf) => tf[op](A(tf), 1)],
    [`${op} axis -1 keepDims`, (tf) => tf[op](A(tf), -1, true)],
    [`${op} axes [0, 2]`, (tf) => tf[op](A(tf), [0, 2])],
    [`${op} axes [2, 0] keepDims`, (tf) => tf[op](A(tf), [2, 0], true)],
    [`${op} int32`, (tf) => tf[op](tf.tensor2d([[1, 2, 3], [4, 5, -6]], [2, 3], 'int32'), 0)],
    [`${op} bool`, (tf) => tf[op](tf.tensor1d([1, 0, 1], 'bool'))],
    [`${op} with NaN`, (tf) => tf[op](SPECIAL(tf).slice([0], [1]).concat(tf.tensor1d([1, 2])))],
    [`${op} scalar`, (tf) => tf[op](tf.scalar(3))],
    [`${op} bad axis throws`, (tf) => tf[op](A(tf), 3)],
  ]),
  ['sum mean of empty', (tf) => [tf.sum(tf.zeros([0])), tf.mean(tf.zeros([0])), tf.sum(tf.zeros([2, 0]), 1)]],
  ...['argMax', 'argMin'].flatMap((op): Case[] => [
    [`${op} default axis`, (tf) => tf[op](A(tf))],
    [`${op} axis -1`, (tf) => tf[op](A(tf), -1)],
    [`${op} ties take the first`, (tf) => tf[op](tf.tensor1d([3, 1, 3, 1]))],
    [`${op} NaN`, (tf) => tf[op](tf.tensor1d([1, NaN, 3, -1]))],
    [`${op} int32`, (tf) => tf[op](I(tf))],
  ]),
  ['moments', (tf) => [tf.moments(A(tf)), tf.moments(A(tf), 0), tf.moments(A(tf), [0, 2], true), tf.moments(I(tf))]],
  ['norm', (tf) => [tf.norm(M(tf)), tf.norm(M(tf), 1), tf.norm(M(tf), Infinity), tf.norm(M(tf), -Infinity), tf.norm(M(tf), 2, 1),
    tf.norm(M(tf), 'euclidean', 0, true), tf.norm(M(tf), 'fro', [0, 1]), tf.norm(M(tf), 1, [0, 1]), tf.norm(M(tf), Infinity, [0, 1]),
    tf.norm(A(tf), 'euclidean', -1), tf.norm(tf.scalar(-3))]],
  ['norm of int32 throws', (tf) => tf.norm(I(tf))],
  ['topk', (tf) => [tf.topk(M(tf)), tf.topk(A(tf), 3), tf.topk(tf.tensor1d([1, 3, 3, 2]), 3), tf.topk(I(tf), 2)]],
  ['topk k too large throws', (tf) => tf.topk(M(tf), 4)],
  ['softmax logSoftmax logSumExp', (tf) => [tf.softmax(A(tf)), tf.logSoftmax(M(tf)), tf.logSumExp(A(tf), 1), tf.logSumExp(M(tf), null, true),
    tf.softmax(tf.tensor1d([1000, 1000, -1000]))]],
  ['softmax of int32 throws', (tf) => tf.softmax(I(tf))],
  ['any all', (tf) => [tf.any(tf.tensor2d([[1, 0], [0, 0]], [2, 2], 'bool'), 1), tf.all(tf.tensor2d([[1, 1], [0, 1]], [2, 2], 'bool'), 0), tf.all([1, 0])]],
];

const shapes: Case[] = [
  ['reshape', (tf) => [tf.reshape(A(tf), [4, -1]), A(tf).reshape([24]), tf.reshape(tf.scalar(2), [1, 1])]],
  ['reshape bad size throws', (tf) => tf.reshape(A(tf), [5, -1])],
  ['flatten, reshapeAs, as2D', (tf) => [A(tf).flatten(), A(tf).reshapeAs(tf.zeros([6, 4])), A(tf).as2D(3, 8), tf.scalar(1).as1D()]],
  ['expandDims', (tf) => [tf.expandDims(M(tf)), tf.expandDims(M(tf), -1), tf.expandDims(M(tf), 1), tf.expandDims(tf.scalar(3))]],
  ['squeeze', (tf) => [tf.squeeze(tf.zeros([1, 3, 1])), tf.squeeze(tf.zeros([1, 3, 1]), [2]), tf.squeeze(tf.zeros([1, 1]))]],
  ['squeeze a dim that is not 1 throws', (tf) => tf.squeeze(tf.zeros([1, 3, 1]), [1])],
  ['slice', (tf) => [tf.slice(A(tf), [1, 0, 1], [1, 2, 3]), tf.slice(A(tf), 1), tf.slice(A(tf), [0, 1]), tf.slice(A(tf), [0, 1, 2], [-1, 1, -1]),
    M(tf).slice([0, 1], [2, 2]), tf.slice(M(tf), [1], [1]), tf.slice(M(tf), [0, 3], [2, 0])]],
  ['slice out of range throws', (tf) => tf.slice(M(tf), [1, 1], [2, 2])],
  ['gather', (tf) => [tf.gather(M(tf), [1, 0, 1]), tf.gather(A(tf), tf.tensor1d([3, 0], 'int32'), 2), tf.gather(A(tf), [[0, 2], [1, 1]], 1),
    tf.gather(M(tf), tf.tensor2d([[2], [0]], [2, 1], 'int32'), 1, 1), tf.gather(I(tf), [4, 4, 0])]],
  ['transpose', (tf) => [tf.transpose(M(tf)), tf.transpose(A(tf)), tf.transpose(A(tf), [2, 0, 1]), I(tf).transpose()]],
  ['cast toFloat toInt toBool', (tf) => [tf.cast(tf.tensor1d([1.7, -1.7, 2.5, 0]), 'int32'), tf.cast(tf.tensor1d([0.3, 0, -1, NaN]), 'bool'),
    tf.cast(tf.tensor1d([1, 0], 'bool'), 'float32'), I(tf).toFloat(), M(tf).toInt(), M(tf).toBool(), tf.cast(M(tf), 'float32')]],
  ['concat', (tf) => [tf.concat([M(tf), M(tf).add(1)]), tf.concat([M(tf), tf.zeros([2, 1])], 1), tf.concat([M(tf), M(tf)], -1),
    tf.concat([I(tf), tf.tensor1d([1.5])]), tf.concat([M(tf)]), M(tf).concat(tf.ones([1, 3])), tf.concat([tf.zeros([0, 3]), M(tf)])]],
  ['concat mismatched shapes throws', (tf) => tf.concat([M(tf), tf.zeros([2, 2])])],
  ['stack unstack', (tf) => [tf.stack([M(tf), M(tf).mul(2)]), tf.stack([tf.tensor1d([1, 2]), tf.tensor1d([3, 4])], 1), tf.stack([tf.scalar(1), tf.scalar(2)]),
    tf.unstack(A(tf)), tf.unstack(A(tf), 2)]],
  ['stack of mixed dtypes throws', (tf) => tf.stack([I(tf), tf.zeros([5])])],
  ['split', (tf) => [tf.split(A(tf), 2), tf.split(A(tf), [1, -1, 1], 2), tf.split(tf.tensor1d([1, 2, 3, 4, 5, 6]), [1, -1, 2]), M(tf).split(3, 1)]],
  ['split uneven throws', (tf) => tf.split(A(tf), 3, 2)],
  ['tile reverse broadcastTo', (tf) => [tf.tile(M(tf), [2, 3]), tf.tile(I(tf), [2]), tf.reverse(A(tf)), tf.reverse(A(tf), [0, 2]), tf.reverse(M(tf), -1),
    tf.broadcastTo(tf.tensor1d([1, 2, 3]), [2, 3]), tf.broadcastTo(tf.scalar(5), [2, 2])]],
];

const products: Case[] = [
  ['matMul', (tf) => [tf.matMul(M(tf), tf.tensor2d(vals(12, 17), [3, 4])), tf.matMul(M(tf), M(tf), false, true), tf.matMul(M(tf), M(tf), true, false),
    tf.matMul(tf.tensor2d(vals(6, 2), [3, 2]), M(tf), true, true)]],
  ['matMul batched and broadcast', (tf) => [tf.matMul(A(tf), tf.tensor2d(vals(20, 4), [4, 5])), tf.matMul(tf.ones([2, 2, 3]), tf.ones([1, 3, 4])),
    tf.matMul(tf.tensor(vals(12, 8), [2, 2, 3]), tf.tensor(vals(12, 9), [3, 4]))]],
  ['matMul int32', (tf) => tf.matMul(tf.tensor2d([[1, 2], [3, 4]], [2, 2], 'int32'), tf.tensor2d([[5], [6]], [2, 1], 'int32'))],
  ['matMul long inner dimension', (tf) => tf.matMul(tf.tensor2d(vals(3 * 300, 21), [3, 300]), tf.tensor2d(vals(300 * 2, 22), [300, 2]))],
  ['matMul inner mismatch throws', (tf) => tf.matMul(M(tf), M(tf))],
  ['dot', (tf) => [tf.dot(tf.tensor1d([1, 2, 3]), tf.tensor1d([4, 5, 6])), tf.dot(M(tf), tf.tensor1d([1, 0, 2])), tf.dot(tf.tensor1d([1, 2]), M(tf))]],
];

const chained: Case[] = [
  ['chained arithmetic', (tf) => M(tf).add(1).mul(M(tf)).sub(0.5).div(2).square().sqrt().sum(1)],
  ['chained reductions and comparisons', (tf) => [A(tf).mean(0).max(-1), A(tf).greater(0).sum(), A(tf).argMax(1), A(tf).abs().min()]],
  ['normalization by hand', (tf) => {
    const x = tf.tensor2d(vals(40, 31), [10, 4]);
    const { mean, variance } = tf.moments(x, 0);
    return x.sub(mean).div(variance.sqrt().add(1e-7));
  }],
  ['min-max scaling', (tf) => {
    const x = tf.tensor2d(vals(30, 37), [10, 3]);
    const lo = x.min(0), hi = x.max(0);
    return x.sub(lo).div(hi.sub(lo));
  }],
];

const printing: Case[] = [
  ['toString', (tf) => [tf.scalar(0.1).toString(), tf.scalar(3, 'int32').toString(), tf.tensor1d([1, 0, 1], 'bool').toString(),
    tf.range(0, 25).toString(), tf.range(0, 50).reshape([25, 2]).toString(), tf.ones([2, 2, 2]).toString(), M(tf).toString(true),
    tf.tensor([[1.123456789, -2], [3e-9, 1e10]]).toString(), tf.zeros([2, 0]).toString(), tf.range(0, 3 * 22 * 2).reshape([3, 22, 2]).toString(),
    tf.tensor1d([NaN, Infinity, -0]).toString()]],
  ['arraySync and array shapes', (tf) => [tf.scalar(2).arraySync(), M(tf).arraySync(), A(tf).arraySync(), tf.zeros([2, 0]).arraySync(),
    tf.tensor1d([1, 0], 'bool').arraySync(), tf.tensor4d(vals(4), [1, 1, 2, 2]).arraySync()]],
];

describe('tfjs ops conform to @tensorflow/tfjs', () => {
  for (const [group, cases] of [['creation', creation], ['element-wise', elementwise], ['reductions', reductions], ['shapes', shapes],
    ['products', products], ['chained', chained], ['printing', printing]] as const) {
    describe(group, () => {
      it.each(cases)('%s', (name, script) => conform(name, script, { memory: !name.includes('throws') }));
    });
  }
});

describe('where blasnet deliberately differs from tfjs', () => {
  it('a ragged nested array is an error (tfjs silently makes a tensor with too few values)', () => {
    expect(realTf.tensor([[1, 2], [3]]).dataSync().length).toBe(3);
    expect(() => oursTf.tensor([[1, 2], [3]])).toThrow(BlasnetError);
    expect(() => oursTf.tensor([[1, 2], [3]])).toThrow('Element values[1] should have 2 elements, but has 1 elements');
  });

  it('matMul broadcasts several batch axes at once (tfjs 4.22 returns a [2,3,2,4] tensor holding 24 values)', () => {
    const a = vals(2 * 2 * 3, 41), b = vals(3 * 3 * 4, 42);
    const r = oursTf.matMul(oursTf.tensor(a, [2, 1, 2, 3]), oursTf.tensor(b, [3, 3, 4]));
    expect(r.shape).toEqual([2, 3, 2, 4]);
    // Each batch (i, j) is the plain product of a[i] and b[j], checked against tfjs's 2-D matMul.
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) {
        const want = realTf.matMul(realTf.tensor(a.slice(i * 6, i * 6 + 6), [2, 3]), realTf.tensor(b.slice(j * 12, j * 12 + 12), [3, 4]));
        expectClose(plain(r.slice([i, j, 0, 0], [1, 1, 2, 4]).reshape([2, 4])), plain(want), `batch ${i},${j}`);
      }
    }
  });
});
