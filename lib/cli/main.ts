#!/usr/bin/env node
// The `blasnet` command: demo, train, evaluate, predict, summary, convert, serve, info; worker, submit, jobs, tune (lib/cli/jobs.ts).
// Errors are one line on stderr (exit 1 for files and data, 2 for usage); --verbose adds the stack.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { BlasnetError } from '../index';
import { CliError } from './errors';
import { train, evaluate, predict, summary, info, type Print } from './commands';
import { demo } from './demo';
import { registerConvert } from './convert';
import { registerJobCommands } from './jobs';
import { addDataOptions, dataFlagsOf } from './table';
import { fractionOption, intFromFlag, intOption, numberOption } from './flags';
import { registerServe } from './serve';
import type { Task } from './model-info';

const print: Print = (line) => { process.stdout.write(line + '\n'); };

function version(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch { return 'unknown'; }
}

function hiddenList(v: string): number[] {
  if (v.trim() === '' || v.trim() === 'none') return [];
  const parts = v.split(',').map((s) => s.trim());
  return parts.map((s) => intFromFlag(s, '--hidden (layer widths like 64,32, or "none")', 1));
}

/** Peak resident memory of this process (VmHWM; getrusage's maxrss can carry a parent's peak across exec). */
function peakRssKb(): number {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch { /* not Linux */ }
  return process.resourceUsage().maxRSS;
}

function fitVerbose(cmd: Command): 0 | 1 {
  return cmd.optsWithGlobals().quiet ? 0 : 1;
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('blasnet')
    .description('Train, evaluate and serve dense neural networks from CSV files (OpenBLAS native engine, or pure TypeScript).')
    .version(version(), '-V, --version')
    .option('--verbose', 'print stack traces with errors')
    .option('-q, --quiet', 'no progress output while training')
    .addOption(new Option('--report-peak-rss', 'print the peak RSS in kB to stderr at exit (tests)').hideHelp())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (s, write) => write(`blasnet: ${s.replace(/^error: /, '')}`) });

  program.command('demo')
    .description('train an MLP on the handwritten digits shipped with blasnet, show the loss curve, save, reload and predict')
    .addOption(intOption('--epochs <n>', 'training epochs', 1).default(30))
    .option('--out <dir>', 'where to save the model (default: a new temporary directory)')
    .addOption(intOption('--seed <n>', 'random seed', 0).default(42))
    .action(async (o: { epochs: number; out?: string; seed: number }, cmd: Command) => {
      await demo({ epochs: o.epochs, out: o.out, seed: o.seed, fitVerbose: fitVerbose(cmd) }, print);
    });

  addDataOptions(program.command('train')
    .description('train a model on a CSV or JSON Lines table (column types inferred; missing values imputed, categories one-hot encoded, numbers standardized; all saved with the model)')
    .argument('<data.csv>', 'training data with a header row (gzip too)')
    .requiredOption('--label <column>', 'the column to predict (with --no-header: its 0-based index)')
    .addOption(new Option('--task <task>', 'classification or regression (default: classification for text labels and for at most 20 distinct integers)').choices(['classification', 'regression']))
    .option('--hidden <widths>', 'hidden layer widths, comma-separated ("none" for no hidden layer)', hiddenList, [64, 32])
    .option('--activation <name>', 'activation of the hidden layers', 'relu')
    .addOption(intOption('--epochs <n>', 'training epochs (default: up to 200, stopping when the validation loss has not improved for 10 epochs)', 1))
    .addOption(intOption('--batch-size <n>', 'rows per gradient step', 1).default(32))
    .option('--optimizer <name>', 'sgd, adam, adamw, rmsprop or adagrad', 'adam')
    .addOption(numberOption('--learning-rate <x>', "the optimizer's learning rate (default: the optimizer's own, 0.001 for adam)", 'a number > 0', (v) => v > 0))
    .addOption(fractionOption('--validation-split <f>', 'fraction of the training rows held out for validation, stratified by class (default 0.1 without --epochs, else 0)'))
    .addOption(intOption('--early-stopping <patience>', 'stop after this many epochs without improvement (val_loss, or loss) and keep the best weights', 1))
    .addOption(fractionOption('--test-split <f>', 'fraction of the rows held out (stratified by class) and scored at the end'))
    .addOption(intOption('--cv <k>', 'k-fold cross-validation first: the mean and spread of the scores, then the final model on all rows', 2))
    .option('--explain-data', 'print the data report (column types, missing values, categories, classes) and stop')
    .addOption(new Option('--missing-label <what>', 'rows without a label: drop them (and say how many) or stop with an error').choices(['drop', 'error']).default('drop'))
    .addOption(intOption('--max-categories <n>', 'one-hot columns per categorical column: the most frequent ones, the rest share an "(other)" column (default 50)', 1))
    .addOption(intOption('--seed <n>', 'random seed (weights, shuffling, splits)', 0).default(42))
    .option('--out <dir>', 'model directory to write', 'blasnet-model')
    .option('--plot <file.svg>', 'write an SVG chart of loss and metrics per epoch'))
    .action(async (file: string, o: {
      label: string; task?: Task; hidden: number[]; activation: string; epochs?: number; batchSize: number; optimizer: string;
      learningRate?: number; validationSplit?: number; earlyStopping?: number; seed: number; out: string; plot?: string;
      testSplit?: number; cv?: number; explainData?: boolean; missingLabel: 'drop' | 'error'; maxCategories?: number;
    }, cmd: Command) => {
      await train(file, { ...o, fitVerbose: fitVerbose(cmd), data: dataFlagsOf(o) }, print);
    });

  addDataOptions(program.command('evaluate')
    .description('loss and metrics of a saved model on a labelled CSV or JSONL file')
    .argument('<model>', 'a model directory (model.json), or a .keras, .h5 or .onnx file')
    .argument('<data.csv>', 'labelled data (the columns the model was trained on, and the label)')
    .option('--label <column>', 'the label column (default: the one the model was trained on)')
    .addOption(intOption('--batch-size <n>', 'rows read and evaluated at a time', 1).default(4096)))
    .action(async (dir: string, file: string, o: { label?: string; batchSize: number }) => {
      await evaluate(dir, file, { label: o.label, batchSize: o.batchSize, data: dataFlagsOf(o) }, print, (l) => process.stderr.write(l + '\n'));
    });

  addDataOptions(program.command('predict')
    .description('stream predictions for a CSV or JSONL file (or - for stdin) to stdout: class and probabilities by class name, or values')
    .argument('<model>', 'a model directory (model.json), or a .keras, .h5 or .onnx file')
    .argument('<input>', 'input.csv, input.jsonl, or - to read stdin')
    .addOption(intOption('--batch-size <n>', 'rows read, predicted and written at a time', 1).default(1024))
    .addOption(new Option('--format <format>', 'output format (default: that of the input)').choices(['csv', 'jsonl'])))
    .action(async (dir: string, input: string, o: { batchSize: number; format?: 'csv' | 'jsonl' }) => {
      await predict(dir, input, { batchSize: o.batchSize, format: o.format, data: dataFlagsOf(o) }, process.stdout);
    });

  program.command('summary')
    .description("a model's layers, shapes and parameter counts, and what the CLI saved with it")
    .argument('<model>', 'a model directory (model.json), or a .keras, .h5 or .onnx file')
    .action(async (dir: string) => { await summary(dir, print); });

  registerConvert(program, print);
  registerServe(program);

  program.command('info')
    .description('the engine in use, OpenBLAS core and threads, Node and platform')
    .action(() => { info(print, version()); });

  registerJobCommands(program, print);
  return program;
}

function report(err: unknown, verbose: boolean): number {
  if (err instanceof CommanderError) {
    // Commander has printed its message already; help and version exit 0.
    return err.exitCode === 0 ? 0 : 2;
  }
  const code = err instanceof CliError ? err.exitCode : 1;
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`blasnet: ${msg.split('\n')[0]}\n`);
  if (verbose && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  else if (!(err instanceof CliError) && !(err instanceof BlasnetError)) process.stderr.write('(run with --verbose for details)\n');
  return code;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  // A closed pipe (blasnet predict ... | head) ends the output quietly.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => { if (err.code === 'EPIPE') process.exit(0); throw err; });
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    return report(err, argv.includes('--verbose'));
  } finally {
    if (argv.includes('--report-peak-rss')) process.stderr.write(`peak-rss-kb: ${peakRssKb()}\n`);
  }
}

if (require.main === module) {
  void main(process.argv).then((code) => {
    // Let stdout drain before exiting (large outputs to pipes).
    process.exitCode = code;
  });
}
