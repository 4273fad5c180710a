// ModelDescription -> ONNX (opset 17, IR version 8): one Gemm per dense layer, the ONNX op of each
// activation (or its exact formula in standard ops where ONNX 17 has none), BatchNormalization in its
// inference form with the layer's epsilon, LayerNormalization, Softmax on the last axis; dropout is the
// identity at inference and is left out. The batch dimension is symbolic ("batch").
import { BlasnetError, describe } from '../../errors';
import type { LayerDescription, ModelDescription, NamedTensor } from '../description';
import { encodeModel, encodeTensor, type AttrValue, type NodeSpec } from './model';
import type { ProtoWriter } from './protobuf';

export const ONNX_OPSET = 17;
/** IR version 8 is the one ONNX 1.12-1.13 writes with opset 17; every onnxruntime since 1.12 reads it. */
export const ONNX_IR_VERSION = 8;
/** metadata_props key holding the description's userDefinedMetadata (JSON), read back by the importer. */
export const METADATA_KEY = 'blasnet.userDefinedMetadata';

export interface OnnxExportOptions {
  /** Graph input name (default "input"). */
  inputName?: string;
  /** Graph output name (default "output"). */
  outputName?: string;
  /**
   * Fold the model's numeric scaler (userDefinedMetadata.scaler: standardScaler or minMaxScaler) into the
   * graph as Sub/Div (Sub/Mul/Add for min-max), so the ONNX model takes raw features (default false: the
   * scaler is kept in the metadata only).
   */
  foldScaler?: boolean;
  /** producer_version written into the file. */
  producerVersion?: string;
}

/** Keras/tfjs serialized activation name -> ONNX nodes; null for the identity. */
type Emit = (op: string, inputs: string[], attributes?: Record<string, AttrValue>, suffix?: string) => string;

const SELU_ALPHA = 1.6732632423543772;
const SELU_GAMMA = 1.0507009873554805;

class GraphBuilder {
  readonly nodes: NodeSpec[] = [];
  readonly initializers: ProtoWriter[] = [];
  private readonly names = new Set<string>();
  private readonly constants = new Map<string, string>();

  unique(base: string): string {
    let name = base;
    for (let k = 1; this.names.has(name); k++) name = `${base}_${k}`;
    this.names.add(name);
    return name;
  }

  tensor(name: string, dims: number[], data: Float32Array | number[]): string {
    const n = this.unique(name);
    this.initializers.push(encodeTensor(n, dims, data));
    return n;
  }

  /** A float scalar constant, shared by every node that needs the same value. */
  scalar(value: number): string {
    const key = String(Math.fround(value));
    const hit = this.constants.get(key);
    if (hit) return hit;
    const n = this.tensor(`const_${key.replace(/[^0-9a-z]/gi, '_')}`, [], [value]);
    this.constants.set(key, n);
    return n;
  }

  node(op: string, inputs: string[], name: string, attributes?: Record<string, AttrValue>): string {
    const nodeName = this.unique(name);
    const out = this.unique(`${nodeName}:0`);
    this.nodes.push({ op, inputs, outputs: [out], name: nodeName, attributes });
    return out;
  }
}

function activationNodes(g: GraphBuilder, act: string, x: string, prefix: string, alpha?: number): string {
  const emit: Emit = (op, inputs, attributes, suffix = op) => g.node(op, inputs, `${prefix}/${suffix}`, attributes);
  switch (act) {
    case 'linear': return x;
    case 'relu': return emit('Relu', [x]);
    case 'sigmoid': return emit('Sigmoid', [x]);
    case 'tanh': return emit('Tanh', [x]);
    case 'softmax': return emit('Softmax', [x], { axis: { int: -1 } });
    case 'leaky_relu': return emit('LeakyRelu', [x], { alpha: alpha ?? 0.3 });
    case 'elu': return emit('Elu', [x], { alpha: 1 });
    case 'selu': return emit('Selu', [x], { alpha: SELU_ALPHA, gamma: SELU_GAMMA });
    case 'softplus': return emit('Softplus', [x]);
    case 'softsign': return emit('Softsign', [x]);
    case 'hard_sigmoid': return emit('HardSigmoid', [x], { alpha: 0.2, beta: 0.5 });
    case 'relu6': return emit('Clip', [x, g.scalar(0), g.scalar(6)], undefined, 'Relu6');
    case 'swish': {
      // x * sigmoid(x): ONNX 17 has no Swish/SiLU op.
      const s = emit('Sigmoid', [x], undefined, 'swish_sigmoid');
      return emit('Mul', [x, s], undefined, 'swish_mul');
    }
    case 'gelu': {
      // Exact GELU 0.5 x (1 + erf(x / sqrt 2)): ONNX has Gelu only from opset 20.
      const a = emit('Div', [x, g.scalar(Math.SQRT2)], undefined, 'gelu_div');
      const b = emit('Erf', [a], undefined, 'gelu_erf');
      const c = emit('Add', [b, g.scalar(1)], undefined, 'gelu_add');
      const d = emit('Mul', [x, c], undefined, 'gelu_mul');
      return emit('Mul', [d, g.scalar(0.5)], undefined, 'gelu_half');
    }
    default:
      throw new BlasnetError('ERR_UNSUPPORTED', `Activation ${describe(act)} of layer ${prefix} has no ONNX export`);
  }
}

function weightOf(desc: ModelDescription, layer: string, slot: string): NamedTensor | undefined {
  return desc.weights.find((w) => w.name === `${layer}/${slot}`);
}

function filled(n: number, v: number): Float32Array { return new Float32Array(n).fill(v); }

function layerName(l: LayerDescription, i: number): string {
  const n = l.config?.name;
  return typeof n === 'string' && n.length > 0 ? n : `layer_${i}`;
}

/** Sub/Div (standard) or Sub/Mul/Add (min-max) nodes for a saved scaler JSON. */
function scalerNodes(g: GraphBuilder, scaler: unknown, x: string, dim: number): string {
  const s = scaler as Record<string, unknown> | null;
  const numbers = (v: unknown): number[] | null =>
    Array.isArray(v) && v.length === dim && v.every((n) => typeof n === 'number' && Number.isFinite(n)) ? v as number[] : null;
  if (s?.kind === 'standardScaler') {
    const mean = numbers(s.mean);
    const scale = numbers(s.scale);
    if (mean && scale) {
      const centered = g.node('Sub', [x, g.tensor('scaler_mean', [dim], mean)], 'scaler/Sub');
      return g.node('Div', [centered, g.tensor('scaler_scale', [dim], scale)], 'scaler/Div');
    }
  } else if (s?.kind === 'minMaxScaler') {
    const min = numbers(s.min);
    const scale = numbers(s.scale);
    const range = s.featureRange;
    const shift = Array.isArray(range) && typeof range[0] === 'number' ? range[0] : 0;
    if (min && scale) {
      const centered = g.node('Sub', [x, g.tensor('scaler_min', [dim], min)], 'scaler/Sub');
      const scaled = g.node('Mul', [centered, g.tensor('scaler_factor', [dim], scale)], 'scaler/Mul');
      return shift === 0 ? scaled : g.node('Add', [scaled, g.scalar(shift)], 'scaler/Add');
    }
  }
  throw new BlasnetError('ERR_UNSUPPORTED',
    `Cannot fold the model's scaler into ONNX: expected a fitted standardScaler or minMaxScaler over ${dim} features but received ${describe(s?.kind ?? s)}`);
}

/** Encodes a description as an ONNX model (bytes of a .onnx file). */
export function descriptionToOnnx(desc: ModelDescription, options: OnnxExportOptions = {}): Uint8Array {
  if (!desc || !Array.isArray(desc.layers) || !Number.isInteger(desc.inputDim)) {
    throw new BlasnetError('ERR_INVALID_ARG', `Expected a ModelDescription but received ${describe(desc)}`);
  }
  const inputName = options.inputName ?? 'input';
  const outputName = options.outputName ?? 'output';
  for (const [k, v] of [['inputName', inputName], ['outputName', outputName]] as const) {
    if (typeof v !== 'string' || v.length === 0) throw new BlasnetError('ERR_INVALID_ARG', `Expected a non-empty string for ${k} but received ${describe(v)}`);
  }
  if (inputName === outputName) throw new BlasnetError('ERR_INVALID_ARG', 'inputName and outputName must differ');
  const g = new GraphBuilder();
  g.unique(inputName);
  g.unique(outputName);
  let x = inputName;
  let dim = desc.inputDim;
  const metadata = { ...(desc.userDefinedMetadata ?? {}) };
  if (options.foldScaler) {
    x = scalerNodes(g, metadata.scaler, x, dim);
    delete metadata.scaler;
  }

  desc.layers.forEach((l, i) => {
    const name = layerName(l, i);
    const c = l.config ?? {};
    switch (l.className) {
      case 'Dense': {
        const kernel = weightOf(desc, name, 'kernel');
        if (!kernel || kernel.shape.length !== 2 || kernel.shape[0] !== dim) {
          throw new BlasnetError('ERR_INVALID_ARG', `Dense layer ${name} has no kernel of shape [${dim}, units] in the description`);
        }
        const units = kernel.shape[1]!;
        const inputs = [x, g.tensor(`${name}/kernel`, [dim, units], kernel.data)];
        const bias = c.useBias === false ? undefined : weightOf(desc, name, 'bias');
        if (bias) inputs.push(g.tensor(`${name}/bias`, [units], bias.data));
        x = g.node('Gemm', inputs, `${name}/Gemm`);
        x = activationNodes(g, String(c.activation ?? 'linear'), x, name);
        dim = units;
        break;
      }
      case 'Activation':
        x = activationNodes(g, String(c.activation ?? 'linear'), x, name);
        break;
      case 'LeakyReLU':
        x = activationNodes(g, 'leaky_relu', x, name, typeof c.alpha === 'number' ? c.alpha : 0.3);
        break;
      case 'Dropout':
        break;
      case 'BatchNormalization': {
        const get = (slot: string, dflt: number) => weightOf(desc, name, slot)?.data ?? filled(dim, dflt);
        const mean = weightOf(desc, name, 'moving_mean');
        const variance = weightOf(desc, name, 'moving_variance');
        if (!mean || !variance) throw new BlasnetError('ERR_INVALID_ARG', `BatchNormalization layer ${name} has no moving statistics in the description`);
        x = g.node('BatchNormalization', [
          x, g.tensor(`${name}/gamma`, [dim], get('gamma', 1)), g.tensor(`${name}/beta`, [dim], get('beta', 0)),
          g.tensor(`${name}/moving_mean`, [dim], mean.data), g.tensor(`${name}/moving_variance`, [dim], variance.data),
        ], `${name}/BatchNormalization`, { epsilon: typeof c.epsilon === 'number' ? c.epsilon : 0.001 });
        break;
      }
      case 'LayerNormalization': {
        const get = (slot: string, dflt: number) => weightOf(desc, name, slot)?.data ?? filled(dim, dflt);
        x = g.node('LayerNormalization', [x, g.tensor(`${name}/gamma`, [dim], get('gamma', 1)), g.tensor(`${name}/beta`, [dim], get('beta', 0))],
          `${name}/LayerNormalization`, { axis: { int: -1 }, epsilon: typeof c.epsilon === 'number' ? c.epsilon : 0.001 });
        break;
      }
      default:
        throw new BlasnetError('ERR_UNSUPPORTED', `Layer ${name} (${describe(l.className)}) has no ONNX export`);
    }
  });

  // The last node writes the graph output directly (an Identity when no node ran, e.g. only dropout).
  const last = g.nodes[g.nodes.length - 1];
  if (last && last.outputs[0] === x) last.outputs[0] = outputName;
  else g.nodes.push({ op: 'Identity', inputs: [x], outputs: [outputName], name: g.unique('output/Identity') });

  const meta: Record<string, string> = {};
  if (Object.keys(metadata).length > 0) meta[METADATA_KEY] = JSON.stringify(metadata);
  return encodeModel({
    irVersion: ONNX_IR_VERSION,
    opset: ONNX_OPSET,
    producerName: 'blasnet',
    producerVersion: options.producerVersion ?? '0',
    graphName: desc.name || 'blasnet',
    nodes: g.nodes,
    initializers: g.initializers,
    inputs: [{ name: inputName, dims: ['batch', desc.inputDim] }],
    outputs: [{ name: outputName, dims: ['batch', dim] }],
    metadata: meta,
  });
}

