// ONNX -> ModelDescription for dense feed-forward graphs (what torch.onnx.export, tf2onnx and skl2onnx
// write for MLPs, and what blasnet's export writes): the chain of ops from the one input to the one
// output becomes Dense / Activation / LeakyReLU / BatchNormalization / LayerNormalization layers.
// Gemm and MatMul(+Add) are dense layers, an activation right after one becomes its activation; shape
// no-ops (Identity, Dropout, Flatten, Reshape to [batch, width], Cast to float) vanish. Any other op is
// one ERR_UNSUPPORTED naming it.
import { BlasnetError } from '../../errors';
import type { LayerDescription, ModelDescription, NamedTensor } from '../description';
import { METADATA_KEY } from './export';
import { indexGraph, nodeLabel, type GraphIndex } from './graph';
import { decodeModel, DT, type OnnxAttribute, type OnnxNode } from './model';
import { floatValues, type ExternalDataReader } from './tensors';

export interface OnnxImportOptions {
  /** Accept NaN / Infinity in weights (default false: ERR_NON_FINITE). */
  allowNonFinite?: boolean;
  /** Bytes the weights may take (default: the process budget of lib/limits). */
  memoryLimit?: number;
  /** Reads external tensor data (set by the file loader, relative to the model's directory). */
  externalData?: ExternalDataReader;
}

const SUPPORTED = ['Gemm', 'MatMul', 'Add', 'Relu', 'Sigmoid', 'Tanh', 'Softmax', 'LeakyRelu', 'Elu', 'Selu', 'Softplus',
  'Softsign', 'HardSigmoid', 'Clip', 'Erf (in GELU)', 'Mul (in Swish/GELU)', 'BatchNormalization', 'LayerNormalization',
  'Flatten', 'Identity', 'Dropout', 'Reshape', 'Cast', 'Sub/Div (a leading scaler)'];

const SELU_ALPHA = 1.6732632423543772;
const SELU_GAMMA = 1.0507009873554805;

function unsupported(n: OnnxNode, why = ''): BlasnetError {
  return new BlasnetError('ERR_UNSUPPORTED',
    `ONNX op ${JSON.stringify(n.opType)} (${nodeLabel(n)}) is not supported${why ? `: ${why}` : ''}; blasnet imports dense graphs of ${SUPPORTED.join(', ')}`);
}

function attr(n: OnnxNode, name: string): OnnxAttribute | undefined {
  return n.attributes.find((a) => a.name === name);
}
function intAttr(n: OnnxNode, name: string, dflt: number): number { return attr(n, name)?.i ?? dflt; }
function floatAttr(n: OnnxNode, name: string, dflt: number): number { return attr(n, name)?.f ?? dflt; }

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));

class Builder {
  readonly layers: LayerDescription[] = [];
  readonly weights: NamedTensor[] = [];
  scaler: { mean: number[]; scale: number[] } | null = null;
  width: number | null;
  /** The graph input's width: declared, or fixed by the first dense layer or scaler. */
  inputDim: number | null;
  private readonly names = new Set<string>();
  private counters = new Map<string, number>();
  /** The last layer is a Dense that may still take a bias or an activation. */
  private openDense: LayerDescription | null = null;

  constructor(width: number | null, private readonly g: GraphIndex, private readonly options: OnnxImportOptions) {
    this.width = width;
    this.inputDim = width;
  }

  values(name: string, n: OnnxNode): Float32Array {
    const t = this.g.constants.get(name);
    if (!t) throw unsupported(n, `its input ${JSON.stringify(name)} must be a constant (an initializer)`);
    return floatValues(t, this.options.externalData, this.options.memoryLimit);
  }

  dims(name: string): number[] { return this.g.constants.get(name)?.dims ?? []; }

  private layerName(n: OnnxNode, base: string): string {
    const parts = n.name.split('/').filter((p) => p.length > 0);
    const guess = parts.length >= 2 ? parts[parts.length - 2]! : '';
    if (/^[A-Za-z_][\w.-]{0,100}$/.test(guess) && !this.names.has(guess) && !/^(Gemm|MatMul)(_\d+)?$/.test(guess)) {
      this.names.add(guess);
      return guess;
    }
    for (;;) {
      const k = (this.counters.get(base) ?? 0) + 1;
      this.counters.set(base, k);
      const name = `${base}_${k}`;
      if (!this.names.has(name)) { this.names.add(name); return name; }
    }
  }

  private push(className: string, config: Record<string, unknown>, weights: [string, number[], Float32Array][]): LayerDescription {
    const layer: LayerDescription = { className, config: { ...config, trainable: true } };
    this.layers.push(layer);
    for (const [slot, shape, data] of weights) {
      if (!this.options.allowNonFinite) {
        const bad = data.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) throw new BlasnetError('ERR_NON_FINITE', `Weight ${JSON.stringify(`${config.name}/${slot}`)} has ${data[bad]} at index ${bad}; pass {allowNonFinite: true} to load it anyway`);
      }
      this.weights.push({ name: `${config.name}/${slot}`, shape, data });
    }
    this.openDense = className === 'Dense' ? layer : null;
    return layer;
  }

  private needWidth(n: OnnxNode): number {
    if (this.width === null) throw unsupported(n, 'the input width is unknown before it (give the graph input a fixed feature dimension)');
    return this.width;
  }

  dense(n: OnnxNode, kernel: Float32Array, k: number, units: number, bias: Float32Array | null): void {
    if (this.width !== null && this.width !== k) throw new BlasnetError('ERR_FORMAT', `Not a valid ONNX file: ${nodeLabel(n)} multiplies width ${this.width} by a [${k}, ${units}] weight`);
    if (this.width === null) this.width = this.inputDim = k;
    const name = this.layerName(n, 'dense');
    const w: [string, number[], Float32Array][] = [['kernel', [k, units], kernel]];
    if (bias) w.push(['bias', [units], bias]);
    this.push('Dense', {
      name, units, activation: 'linear', useBias: bias !== null,
      kernelInitializer: { className: 'GlorotUniform', config: { seed: null } }, biasInitializer: { className: 'Zeros', config: {} },
      kernelRegularizer: null, biasRegularizer: null, kernelConstraint: null,
    }, w);
    this.width = units;
  }

  /** A per-feature bias added right after a Dense without one (MatMul + Add). */
  bias(n: OnnxNode, constant: string): boolean {
    const d = this.openDense;
    if (!d || d.config.useBias !== false || d.config.activation !== 'linear') return false;
    const units = d.config.units as number;
    const b = this.broadcastRow(this.values(constant, n), units, n);
    d.config.useBias = true;
    this.weights.push({ name: `${d.config.name}/bias`, shape: [units], data: b });
    return true;
  }

  /** [units], [1, units] or a scalar, as [units]. */
  broadcastRow(v: Float32Array, units: number, n: OnnxNode): Float32Array {
    if (v.length === units) return v;
    if (v.length === 1) return new Float32Array(units).fill(v[0]!);
    throw new BlasnetError('ERR_FORMAT', `Not a valid ONNX file: ${nodeLabel(n)} adds ${v.length} values to ${units} features`);
  }

  activation(n: OnnxNode, act: string, alpha?: number): void {
    const d = this.openDense;
    if (d && d.config.activation === 'linear' && act !== 'leaky_relu') {
      d.config.activation = act;
      this.openDense = null;
      return;
    }
    this.needWidth(n);
    if (act === 'leaky_relu') this.push('LeakyReLU', { name: this.layerName(n, 'leaky_re_lu'), alpha: alpha ?? 0.01 }, []);
    else this.push('Activation', { name: this.layerName(n, 'activation'), activation: act }, []);
  }

  normalization(n: OnnxNode, kind: 'BatchNormalization' | 'LayerNormalization', epsilon: number, params: Float32Array[], momentum?: number): void {
    const w = this.needWidth(n);
    params.forEach((p, i) => { if (p.length !== w) throw new BlasnetError('ERR_FORMAT', `Not a valid ONNX file: input ${i + 1} of ${nodeLabel(n)} has ${p.length} values for ${w} features`); });
    if (!(epsilon > 0)) throw unsupported(n, `epsilon ${epsilon}`);
    const base = kind === 'BatchNormalization' ? 'batch_normalization' : 'layer_normalization';
    const config: Record<string, unknown> = { name: this.layerName(n, base), axis: -1, epsilon, center: true, scale: true };
    const slots: [string, number[], Float32Array][] = [['gamma', [w], params[0]!], ['beta', [w], params[1]!]];
    if (kind === 'BatchNormalization') {
      config.momentum = momentum;
      slots.push(['moving_mean', [w], params[2]!], ['moving_variance', [w], params[3]!]);
    }
    this.push(kind, config, slots);
  }

  affine(): void { this.openDense = null; }
}

/** Tensors the node reads that are not constants (its data inputs). */
function dataInputs(g: GraphIndex, n: OnnxNode): string[] {
  return n.inputs.filter((i) => i !== '' && !g.constants.has(i));
}

function checkSideOutputs(g: GraphIndex, n: OnnxNode): void {
  for (const o of n.outputs.slice(1)) if (o !== '' && (g.consumers.get(o)?.length ?? 0) > 0) throw unsupported(n, `its output ${JSON.stringify(o)} is used`);
}

/** One op applied to the current tensor (its only data input). */
function step(b: Builder, g: GraphIndex, n: OnnxNode): void {
  const constIn = n.inputs.slice(1);
  switch (n.opType) {
    case 'Gemm': {
      if (intAttr(n, 'transA', 0) !== 0) throw unsupported(n, 'transA = 1');
      const [, B, C] = n.inputs;
      const dims = b.dims(B!);
      if (dims.length !== 2) throw unsupported(n, 'its B input is not a 2-D constant');
      const trans = intAttr(n, 'transB', 0) === 1;
      const [k, units] = trans ? [dims[1]!, dims[0]!] : [dims[0]!, dims[1]!];
      const raw = b.values(B!, n);
      const alpha = floatAttr(n, 'alpha', 1);
      const kernel = new Float32Array(k * units);
      for (let i = 0; i < k; i++) for (let j = 0; j < units; j++) kernel[i * units + j] = (trans ? raw[j * k + i]! : raw[i * units + j]!) * alpha;
      let bias: Float32Array | null = null;
      if (C) {
        const beta = floatAttr(n, 'beta', 1);
        bias = b.broadcastRow(b.values(C, n), units, n).map((v) => v * beta);
      }
      b.dense(n, kernel, k, units, bias);
      return;
    }
    case 'MatMul': {
      const dims = b.dims(n.inputs[1]!);
      if (dims.length !== 2 || n.inputs[0] !== dataInputs(g, n)[0]) throw unsupported(n, 'only x times a 2-D constant is a dense layer');
      b.dense(n, b.values(n.inputs[1]!, n), dims[0]!, dims[1]!, null);
      return;
    }
    case 'Add': {
      const c = n.inputs.find((i) => g.constants.has(i));
      if (!c || !b.bias(n, c)) throw unsupported(n, 'an Add is supported as the bias of a MatMul or Gemm without one');
      return;
    }
    case 'Relu': b.activation(n, 'relu'); return;
    case 'Sigmoid': b.activation(n, 'sigmoid'); return;
    case 'Tanh': b.activation(n, 'tanh'); return;
    case 'Softsign': b.activation(n, 'softsign'); return;
    case 'Softplus': b.activation(n, 'softplus'); return;
    case 'Softmax': {
      const axis = intAttr(n, 'axis', -1);
      if (axis !== -1 && axis !== 1) throw unsupported(n, `axis ${axis} (only the feature axis)`);
      b.activation(n, 'softmax');
      return;
    }
    case 'LeakyRelu': b.activation(n, 'leaky_relu', floatAttr(n, 'alpha', 0.01)); return;
    case 'Elu':
      if (!close(floatAttr(n, 'alpha', 1), 1)) throw unsupported(n, `alpha ${floatAttr(n, 'alpha', 1)} (blasnet's elu has alpha 1)`);
      b.activation(n, 'elu');
      return;
    case 'Selu':
      if (!close(floatAttr(n, 'alpha', SELU_ALPHA), SELU_ALPHA) || !close(floatAttr(n, 'gamma', SELU_GAMMA), SELU_GAMMA)) throw unsupported(n, 'non-standard alpha/gamma');
      b.activation(n, 'selu');
      return;
    case 'HardSigmoid':
      if (!close(floatAttr(n, 'alpha', 0.2), 0.2) || !close(floatAttr(n, 'beta', 0.5), 0.5)) {
        throw unsupported(n, `alpha ${floatAttr(n, 'alpha', 0.2)}, beta ${floatAttr(n, 'beta', 0.5)} (blasnet's hardSigmoid is clamp(0.2 x + 0.5, 0, 1))`);
      }
      b.activation(n, 'hard_sigmoid');
      return;
    case 'Clip': {
      const lo = n.inputs[1] ? b.values(n.inputs[1], n)[0] : floatAttr(n, 'min', -Infinity);
      const hi = n.inputs[2] ? b.values(n.inputs[2], n)[0] : floatAttr(n, 'max', Infinity);
      if (lo === 0 && hi === 6) b.activation(n, 'relu6');
      else if (lo === 0 && (hi === undefined || hi === Infinity || hi! >= 3.4e38)) b.activation(n, 'relu');
      else throw unsupported(n, `bounds [${lo}, ${hi}] (only relu6's [0, 6])`);
      return;
    }
    case 'BatchNormalization': {
      if (intAttr(n, 'training_mode', 0) !== 0) throw unsupported(n, 'training_mode = 1');
      const params = constIn.slice(0, 4).map((name) => b.values(name, n));
      if (params.length !== 4) throw unsupported(n, 'it needs scale, B, mean and var');
      b.normalization(n, 'BatchNormalization', floatAttr(n, 'epsilon', 1e-5), params, floatAttr(n, 'momentum', 0.9));
      return;
    }
    case 'LayerNormalization': {
      const axis = intAttr(n, 'axis', -1);
      if (axis !== -1 && axis !== 1) throw unsupported(n, `axis ${axis} (only the feature axis)`);
      const w = b.width ?? 0;
      const scale = b.values(constIn[0]!, n);
      const bias = constIn[1] ? b.values(constIn[1], n) : new Float32Array(w);
      b.normalization(n, 'LayerNormalization', floatAttr(n, 'epsilon', 1e-5), [scale, bias]);
      return;
    }
    case 'Identity': return;
    case 'Dropout':
      if (n.inputs[2] && g.constants.has(n.inputs[2]) && b.values(n.inputs[2], n)[0]) throw unsupported(n, 'training_mode = true');
      return;
    case 'Flatten':
      if (intAttr(n, 'axis', 1) !== 1) throw unsupported(n, `axis ${intAttr(n, 'axis', 1)} (only 1, the identity on [batch, features])`);
      return;
    case 'Cast':
      if (intAttr(n, 'to', DT.FLOAT) !== DT.FLOAT && intAttr(n, 'to', DT.FLOAT) !== DT.DOUBLE) throw unsupported(n, `a cast to type ${intAttr(n, 'to', 0)}`);
      return;
    case 'Reshape': {
      const shape = Array.from(b.values(n.inputs[1]!, n));
      const w = b.width;
      const ok = (shape.length === 2 && (shape[0] === -1 || shape[0] === 0) && (shape[1] === w || (shape[1] === -1 && w !== null)))
        || (shape.length === 1 && shape[0] === -1 && w === 1);
      if (!ok) throw unsupported(n, `a reshape to [${shape.join(', ')}] (only [batch, ${w ?? 'features'}])`);
      return;
    }
    default:
      throw unsupported(n);
  }
}

/** Patterns spanning several nodes that start at tensor t: swish, exact GELU, skl2onnx's binary [1 - p, p]. */
function multiStep(b: Builder, g: GraphIndex, t: string, nodes: OnnxNode[]): string | null {
  const only = (name: string) => { const c = g.consumers.get(name) ?? []; return c.length === 1 ? c[0]! : null; };
  const scalarOf = (name: string | undefined, n: OnnxNode) => {
    if (!name || !g.constants.has(name)) return null;
    const v = b.values(name, n);
    return v.length === 1 ? v[0]! : null;
  };
  const other = (n: OnnxNode, x: string) => (n.inputs.length === 2 && n.inputs.includes(x) ? n.inputs.find((i) => i !== x) ?? x : undefined);
  const sig = nodes.find((n) => n.opType === 'Sigmoid');
  const mul = nodes.find((n) => n.opType === 'Mul');
  if (nodes.length === 2 && sig && mul && other(mul, t) === sig.outputs[0]) {
    b.activation(sig, 'swish');
    return mul.outputs[0]!;
  }
  const div = nodes.find((n) => n.opType === 'Div' && n.inputs[0] === t);
  if (nodes.length === 2 && div && mul) {
    const erf = only(div.outputs[0]!);
    const add = erf?.opType === 'Erf' ? only(erf.outputs[0]!) : null;
    const final = add?.opType === 'Add' && only(add.outputs[0]!) === mul ? only(mul.outputs[0]!) : null;
    if (add && final && final.opType === 'Mul' && close(scalarOf(div.inputs[1], div) ?? 0, Math.SQRT2) &&
      close(scalarOf(other(add, erf!.outputs[0]!), add) ?? 0, 1) && close(scalarOf(other(final, mul.outputs[0]!), final) ?? 0, 0.5)) {
      b.activation(div, 'gelu');
      return final.outputs[0]!;
    }
  }
  const sub = nodes.find((n) => n.opType === 'Sub' && n.inputs[1] === t);
  const concat = nodes.find((n) => n.opType === 'Concat');
  if (nodes.length === 2 && sub && concat && b.width === 1 && close(scalarOf(sub.inputs[0], sub) ?? NaN, 1) &&
    concat.inputs.length === 2 && concat.inputs[0] === sub.outputs[0] && concat.inputs[1] === t && [1, -1].includes(intAttr(concat, 'axis', 1))) {
    // skl2onnx's binary classifier: probabilities [1 - p, p] from the sigmoid unit p, an exact affine map.
    b.dense(concat, Float32Array.from([-1, 1]), 1, 2, Float32Array.from([1, 0]));
    b.affine();
    return concat.outputs[0]!;
  }
  return null;
}

/** A leading Sub(x, mean) then Div(std) (or Mul(1/std)): a standard scaler, restored as the model's scaler. */
function leadingScaler(b: Builder, g: GraphIndex, n: OnnxNode): string | null {
  if (b.layers.length > 0 || b.scaler || n.opType !== 'Sub' || !g.constants.has(n.inputs[1]!)) return null;
  const next = g.consumers.get(n.outputs[0]!) ?? [];
  const div = next.length === 1 && (next[0]!.opType === 'Div' || next[0]!.opType === 'Mul') && g.constants.has(next[0]!.inputs[1]!) ? next[0]! : null;
  if (!div) return null;
  const mean = Array.from(b.values(n.inputs[1]!, n));
  const f = Array.from(b.values(div.inputs[1]!, div));
  if (b.width !== null && (mean.length !== b.width || f.length !== b.width)) return null;
  const scale = div.opType === 'Div' ? f : f.map((v) => 1 / v);
  if (!scale.every((v) => v > 0 && Number.isFinite(v))) return null;
  b.scaler = { mean, scale };
  if (b.width === null) b.width = b.inputDim = mean.length;
  return div.outputs[0]!;
}

/** Decodes and converts an ONNX model. */
export function onnxToDescription(bytes: Uint8Array, options: OnnxImportOptions = {}): ModelDescription {
  const model = decodeModel(bytes);
  const opset = model.opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 0;
  if (opset < 7) throw new BlasnetError('ERR_UNSUPPORTED', `ONNX opset ${opset} is too old (blasnet reads opset 7 and later)`);
  const g = indexGraph(model.graph);
  const dims = g.input.dims;
  if (dims && dims.length !== 2) {
    throw new BlasnetError('ERR_UNSUPPORTED', `The ONNX graph input ${JSON.stringify(g.input.name)} has ${dims.length} dimensions; blasnet takes [batch, features]`);
  }
  const width = dims && typeof dims[1] === 'number' && dims[1] > 0 ? dims[1] : null;
  const b = new Builder(width, g, options);
  let t = g.input.name;
  for (let steps = 0; t !== g.output; steps++) {
    if (steps > g.live.size + 1) throw new BlasnetError('ERR_FORMAT', 'Not a valid ONNX file: the graph does not lead from its input to its output');
    const next = g.consumers.get(t) ?? [];
    if (next.length === 0) throw new BlasnetError('ERR_FORMAT', `Not a valid ONNX file: tensor ${JSON.stringify(t)} leads nowhere on the way to the output`);
    let out: string | null = null;
    if (next.length === 1) {
      const n = next[0]!;
      if (n.domain !== '' && n.domain !== 'ai.onnx') throw unsupported(n, `domain ${JSON.stringify(n.domain)}`);
      out = leadingScaler(b, g, n);
      if (!out) {
        if (dataInputs(g, n).length !== 1 || dataInputs(g, n)[0] !== t) throw unsupported(n, 'it combines several non-constant tensors');
        checkSideOutputs(g, n);
        step(b, g, n);
        out = n.outputs[0]!;
      }
    } else {
      out = multiStep(b, g, t, next);
      if (!out) throw unsupported(next[0]!, `tensor ${JSON.stringify(t)} feeds ${next.length} ops (${next.map((n) => n.opType).join(', ')}), which is no pattern blasnet knows`);
    }
    t = out;
  }
  const inputDim = b.inputDim;
  if (inputDim === null) throw new BlasnetError('ERR_UNSUPPORTED', `The width of ONNX graph input ${JSON.stringify(g.input.name)} is unknown and no dense layer fixes it`);
  if (b.layers.length === 0) b.activation({ inputs: [], outputs: [], name: 'identity', opType: 'Identity', domain: '', attributes: [] } as OnnxNode, 'linear');

  let udm: Record<string, unknown> | null = null;
  const saved = model.metadata[METADATA_KEY];
  if (saved) {
    try {
      const parsed = JSON.parse(saved) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) udm = parsed as Record<string, unknown>;
    } catch { /* foreign or damaged metadata: the graph is what counts */ }
  }
  if (b.scaler) udm = { ...(udm ?? {}), scaler: { kind: 'standardScaler', mean: b.scaler.mean, scale: b.scaler.scale } };
  const name = /^[\w.-]{1,100}$/.test(model.graph.name) ? model.graph.name : 'onnx_model';
  if (b.layers[0]) b.layers[0].config.batchInputShape = [null, inputDim];
  return { name, inputDim, layers: b.layers, weights: b.weights, training: null, optimizerWeights: [], userDefinedMetadata: udm };
}

