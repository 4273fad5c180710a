// matMul over the last two axes with broadcast batch axes (tfjs's batchMatMul), and the products built on it.
import { BlasnetError } from '../../errors';
import { convertToTensor } from '../convert';
import { Tensor } from '../../tensor';
import type { TensorLike } from '../../tensor/types';
import { broadcastShapes, makeArray, sizeFromShape, upcastType } from '../../tensor/types';
import { broadcastValues } from './kernels';
import { op } from './op';

type Arg = Tensor | TensorLike;

export const matMul = op('matMul', <T extends Tensor>(a: T | TensorLike, b: Arg, transposeA = false, transposeB = false): T => {
  const x = convertToTensor(a, 'a', 'matMul'), y = convertToTensor(b, 'b', 'matMul');
  if (x.rank < 2 || y.rank < 2) {
    throw new BlasnetError('ERR_SHAPE_MISMATCH', `Error in matMul: inputs must have rank at least 2, got ranks ${x.rank} and ${y.rank}.`);
  }
  const m = x.shape[x.rank - (transposeA ? 1 : 2)]!, kA = x.shape[x.rank - (transposeA ? 2 : 1)]!;
  const kB = y.shape[y.rank - (transposeB ? 1 : 2)]!, n = y.shape[y.rank - (transposeB ? 2 : 1)]!;
  if (kA !== kB) {
    throw new BlasnetError('ERR_SHAPE_MISMATCH', `Error in matMul: inner shapes (${kA}) and (${kB}) of Tensors with shapes ` +
      `${x.shape} and ${y.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
  }
  const batchShape = broadcastShapes(x.shape.slice(0, -2), y.shape.slice(0, -2), 'matMul');
  const batch = sizeFromShape(batchShape);
  const av = broadcastValues(x, [...batchShape, x.shape[x.rank - 2]!, x.shape[x.rank - 1]!]);
  const bv = broadcastValues(y, [...batchShape, y.shape[y.rank - 2]!, y.shape[y.rank - 1]!]);
  const dtype = upcastType(x.dtype, y.dtype);
  const out = makeArray(dtype, batch * m * n);
  // Row i of the result accumulates in doubles (as tfjs's CPU kernel), one pass over k per row.
  const acc = new Float64Array(n);
  const aRow = transposeA ? 1 : kA, aCol = transposeA ? m : 1;
  const bRow = transposeB ? 1 : n, bCol = transposeB ? kB : 1;
  for (let p = 0; p < batch; p++) {
    const ao = p * m * kA, bo = p * kB * n, oo = p * m * n;
    for (let i = 0; i < m; i++) {
      acc.fill(0);
      for (let k = 0; k < kA; k++) {
        const av0 = av[ao + i * aRow + k * aCol]!;
        if (av0 === 0) continue;
        const bBase = bo + k * bRow;
        for (let j = 0; j < n; j++) acc[j]! += av0 * bv[bBase + j * bCol]!;
      }
      for (let j = 0; j < n; j++) out[oo + i * n + j] = acc[j]!;
    }
  }
  return new Tensor(out, [...batchShape, m, n], dtype) as T;
});

/** Dot product of vectors / matrix-vector / matrix products, as tfjs's dot for ranks 1 and 2. */
export const dot = op('dot', (a: Arg, b: Arg): Tensor => {
  const x = convertToTensor(a, 't1', 'dot'), y = convertToTensor(b, 't2', 'dot');
  if (x.rank > 2 || y.rank > 2 || x.rank === 0 || y.rank === 0) {
    throw new BlasnetError('ERR_SHAPE_MISMATCH', `Error in dot: inputs must be rank 1 or 2, got ranks ${x.rank} and ${y.rank}.`);
  }
  const x2 = x.rank === 1 ? new Tensor(x.dataId, [1, x.size], x.dtype) : x;
  const y2 = y.rank === 1 ? new Tensor(y.dataId, [y.size, 1], y.dtype) : y;
  const r = matMul(x2, y2);
  const shape = [...(x.rank === 2 ? [x.shape[0]!] : []), ...(y.rank === 2 ? [y.shape[1]!] : [])];
  return new Tensor(r.dataId, shape, r.dtype);
});
