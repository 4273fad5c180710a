// What the TypeScript side and the native addon must agree on, checked against the addon itself: every
// error code of native/core/status.h is one of lib/errors.ts ERROR_CODES, and the parameter layout the
// core computes (native/core/layout.cc) is lib/engine/layout.ts's, for a few hundred generated specs.
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../lib/errors';
import { initialOptimizerState, optimizerStateLength, paramCount, paramLayout } from '../../lib/engine/layout';
import { nativeBinding } from '../../lib/engine/native';
import type { ActivationId, LayerSpec, NetSpec, OptimizerId } from '../../lib/engine/types';
import { ACTIVATION_CODES, OPTIMIZER_CODES } from '../../lib/engine/types';
import { nativeOrSkip, skippedOnThisRun } from '../helpers/engines';
import { activation, batchNorm, dense, dropout, layerNorm, loss, netSpec, optimizer } from '../helpers/spec';

const native = nativeOrSkip();

/** A seeded generator of varied specs: every layer kind, with and without bias, center, scale, trainable. */
function specs(count: number): NetSpec[] {
  let s = 12345;
  const next = (n: number): number => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s % n; };
  const flag = (): boolean => next(2) === 1;
  const out: NetSpec[] = [];
  for (let k = 0; k < count; k++) {
    const inputDim = 1 + next(40);
    let dim = inputDim;
    const layers: LayerSpec[] = [];
    const depth = 1 + next(7);
    for (let l = 0; l < depth; l++) {
      const act = ACTIVATION_CODES[next(ACTIVATION_CODES.length)] as ActivationId;
      switch (next(5)) {
        case 0: case 1: {
          const units = 1 + next(50);
          layers.push(dense(dim, units, act, { useBias: flag(), trainable: flag(), kernelL2: flag() ? 0.01 : 0 }));
          dim = units;
          break;
        }
        case 2: layers.push(batchNorm(dim, { center: flag(), scale: flag(), trainable: flag() })); break;
        case 3: layers.push(layerNorm(dim, { center: flag(), scale: flag(), trainable: flag() })); break;
        default: layers.push(flag() ? activation(dim, act) : dropout(dim, 0.25, next(1000))); break;
      }
    }
    const id = OPTIMIZER_CODES[next(OPTIMIZER_CODES.length)] as OptimizerId;
    const opt = optimizer(id, { momentum: flag() ? 0.9 : 0, amsgrad: flag(), centered: flag() });
    out.push(netSpec(inputDim, layers, loss('meanSquaredError'), opt));
  }
  return out;
}

describe.runIf(native)('the native addon agrees with lib/errors.ts and lib/engine/layout.ts', () => {
  it('every error code of native/core/status.h is in ERROR_CODES', () => {
    const codes = nativeBinding().errorCodes;
    expect(codes.length).toBeGreaterThanOrEqual(7);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(Object.keys(ERROR_CODES), `native code ${code}`).toContain(code);
  });

  it('the core computes the layout of layout.ts for 300 generated specs, and starts from its optimizer state', () => {
    const b = nativeBinding();
    let tensors = 0;
    for (const spec of specs(300)) {
      const got = b.layout(spec);
      expect(got.params).toEqual(paramLayout(spec));
      expect(got.paramCount).toBe(paramCount(spec));
      expect(got.stateLength).toBe(optimizerStateLength(spec));
      const net = native!.engine.createNet(spec, new Float32Array(paramCount(spec)));
      expect(Array.from(net.getOptimizerState())).toEqual(Array.from(initialOptimizerState(spec)));
      net.dispose();
      tensors += got.params.length;
    }
    expect(tensors).toBeGreaterThan(600);
  });

  it('layout() checks its spec as the net constructor does', () => {
    const bad = { inputDim: 3, layers: [dense(4, 2)], loss: loss('meanSquaredError'), optimizer: optimizer('sgd') };
    expect(() => nativeBinding().layout(bad)).toThrow(expect.objectContaining({ code: 'ERR_SHAPE_MISMATCH' }));
  });
});

if (!native) describe('the native addon agrees with lib/errors.ts and lib/engine/layout.ts', () => skippedOnThisRun('the addon\'s codes and layout', 'native'));
