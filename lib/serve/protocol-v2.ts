// Open Inference Protocol v2 (KServe, Triton) over JSON: inference requests with `inputs` of
// {name, shape, datatype, data}, responses with `outputs` of the same form, model metadata and readiness.
import { BlasnetError, describe } from '../errors';
import { badRequest } from './errors';
import { INPUT_NAME, OUTPUT_NAME, type ModelInfo, type RecordsSchema } from './model-info';
import { isRecord } from './records';
import { matrixJson, tensorToFloat32, tooManyRows } from './tensor-input';

/** Datatypes whose JSON data are numbers; BOOL and BYTES have no meaning for a dense network's input. */
const NUMERIC = new Set(['FP16', 'FP32', 'FP64', 'INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64']);

/** The key whose arrays of numbers the body parser reads straight into float32 (json-body.ts). */
export const V2_TENSOR_KEYS: ReadonlySet<string> = new Set(['data']);

export interface V2Request {
  id: string | null;
  x: Float32Array;
  rows: number;
}

/** An inference request body as the model's input rows. */
export function parseInfer(body: unknown, info: ModelInfo, model: string, maxRows: number): V2Request {
  if (!isRecord(body)) throw badRequest('ERR_INVALID_ARG', `Expected a JSON object with "inputs" but received ${describe(body)}`);
  const id = body.id;
  if (id !== undefined && typeof id !== 'string') throw badRequest('ERR_INVALID_ARG', `Expected a string for id but received ${describe(id)}`);
  const inputs = body.inputs;
  if (!Array.isArray(inputs) || inputs.length === 0) {
    throw badRequest('ERR_INVALID_ARG', `Expected a non-empty array for inputs but received ${describe(inputs)}`);
  }
  if (inputs.length !== 1) {
    throw badRequest('ERR_INVALID_ARG', `Model ${model} has one input, "${INPUT_NAME}", but the request has ${inputs.length} inputs`);
  }
  const inp = inputs[0];
  if (!isRecord(inp)) throw badRequest('ERR_INVALID_ARG', `Expected an object for inputs[0] but received ${describe(inp)}`);
  if (inp.name !== INPUT_NAME) {
    throw badRequest('ERR_UNKNOWN_NAME', `Model ${model} has one input, "${INPUT_NAME}", but the request names ${describe(inp.name)}`);
  }
  if (typeof inp.datatype !== 'string' || !NUMERIC.has(inp.datatype)) {
    throw badRequest('ERR_UNSUPPORTED', `Expected a numeric datatype (FP32, FP64, INT32, ...) for inputs[0].datatype but received ${describe(inp.datatype)}`);
  }
  const shape = inp.shape;
  const d = info.inputDim;
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((s) => Number.isSafeInteger(s) && s >= 1) || shape[1] !== d) {
    throw new BlasnetError('ERR_SHAPE_MISMATCH',
      `Expected shape [rows, ${d}] for inputs[0].shape (model ${model} takes ${d} features) but received ${Array.isArray(shape) ? JSON.stringify(shape).slice(0, 60) : describe(shape)}`);
  }
  const rows = shape[0] as number;
  if (rows > maxRows) throw tooManyRows(rows, maxRows);
  if (Array.isArray(body.outputs)) {
    for (const o of body.outputs) {
      if (!isRecord(o) || o.name !== OUTPUT_NAME) {
        throw badRequest('ERR_UNKNOWN_NAME', `Model ${model} has one output, "${OUTPUT_NAME}", but the request asks for ${describe(isRecord(o) ? o.name : o)}`);
      }
    }
  }
  const x = tensorToFloat32(inp.data, rows, d, 'inputs[0].data');
  if (inp.datatype.startsWith('INT') || inp.datatype.startsWith('UINT')) {
    for (let i = 0; i < x.length; i++) {
      if (!Number.isInteger(x[i]!)) throw badRequest('ERR_INVALID_ARG', `Expected integers for datatype ${inp.datatype} but inputs[0].data[${i}] is ${x[i]}`);
    }
  }
  return { id: typeof id === 'string' ? id : null, x, rows };
}

export function inferResponse(model: string, version: string, id: string | null, out: Float32Array, k: number): string {
  const rows = out.length / k;
  return `{"model_name":${JSON.stringify(model)},"model_version":${JSON.stringify(version)},${id !== null ? `"id":${JSON.stringify(id)},` : ''}` +
    `"outputs":[{"name":"${OUTPUT_NAME}","datatype":"FP32","shape":[${rows},${k}],"data":${matrixJson(out, k, true)}}]}`;
}

/** Model metadata; `parameters` (the protocol's extension object) holds feature names, classes and the raw-records schema when the model has them. */
export function modelMetadata(model: string, version: string, info: ModelInfo, records: RecordsSchema | null = null): Record<string, unknown> {
  const parameters: Record<string, unknown> = {};
  if (info.features) parameters.features = info.features;
  const classes = info.classes ?? records?.classes;
  if (classes) parameters.classes = classes;
  if (records) parameters.records = records;
  return {
    name: model,
    versions: [version],
    platform: 'blasnet',
    inputs: [{ name: INPUT_NAME, datatype: 'FP32', shape: [-1, info.inputDim] }],
    outputs: [{ name: OUTPUT_NAME, datatype: 'FP32', shape: [-1, info.outputDim] }],
    ...(Object.keys(parameters).length ? { parameters } : {}),
  };
}
