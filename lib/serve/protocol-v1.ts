// TensorFlow Serving's REST API: predict with `instances` (row form: a list of inputs) or `inputs`
// (columnar form), model status and metadata. Objects by column name instead of numbers are raw records
// (through the model's saved preprocessor when it has one, else records.ts). Row-form requests are answered with `predictions`, columnar ones with `outputs`.
import type { Preprocessor } from '../data/preprocess/preprocessor';
import type { RecordsInput } from '../data/preprocess/records';
import { describe } from '../errors';
import { badRequest } from './errors';
import { INPUT_NAME, OUTPUT_NAME, type ModelInfo, type RecordsSchema } from './model-info';
import { isRecord, recordColumns, recordRows } from './records';
import { isList, rowsToFloat32 } from './tensor-input';
import type { ServedModel } from './repository';

/** The keys whose arrays of numbers the body parser reads straight into float32 (json-body.ts). */
export const V1_TENSOR_KEYS: ReadonlySet<string> = new Set(['instances', 'inputs', INPUT_NAME]);

export interface V1Request {
  x: Float32Array;
  rows: number;
  /** Row form answers `predictions`, columnar form `outputs`. */
  columnar: boolean;
  /** Raw records: preprocessed before, labelled after. */
  records: boolean;
  /** Records that went through the model's saved preprocessor: its answers by class name, and per column the values it never saw in training. */
  saved?: { pre: Preprocessor; unknown: Record<string, number> };
}

/** Records through the saved preprocessor, as model.predictRecords takes them (absent fields imputed, unknown categories counted). */
function savedRecords(pre: Preprocessor, records: RecordsInput, source: string, maxRows: number, columnar: boolean): V1Request {
  const r = pre.transformRecords(records, { maxRows, source });
  return { x: r.x, rows: r.rows, columnar, records: true, saved: { pre, unknown: r.unknown } };
}

/** A predict request body as the model's input rows. */
export function parsePredict(body: unknown, info: ModelInfo, model: string, maxRows: number, pre: Preprocessor | null = null): V1Request {
  if (!isRecord(body)) throw badRequest('ERR_INVALID_ARG', `Expected a JSON object with "instances" or "inputs" but received ${describe(body)}`);
  const sig = body.signature_name;
  if (sig !== undefined && sig !== 'serving_default') {
    throw badRequest('ERR_UNKNOWN_NAME', `Model ${model} has one signature, "serving_default", but the request names ${describe(sig)}`);
  }
  const hasInstances = body.instances !== undefined;
  const hasInputs = body.inputs !== undefined;
  if (hasInstances === hasInputs) {
    throw badRequest('ERR_INVALID_ARG', `Expected exactly one of "instances" (row form) or "inputs" (columnar form) in the request${hasInstances ? ', not both' : ''}`);
  }
  if (hasInstances) {
    const inst = body.instances;
    if (!isList(inst) || inst.length === 0) throw badRequest('ERR_INVALID_ARG', `Expected a non-empty array for instances but received ${describe(inst)}`);
    if (Array.isArray(inst) && isRecord(inst[0])) {
      // {"input": [...]} per row names the tensor; any other object is a record by column name.
      const keys = Object.keys(inst[0]);
      if (keys.length === 1 && keys[0] === INPUT_NAME) {
        return { ...rowsToFloat32(inst.map((r) => (isRecord(r) ? r[INPUT_NAME] : r)), info.inputDim, 'instances', maxRows), columnar: false, records: false };
      }
      if (pre) return savedRecords(pre, inst, 'instances', maxRows, false);
      return { ...recordRows(inst, info, model, 'instances', maxRows), columnar: false, records: true };
    }
    return { ...rowsToFloat32(inst, info.inputDim, 'instances', maxRows), columnar: false, records: false };
  }
  const inputs = body.inputs;
  if (isList(inputs)) return { ...rowsToFloat32(inputs, info.inputDim, 'inputs', maxRows), columnar: true, records: false };
  if (isRecord(inputs)) {
    const keys = Object.keys(inputs);
    if (keys.length === 1 && keys[0] === INPUT_NAME) {
      return { ...rowsToFloat32(inputs[INPUT_NAME], info.inputDim, `inputs.${INPUT_NAME}`, maxRows), columnar: true, records: false };
    }
    if (pre) return savedRecords(pre, inputs as RecordsInput, 'inputs', maxRows, true);
    return { ...recordColumns(inputs, info, model, 'inputs', maxRows), columnar: true, records: true };
  }
  throw badRequest('ERR_INVALID_ARG', `Expected an array of rows or an object of named inputs for inputs but received ${describe(inputs)}`);
}

/** GetModelStatusResponse as JSON: the served version AVAILABLE, versions that failed to load with their error. */
export function modelStatus(m: ServedModel, version: string | null): Record<string, unknown> {
  const list: Record<string, unknown>[] = [];
  if (m.current && (version === null || version === m.current.version)) {
    list.push({ version: m.current.version, state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } });
  }
  for (const f of m.failures.values()) {
    if (version !== null && version !== f.version) continue;
    list.push({ version: f.version, state: 'END', status: { error_code: 'UNKNOWN', error_message: f.error } });
  }
  return { model_version_status: list };
}

function tensorInfo(name: string, width: number): Record<string, unknown> {
  return { dtype: 'DT_FLOAT', tensor_shape: { dim: [{ size: '-1', name: '' }, { size: String(width), name: '' }], unknown_rank: false }, name };
}

/** GetModelMetadataResponse as JSON: one serving_default signature, and beside it the raw-records schema when the model has one. */
export function modelMetadataV1(model: string, version: string, info: ModelInfo, records: RecordsSchema | null = null): Record<string, unknown> {
  return {
    ...(records ? { records } : {}),
    model_spec: { name: model, signature_name: '', version },
    metadata: {
      signature_def: {
        signature_def: {
          serving_default: {
            inputs: { [INPUT_NAME]: tensorInfo(INPUT_NAME, info.inputDim) },
            outputs: { [OUTPUT_NAME]: tensorInfo(OUTPUT_NAME, info.outputDim) },
            method_name: 'tensorflow/serving/predict',
          },
        },
      },
    },
  };
}
