// `blasnet convert <in> <out>`: between the TensorFlow.js folder, Keras (.keras; .h5 read only) and ONNX.
// The model goes through the library as any user's would: loadModel, then model.save.
import * as fs from 'node:fs';
import type { Command } from 'commander';
import { loadModel, BlasnetError } from '../index';
import { formatOfName } from '../io/keras/formats';
import { CliError, usageError } from './errors';
import type { Print } from './commands';

function kind(p: string): string {
  const f = formatOfName(p);
  if (f === 'keras') return 'Keras .keras';
  if (f === 'h5') return 'Keras HDF5 .h5';
  if (f === 'onnx') return 'ONNX';
  return 'TensorFlow.js folder';
}

export interface ConvertOptions { foldScaler?: boolean; optimizer: boolean }

export async function convert(input: string, output: string, o: ConvertOptions, print: Print): Promise<void> {
  const out = formatOfName(output);
  if (out === 'h5') throw usageError(`cannot write ${output}: legacy .h5 files are read, not written (convert to .keras, a folder or a .onnx file)`);
  if (!/^https?:\/\//i.test(input) && !fs.existsSync(input.replace(/^file:\/\//, ''))) throw new CliError(`${input}: no such file or directory`);
  let model;
  try {
    model = await loadModel(input);
  } catch (err) {
    if (err instanceof BlasnetError) throw new CliError(`${input}: cannot convert it: ${err.message}`);
    throw err;
  }
  const compiled = model.toDescription().training !== null;
  try {
    await model.save(output, { includeOptimizer: o.optimizer && compiled && out !== 'onnx', foldScaler: o.foldScaler === true });
  } catch (err) {
    if (err instanceof BlasnetError) throw new CliError(`${output}: cannot write it: ${err.message}`);
    throw err;
  }
  const params = model.countParams();
  print(`${input} (${kind(input)}) -> ${output} (${kind(output)}): ${model.layers.length} layers, ${params} parameters` +
    (out !== 'onnx' && compiled ? (o.optimizer ? ', compile config and optimizer state kept' : ', compile config dropped') : ''));
}

export function registerConvert(program: Command, print: Print): void {
  program.command('convert')
    .description('convert a model between a TensorFlow.js folder, Keras (.keras; .h5 read only) and ONNX (.onnx)')
    .argument('<in>', 'a model folder (or model.json), model.keras, model.h5, model.onnx, or an http(s) URL of one')
    .argument('<out>', 'a folder (TensorFlow.js layers format), model.keras or model.onnx')
    .option('--fold-scaler', 'ONNX: put the model\'s saved scaler into the graph (Sub/Div), so it takes raw features')
    .option('--no-optimizer', 'folder, .keras: leave out the optimizer state')
    .action(async (input: string, output: string, o: ConvertOptions) => { await convert(input, output, o, print); });
}
