// What the CLI keeps with a model (in model.json's userDefinedMetadata.blasnetCli) and how it reads any
// model directory, including ones saved by the library or by tfjs without that metadata.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel, BlasnetError, Activation, Dense, type Sequential } from '../index';
import type { Preprocessor } from '../data/preprocess/preprocessor';
import { CliError } from './errors';
import { isSingleFileModel } from '../io/keras/formats';
import { cliMetadataOf, type CliMetadata, type Task } from '../model/metadata';

export type { Task } from '../model/metadata';

export interface LoadedModel {
  model: Sequential;
  dir: string;
  meta: CliMetadata | null;
  task: Task;
  /** Classification: label value per class index. */
  classes: (number | string)[] | null;
  /** The data preprocessor saved with the model (raw columns in, the model's inputs out), or null. */
  preprocessor: Preprocessor | null;
  /** Output is one sigmoid unit (binary classifier written without the CLI). */
  binarySigmoid: boolean;
  inputDim: number;
  outputDim: number;
}

/** The activation at the model's output (the last dense or activation layer). */
function outputActivation(model: Sequential): string {
  for (let i = model.layers.length - 1; i >= 0; i--) {
    const l = model.layers[i];
    if (l instanceof Dense || l instanceof Activation) return l.activation;
  }
  return 'linear';
}

/** Loads a model directory with errors a person can act on. */
export async function openModel(dir: string): Promise<LoadedModel> {
  let st: fs.Stats;
  try { st = fs.statSync(dir); } catch {
    throw new CliError(`${dir}: no such model directory`);
  }
  const json = st.isDirectory() ? path.join(dir, 'model.json') : dir;
  if (st.isDirectory() && !fs.existsSync(json) && !isSingleFileModel(dir)) {
    throw new CliError(`${dir}: not a model directory (no model.json; train one with: blasnet train data.csv --label <column> --out ${dir})`);
  }
  let model: Sequential;
  try {
    model = await loadModel(json);
  } catch (err) {
    if (err instanceof BlasnetError) throw new CliError(`${dir}: not a valid model: ${err.message}`);
    throw err;
  }
  const meta = cliMetadataOf(model.userDefinedMetadata);
  const inputDim = model.inputShape?.[1] ?? 0;
  const outputDim = model.outputShape?.[1] ?? 0;
  const act = outputActivation(model);
  let task: Task = meta?.task ?? (act === 'softmax' || act === 'sigmoid' ? 'classification' : 'regression');
  const preprocessor = model.getPreprocessor();
  let classes: (number | string)[] | null = null;
  let binarySigmoid = false;
  if (task === 'classification') {
    if (outputDim === 1 && act === 'sigmoid') { binarySigmoid = true; classes = meta?.classes ?? [0, 1]; }
    else if (act === 'sigmoid' && !meta) task = 'regression'; // multi-label sigmoid outputs: report the values
    else classes = meta?.classes ?? Array.from({ length: outputDim }, (_, i) => i);
  }
  if (meta && !preprocessor && meta.features.length !== inputDim) {
    throw new CliError(`${dir}: not a valid model: its metadata names ${meta.features.length} features but the model takes ${inputDim}`);
  }
  if (classes && !binarySigmoid && classes.length !== outputDim) {
    throw new CliError(`${dir}: not a valid model: its metadata names ${classes.length} classes but the model has ${outputDim} outputs`);
  }
  return { model, dir, meta, task, classes, binarySigmoid, inputDim, outputDim, preprocessor };
}

/** Class probabilities of one output row (softmax outputs as they are; one sigmoid unit as [1-p, p]). */
export function probabilities(m: LoadedModel, out: Float32Array, r: number): number[] {
  if (m.binarySigmoid) { const p = out[r]!; return [1 - p, p]; }
  const k = m.outputDim;
  return Array.from(out.subarray(r * k, r * k + k));
}

/** Shortest decimal that reads back as the same float32 (at most 9 significant digits). */
export function f32(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  for (let p = 6; p < 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === Math.fround(v)) return String(Number(s));
  }
  return String(Number(v.toPrecision(9)));
}
