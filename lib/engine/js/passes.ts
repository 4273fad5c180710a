// One batch through the net: the forward pass, the loss, the backward pass and the update (SPEC.md
// "One training step", steps 2 to 9). native/core/net_passes.cc is the same code in C++.
import { actBackward, actForwardNoBias } from './activations';
import {
  batchNormBackwardInfer, batchNormBackwardTrain, batchNormForwardInfer, batchNormForwardTrain, batchNormUpdateMoving,
  denseBackward, denseForward, denseMaxNorm, dropoutBackward, dropoutForward, layerNormBackward, layerNormForward,
} from './layers';
import { lossEval } from './losses';
import type { NetState } from './net-state';
import { optimizerUpdate, scheduleLr } from './optimizers';
import { regularizationForward } from './regularizers';

/** X[n, inputDim] -> the last layer's out[n, outputDim] (returned); every layer keeps what its backward needs. */
export function forward(net: NetState, X: Float32Array, n: number, training: boolean, step: number): Float32Array {
  let input = X;
  const layers = net.spec.layers;
  for (let l = 0; l < layers.length; l++) {
    const layer = layers[l]!;
    const p = net.layerParams[l]!;
    const buf = net.buffers[l]!;
    buf.input = input;
    switch (layer.kind) {
      case 'dense': {
        const A = layer.activation.id === 'linear' ? buf.preact : buf.output;
        // Inference keeps the kernel in the row kernel's memory; training rewrites it every step.
        denseForward(n, layer.inputDim, layer.units, input, p.kernel!, p.bias, layer.activation, buf.preact, A,
          training ? null : net.kernelTag(l));
        buf.preactIn = buf.preact;
        buf.out = A;
        break;
      }
      case 'activation':
        actForwardNoBias(layer.activation, n, layer.dim, input, buf.output);
        buf.preactIn = input;
        buf.out = buf.output;
        break;
      case 'dropout':
        if (training && layer.rate > 0) {
          dropoutForward(n, layer.dim, input, layer.rate, layer.seed, step, buf.dropoutMask, buf.output);
          buf.out = buf.output;
        } else {
          buf.out = input; // identity: no copy
        }
        break;
      case 'batchNormalization':
        buf.batchStats = training && layer.trainable;
        if (buf.batchStats) {
          batchNormForwardTrain(n, layer.dim, input, p.gamma, p.beta, layer.epsilon, buf.mean, buf.variance, buf.xhat, buf.output);
        } else {
          batchNormForwardInfer(n, layer.dim, input, p.gamma, p.beta, p.movingMean!, p.movingVariance!, layer.epsilon, buf.output);
        }
        buf.out = buf.output;
        break;
      case 'layerNormalization':
        layerNormForward(n, layer.dim, input, p.gamma, p.beta, layer.epsilon, buf.rstd, buf.xhat, buf.output);
        buf.out = buf.output;
        break;
    }
    input = buf.out;
  }
  return input;
}

/**
 * sum_i w_i l_i of the last forward for labels Y[n, labelDim] and w[n] (or null); its gradient (times
 * 1/n) into the last layer's gradOutput when wantGrad. The fused losses take the pre-activation as logits.
 */
export function dataLoss(net: NetState, Y: Float32Array, w: Float32Array | null, n: number, wantGrad: boolean,
  rowIds: ArrayLike<number>): number {
  const last = net.buffers[net.buffers.length - 1]!;
  const fused = net.lossFused();
  const P = fused ? last.preactIn : last.out;
  return lossEval(net.spec.loss, fused || net.spec.loss.fromLogits, n, net.outputDim, P, Y, w,
    wantGrad ? last.gradOutput : null, rowIds);
}

/** The batch loss of the last forward: data loss / n + penalty. */
export function loss(net: NetState, Y: Float32Array, w: Float32Array | null, n: number, wantGrad: boolean,
  rowIds: ArrayLike<number>): number {
  return dataLoss(net, Y, w, n, wantGrad, rowIds) / n + regularizationForward(net.trained, net.params);
}

/**
 * From the last layer's gradOutput (the loss gradient) back to the first layer: every parameter gradient
 * into net.grads (zeros for frozen layers), each layer's input gradient into the gradOutput of the layer
 * before it.
 */
export function backward(net: NetState, n: number): void {
  const fused = net.lossFused();
  const layers = net.spec.layers;
  for (let l = layers.length - 1; l >= 0; l--) {
    const layer = layers[l]!;
    const p = net.layerParams[l]!;
    const g = net.layerGrads[l]!;
    const buf = net.buffers[l]!;
    const dIn = l > 0 ? net.buffers[l - 1]!.gradOutput : null;
    const skipAct = fused && l === layers.length - 1; // the loss gradient is already w.r.t. Z
    const dOut = buf.gradOutput;
    switch (layer.kind) {
      case 'dense': {
        const d = layer.units;
        if (!skipAct) actBackward(layer.activation, n, d, buf.preactIn, buf.out, dOut, dOut);
        const trained = layer.trainable;
        if (!trained) {
          g.kernel!.fill(0);
          g.bias?.fill(0);
        }
        denseBackward(n, layer.inputDim, d, buf.input, p.kernel!, dOut, trained ? g.kernel : null, trained ? g.bias : null, dIn);
        break;
      }
      case 'activation':
        if (!dIn) break;
        if (skipAct) dIn.set(dOut.subarray(0, n * layer.dim));
        else actBackward(layer.activation, n, layer.dim, buf.preactIn, buf.out, dOut, dIn);
        break;
      case 'dropout':
        if (!dIn) break;
        if (buf.out === buf.input) dIn.set(dOut.subarray(0, n * layer.dim));
        else dropoutBackward(n, layer.dim, dOut, buf.dropoutMask, layer.rate, dIn);
        break;
      case 'batchNormalization':
        // With batch statistics the layer is trainable (a frozen one runs in inference mode).
        if (buf.batchStats) {
          batchNormBackwardTrain(n, layer.dim, dOut, buf.xhat, buf.variance, p.gamma, layer.epsilon, g.gamma, g.beta, dIn);
        } else {
          g.gamma?.fill(0);
          g.beta?.fill(0);
          if (dIn) batchNormBackwardInfer(n, layer.dim, dOut, p.gamma, p.movingVariance!, layer.epsilon, dIn);
        }
        break;
      case 'layerNormalization': {
        let dgamma = g.gamma, dbeta = g.beta;
        if (!layer.trainable) {
          dgamma?.fill(0);
          dbeta?.fill(0);
          dgamma = dbeta = null;
        }
        layerNormBackward(n, layer.dim, dOut, buf.xhat, buf.rstd, p.gamma, dgamma, dbeta, dIn);
        break;
      }
    }
  }
}

/**
 * Steps 8 and 9: iterations += 1, the optimizer update of every trained tensor, the moving statistics
 * of batch-statistics batchNormalization layers, then the MaxNorm constraints.
 */
export function applyUpdate(net: NetState): void {
  const opt = net.spec.optimizer;
  const iterations = Math.fround(net.state[0]! + 1);
  net.state[0] = iterations;
  const t = iterations;
  const lr = scheduleLr(opt, opt.learningRate, t - 1);
  for (const tensor of net.trained) {
    optimizerUpdate(opt, lr, t, net.params, net.grads, net.slots, net.paramCount, tensor.offset, tensor.size);
  }
  const layers = net.spec.layers;
  for (let l = 0; l < layers.length; l++) {
    const layer = layers[l]!;
    const p = net.layerParams[l]!;
    const buf = net.buffers[l]!;
    if (layer.kind === 'batchNormalization' && buf.batchStats) {
      batchNormUpdateMoving(layer.dim, buf.mean, buf.variance, layer.momentum, p.movingMean!, p.movingVariance!);
    }
    if (layer.kind === 'dense' && layer.trainable && layer.kernelMaxNorm > 0) {
      denseMaxNorm(layer.inputDim, layer.units, p.kernel!, layer.kernelMaxNorm);
    }
  }
}
