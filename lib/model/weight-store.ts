// Where a model's weights are: in a flat buffer (parameter layout) until the first engine call, then
// inside the engine's net, which is created from them and dropped (weights kept) when the
// architecture or the compile config changes.
import { BlasnetError, invalidArg } from '../errors';
import { getEngine } from '../engine';
import type { Net, NetSpec, ParamSlot } from '../engine/types';
import type { Tensor } from '../tensor';
import type { CallQueue } from './calls';
import { slotTensors, writeSlots } from './weights';

export class WeightStore {
  private params: Float32Array | null = null;
  private net: Net | null = null;
  /** Optimizer state to load into the next net (a model rebuilt with includeOptimizer). */
  private pendingOptimizerState: Float32Array | null = null;

  /** `slots` and `layerNames` describe the model as it is now (the layout follows its layers). */
  constructor(private readonly calls: CallQueue, private readonly slots: () => ParamSlot[], private readonly layerNames: () => string[]) {}

  /** The tensors of the slots `which` selects, as copies. */
  tensors(which: (s: ParamSlot) => boolean): Tensor[] {
    return slotTensors(this.read(), this.slots().filter(which));
  }

  /** Sets the tensors of the slots `which` selects from `weights` (one each, in order; all checked before any is written). */
  assign(which: (s: ParamSlot) => boolean, weights: unknown, fn: string): void {
    const slots = this.slots().filter(which);
    if (!Array.isArray(weights) || weights.length !== slots.length) {
      throw invalidArg(`${fn}(weights)`, `an array of ${slots.length} tensors`, weights);
    }
    this.calls.checkIdle(`${fn}()`);
    const all = this.read();
    writeSlots(all, slots, weights, fn, this.layerNames());
    this.write(all);
  }

  /** The weights of layer `layer` as tensors (copies). */
  layerTensors(layer: number): Tensor[] { return this.tensors((s) => s.layer === layer); }

  /** Passes a layer's new trainable flag to the net, if there is one (the model's own flag is kept by the layer). */
  setTrainable(layer: number, trainable: boolean, what: string): void {
    const net = this.net;
    if (!net || layer < 0) return;
    this.calls.checkIdle(what);
    const kind = net.spec.layers[layer]?.kind;
    if (kind === 'dense' || kind === 'batchNormalization' || kind === 'layerNormalization') net.setTrainable(layer, trainable);
  }

  /** The engine net, if one exists now. */
  get currentNet(): Net | null { return this.net; }

  /** A copy of the weights (refused while the engine computes). */
  read(): Float32Array {
    this.calls.checkIdle('Reading the weights');
    if (this.net) return this.net.getParams();
    return this.params ?? new Float32Array(0);
  }

  /** Replaces every weight, in the net if there is one. */
  write(all: Float32Array): void {
    if (this.net) this.net.setParams(all);
    else this.params = all;
  }

  /** Replaces the weights of a changed architecture (the net is dropped; null: no weights). */
  reset(all: Float32Array | null): void {
    this.drop();
    this.params = all;
  }

  /** Drops the net, keeping its weights. */
  drop(): void {
    if (!this.net) return;
    this.calls.checkIdle('Changing the model');
    this.params = this.net.getParams();
    this.net.dispose();
    this.net = null;
  }

  /** The engine net, created on first use from the current weights. */
  netFor(spec: () => NetSpec): Net {
    if (this.net) return this.net;
    if (!this.params) throw new BlasnetError('ERR_INVALID_ARG', 'The model is not built yet');
    let net: Net;
    try {
      net = getEngine().createNet(spec(), this.params);
    } catch (err) {
      if (err instanceof RangeError) {
        throw new BlasnetError('ERR_OUT_OF_MEMORY', `Cannot allocate the network (${this.params.length} parameters)`, { cause: err });
      }
      throw err;
    }
    if (this.pendingOptimizerState) {
      net.setOptimizerState(this.pendingOptimizerState);
      this.pendingOptimizerState = null;
    }
    this.net = net;
    this.params = null;
    return net;
  }

  /** Optimizer state for the next net (null: start fresh). */
  setPendingOptimizerState(state: Float32Array | null): void {
    this.pendingOptimizerState = state;
  }

  /** Frees the net; a call still computing keeps it until the queue drains. */
  dispose(): void {
    const net = this.net;
    this.net = null;
    this.params = null;
    if (!net) return;
    if (this.calls.isComputing) this.calls.afterQueued(() => net.dispose());
    else net.dispose();
  }
}
