// The structure of an ONNX graph before any op is interpreted: which tensors are constants, which node
// produces and which consume each tensor, the one input and the one output a dense model has, and the
// nodes on the path between them. Dangling edges and cycles are refused here, with the tensor named.
import { BlasnetError, describe } from '../../errors';
import { DT, type OnnxGraph, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from './model';
import { constantTensor } from './tensors';

function malformed(message: string): BlasnetError {
  return new BlasnetError('ERR_FORMAT', `Not a valid ONNX file: ${message}`);
}

export interface GraphIndex {
  constants: Map<string, OnnxTensor>;
  producer: Map<string, OnnxNode>;
  /** Consumers on the path to the output only. */
  consumers: Map<string, OnnxNode[]>;
  input: OnnxValueInfo;
  /** The float tensor the model computes. */
  output: string;
  /** Nodes the output depends on (Constant nodes excluded). */
  live: Set<OnnxNode>;
}

function nodeLabel(n: OnnxNode): string {
  return `${n.opType} node ${JSON.stringify(n.name || n.outputs[0] || '?')}`;
}

/** Graph outputs of a classifier exported by skl2onnx: the label (int64), and probabilities (float, or ZipMap's maps). */
function pickOutput(g: OnnxGraph, producer: Map<string, OnnxNode>): string {
  if (g.outputs.length === 0) throw malformed('the graph has no outputs');
  const floats = g.outputs.filter((o) => o.elemType === DT.FLOAT || o.elemType === DT.DOUBLE);
  if (floats.length === 1) return floats[0]!.name;
  if (floats.length > 1) {
    throw new BlasnetError('ERR_UNSUPPORTED',
      `The ONNX graph has ${floats.length} float outputs (${floats.map((o) => JSON.stringify(o.name)).join(', ')}); blasnet models have one output`);
  }
  // Probabilities as a sequence of maps: the tensor that ZipMap turns into them is the model's output.
  for (const o of g.outputs) {
    const zip = producer.get(o.name);
    if (zip?.opType === 'ZipMap' && zip.inputs[0]) return zip.inputs[0];
  }
  const only = g.outputs.length === 1 ? g.outputs[0]! : null;
  if (only && only.elemType === 0) return only.name; // untyped output: the op chain decides
  throw new BlasnetError('ERR_UNSUPPORTED',
    `The ONNX graph has no float tensor output (outputs: ${g.outputs.map((o) => `${JSON.stringify(o.name)} of type ${o.elemType}`).join(', ')})`);
}

export function indexGraph(g: OnnxGraph): GraphIndex {
  const constants = new Map<string, OnnxTensor>();
  for (const t of g.initializers) {
    if (!t.name) throw malformed('an initializer without a name');
    if (constants.has(t.name)) throw malformed(`two initializers are named ${JSON.stringify(t.name)}`);
    constants.set(t.name, t);
  }
  const producer = new Map<string, OnnxNode>();
  const graphInputs = g.inputs.filter((i) => !constants.has(i.name));
  const inputNames = new Set(graphInputs.map((i) => i.name));
  for (const n of g.nodes) {
    if (n.attributes.some((a) => a.hasGraph)) throw new BlasnetError('ERR_UNSUPPORTED', `ONNX op ${JSON.stringify(n.opType)} (${nodeLabel(n)}) has subgraphs; blasnet imports dense feed-forward graphs`);
    for (const o of n.outputs) {
      if (o === '') continue;
      if (producer.has(o) || constants.has(o) || inputNames.has(o)) throw malformed(`tensor ${JSON.stringify(o)} is produced twice (by ${nodeLabel(n)})`);
      producer.set(o, n);
    }
    if (n.opType === 'Constant' && (n.domain === '' || n.domain === 'ai.onnx')) {
      const t = constantTensor(n);
      if (!t) throw new BlasnetError('ERR_UNSUPPORTED', `${nodeLabel(n)} has attribute ${describe(n.attributes[0]?.name)}; blasnet reads value, value_float(s) and value_int(s)`);
      constants.set(n.outputs[0]!, t);
    }
  }
  for (const n of g.nodes) {
    for (const i of n.inputs) {
      if (i !== '' && !producer.has(i) && !constants.has(i) && !inputNames.has(i)) {
        throw malformed(`${nodeLabel(n)} reads tensor ${JSON.stringify(i)}, which no node, initializer or graph input provides (a dangling edge)`);
      }
    }
  }
  const output = pickOutput(g, producer);
  if (!producer.has(output) && !inputNames.has(output)) throw malformed(`the graph output ${JSON.stringify(output)} is produced by no node (a dangling edge)`);

  // Nodes the output depends on, found backwards; a node met again while it is on the current path is a cycle.
  const live = new Set<OnnxNode>();
  const state = new Map<OnnxNode, 1 | 2>();
  const stack: { node: OnnxNode; next: number }[] = [];
  const start = producer.get(output);
  if (start) stack.push({ node: start, next: 0 });
  if (start) state.set(start, 1);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.next >= top.node.inputs.length) {
      state.set(top.node, 2);
      if (top.node.opType !== 'Constant') live.add(top.node);
      stack.pop();
      continue;
    }
    const name = top.node.inputs[top.next++]!;
    const p = name === '' || constants.has(name) ? undefined : producer.get(name);
    if (!p) continue;
    const s = state.get(p);
    if (s === 1) throw malformed(`the graph has a cycle: ${nodeLabel(p)} depends on its own output through tensor ${JSON.stringify(name)}`);
    if (s === undefined) { state.set(p, 1); stack.push({ node: p, next: 0 }); }
  }

  const usedInputs = new Set<string>();
  const consumers = new Map<string, OnnxNode[]>();
  for (const n of live) {
    for (const i of n.inputs) {
      if (inputNames.has(i)) usedInputs.add(i);
      if (i === '' || constants.has(i)) continue;
      const list = consumers.get(i) ?? [];
      if (!list.includes(n)) list.push(n);
      consumers.set(i, list);
    }
  }
  if (inputNames.has(output)) usedInputs.add(output);
  if (usedInputs.size !== 1) {
    throw new BlasnetError('ERR_UNSUPPORTED',
      `The ONNX graph's output depends on ${usedInputs.size} inputs (${[...usedInputs].map((i) => JSON.stringify(i)).join(', ') || 'none'}); blasnet models have one input`);
  }
  const input = graphInputs.find((i) => usedInputs.has(i.name))!;
  if (input.elemType !== DT.FLOAT && input.elemType !== DT.DOUBLE && input.elemType !== 0) {
    throw new BlasnetError('ERR_UNSUPPORTED', `The ONNX graph input ${JSON.stringify(input.name)} has element type ${input.elemType}; blasnet takes float features`);
  }
  return { constants, producer, consumers, input, output, live };
}

export { nodeLabel };
