// Training callbacks: plain objects with tfjs hook names, and the Keras built-ins.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlasnetError, invalidArg } from '../errors';
import { bool, finiteNumber, nonNegativeInt, nonNegativeNumber, oneOf, optionsObject, orDefault } from '../validate';
import { canonicalLogKey, logValue } from './metrics';

export type Logs = Record<string, number>;

/** The hooks a callback may define (tfjs names); each may return a promise, which fit awaits. */
export interface CallbackHooks {
  onTrainBegin?(logs?: Logs): void | Promise<void>;
  onTrainEnd?(logs?: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs?: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs?: Logs): void | Promise<void>;
  /** Defining a batch hook makes fit call the engine once per batch (slower than once per epoch). */
  onBatchBegin?(batch: number, logs?: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs?: Logs): void | Promise<void>;
  /** Called with the model before training starts. */
  setModel?(model: TrainableModel): void;
}

/** What the built-in callbacks use of a model. */
export interface TrainableModel {
  stopTraining: boolean;
  getLearningRate(): number;
  setLearningRate(lr: number): void;
  getWeights(): { dataSync(): ArrayLike<number>; shape: number[] }[];
  setWeights(weights: ({ dataSync(): Float32Array; shape: number[] } | Float32Array)[]): void;
  save(target: string, options?: { includeOptimizer?: boolean }): Promise<unknown>;
}

/** Base class of the built-ins; subclasses define only the hooks they use. */
export abstract class Callback implements CallbackHooks {
  protected model: TrainableModel | null = null;
  setModel(model: TrainableModel): void { this.model = model; }
  protected requireModel(): TrainableModel {
    if (!this.model) throw new BlasnetError('ERR_INVALID_ARG', `${this.constructor.name} was used outside fit()`);
    return this.model;
  }
}

type Mode = 'auto' | 'min' | 'max';

function monitorMode(mode: Mode, monitor: string): 'min' | 'max' {
  if (mode === 'min' || mode === 'max') return mode;
  const k = monitor.replace(/^val_/, '');
  return /acc|auc|precision|recall/.test(k) ? 'max' : 'min';
}

/**
 * Keras's improvement test, shared by every callback that watches a monitor: `value` beats `reference`
 * by more than minDelta in the monitor's direction.
 */
function improves(mode: 'min' | 'max', value: number, reference: number, minDelta: number): boolean {
  return mode === 'min' ? value < reference - minDelta : value > reference + minDelta;
}

function checkMode(v: unknown, fn: string): Mode {
  return orDefault(v, 'auto', (x) => oneOf(x, `${fn} mode`, ['auto', 'min', 'max'] as const));
}

function nonNeg(v: unknown, name: string, dflt: number, integer = false): number {
  return orDefault(v, dflt, (x) => (integer ? nonNegativeInt(x, name) : nonNegativeNumber(x, name)));
}

function monitorArg(v: unknown, fn: string, dflt: string): string {
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || v === '') throw invalidArg(`${fn} monitor`, 'a log key such as "val_loss"', v);
  return canonicalLogKey(v);
}

function readMonitor(logs: Logs | undefined, key: string, fn: string): number | undefined {
  const v = logValue(logs, key);
  if (v === undefined) {
    const avail = Object.keys(logs ?? {}).join(', ');
    process.emitWarning(`${fn}: the monitored quantity "${key}" is not in the logs (available: ${avail})`,
      { code: 'BLASNET_MONITOR' });
  }
  return v;
}

/** What every callback that watches one logged quantity takes (Keras's monitor, mode, min_delta, patience). */
export interface MonitorArgs {
  /** The log key to watch (default 'val_loss'); 'acc' is accepted for 'accuracy'. */
  monitor?: string;
  /** 'min', 'max' or 'auto' (the default: 'max' for accuracy-like keys, else 'min'). */
  mode?: Mode;
  /** A change of at most this much is no improvement (default 0 for earlyStopping, 1e-4 for reduceLROnPlateau). */
  minDelta?: number;
  /** Epochs without improvement before acting (default 0 for earlyStopping, 10 for reduceLROnPlateau). */
  patience?: number;
  verbose?: number;
}

/** A callback that watches one logged quantity: its options, the best value so far and the epochs since. */
abstract class MonitorCallback extends Callback {
  readonly monitor: string;
  readonly mode: 'min' | 'max';
  readonly minDelta: number;
  readonly patience: number;
  protected readonly verbose: number;
  wait = 0;
  best = Infinity;

  protected constructor(protected readonly fn: string, args: MonitorArgs, defaults: { minDelta: number; patience: number }) {
    super();
    optionsObject(args, `${fn} options`);
    this.monitor = monitorArg(args.monitor, fn, 'val_loss');
    this.mode = monitorMode(checkMode(args.mode, fn), this.monitor);
    this.minDelta = nonNeg(args.minDelta, `${fn} minDelta`, defaults.minDelta);
    this.patience = nonNeg(args.patience, `${fn} patience`, defaults.patience, true);
    this.verbose = args.verbose ?? 0;
  }

  /** Keras's improvement test: `value` beats `reference` by more than minDelta in the monitor's direction. */
  protected improves(value: number, reference: number): boolean {
    return improves(this.mode, value, reference, this.minDelta);
  }

  protected resetBest(): void {
    this.wait = 0;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  /** The monitored value in these logs (a warning when it is missing). */
  protected current(logs: Logs | undefined): number | undefined {
    return readMonitor(logs, this.monitor, this.fn);
  }
}

export interface EarlyStoppingArgs extends MonitorArgs {
  /** Training stops if the monitored value does not improve on this. */
  baseline?: number;
  /** Restore the weights of the best epoch when stopping (default false). */
  restoreBestWeights?: boolean;
  /** Epochs to wait before counting (default 0). */
  startFromEpoch?: number;
}

/** Keras EarlyStopping (same state machine as keras/src/callbacks/early_stopping.py). */
export class EarlyStopping extends MonitorCallback {
  readonly baseline: number | null;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  stoppedEpoch = 0;
  bestEpoch = 0;
  private bestWeights: Float32Array[] | null = null;

  constructor(args: EarlyStoppingArgs = {}) {
    super('earlyStopping', args, { minDelta: 0, patience: 0 });
    this.baseline = orDefault(args.baseline, null, (x) => finiteNumber(x, `${this.fn} baseline`), true);
    this.restoreBestWeights = orDefault(args.restoreBestWeights, false, (x) => bool(x, `${this.fn} restoreBestWeights`));
    this.startFromEpoch = nonNeg(args.startFromEpoch, `${this.fn} startFromEpoch`, 0, true);
  }

  onTrainBegin(): void {
    this.resetBest();
    this.stoppedEpoch = 0;
    this.bestWeights = null;
    this.bestEpoch = 0;
  }

  onEpochEnd(epoch: number, logs?: Logs): void {
    const current = this.current(logs);
    if (current === undefined || epoch < this.startFromEpoch) return;
    const model = this.requireModel();
    if (this.restoreBestWeights && this.bestWeights === null) this.bestWeights = snapshot(model);
    this.wait += 1;
    if (this.improves(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = snapshot(model);
      if (this.baseline === null || this.improves(current, this.baseline)) {
        this.wait = 0;
        return;
      }
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      model.stopTraining = true;
      if (this.restoreBestWeights && this.bestWeights) model.setWeights(this.bestWeights);
    }
  }

  onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) {
      console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping (best ${this.monitor} ${this.best} at epoch ${this.bestEpoch + 1})`);
    }
  }
}

function snapshot(model: TrainableModel): Float32Array[] {
  return model.getWeights().map((t) => Float32Array.from(t.dataSync()));
}

export interface ReduceLROnPlateauArgs extends MonitorArgs {
  /** New rate = rate * factor (default 0.1; must be < 1). */
  factor?: number;
  /** Epochs to wait after a reduction (default 0). */
  cooldown?: number;
  /** Lower bound of the rate (default 0). */
  minLr?: number;
}

/** Keras ReduceLROnPlateau. */
export class ReduceLROnPlateau extends MonitorCallback {
  readonly factor: number;
  readonly cooldown: number;
  readonly minLr: number;
  cooldownCounter = 0;

  constructor(args: ReduceLROnPlateauArgs = {}) {
    super('reduceLROnPlateau', args, { minDelta: 1e-4, patience: 10 });
    const factor = args.factor ?? 0.1;
    if (typeof factor !== 'number' || !(factor > 0 && factor < 1)) throw invalidArg(`${this.fn} factor`, 'a number in (0, 1)', factor);
    this.factor = factor;
    this.cooldown = nonNeg(args.cooldown, `${this.fn} cooldown`, 0, true);
    this.minLr = nonNeg(args.minLr, `${this.fn} minLr`, 0);
  }

  onTrainBegin(): void {
    this.resetBest();
    this.cooldownCounter = 0;
  }

  onEpochEnd(epoch: number, logs?: Logs): void {
    const current = this.current(logs);
    if (current === undefined) return;
    const model = this.requireModel();
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.wait = 0;
    }
    if (this.improves(current, this.best)) {
      this.best = current;
      this.wait = 0;
    } else if (this.cooldownCounter <= 0) {
      this.wait += 1;
      if (this.wait >= this.patience) {
        const old = model.getLearningRate();
        if (old > this.minLr) {
          const lr = Math.max(old * this.factor, this.minLr);
          model.setLearningRate(lr);
          if (this.verbose > 0) console.log(`Epoch ${epoch + 1}: reducing learning rate to ${lr}`);
          this.cooldownCounter = this.cooldown;
          this.wait = 0;
        }
      }
    }
  }
}

/** Sets the learning rate at the start of each epoch to fn(epoch, currentRate). */
export class LearningRateScheduler extends Callback {
  constructor(private readonly fn: (epoch: number, lr: number) => number) {
    super();
    if (typeof fn !== 'function') throw invalidArg('learningRateScheduler(fn)', 'a function (epoch, lr) => lr', fn);
  }
  async onEpochBegin(epoch: number): Promise<void> {
    const model = this.requireModel();
    const lr = await this.fn(epoch, model.getLearningRate());
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr <= 0) {
      throw invalidArg('the learning rate returned by the learningRateScheduler function', 'a finite number > 0', lr);
    }
    model.setLearningRate(lr);
  }
}

/** Stops training (without an error) when the loss becomes NaN or infinite. */
export class TerminateOnNaN extends Callback {}

/** Appends one CSV row per epoch: epoch, then the log keys in sorted order. */
export class CSVLogger extends Callback {
  private keys: string[] | null = null;
  constructor(readonly filename: string, private readonly options: { separator?: string; append?: boolean } = {}) {
    super();
    if (typeof filename !== 'string' || filename === '') throw invalidArg('csvLogger(path)', 'a file path', filename);
  }
  onTrainBegin(): void {
    this.keys = null;
    const append = this.options.append ?? false;
    if (!append) fs.writeFileSync(this.filename, '');
    else if (fs.existsSync(this.filename) && fs.statSync(this.filename).size > 0) {
      const header = fs.readFileSync(this.filename, 'utf8').split('\n')[0] ?? '';
      this.keys = header.split(this.options.separator ?? ',').slice(1);
    }
  }
  onEpochEnd(epoch: number, logs: Logs = {}): void {
    const sep = this.options.separator ?? ',';
    let out = '';
    if (this.keys === null) {
      this.keys = Object.keys(logs).sort();
      out += ['epoch', ...this.keys].join(sep) + '\n';
    }
    out += [String(epoch), ...this.keys.map((k) => (logs[k] === undefined ? '' : String(logs[k])))].join(sep) + '\n';
    fs.appendFileSync(this.filename, out);
  }
}

export interface ModelCheckpointArgs {
  monitor?: string;
  /** Only save when the monitored value improves (default false: save every epoch). */
  saveBestOnly?: boolean;
  mode?: Mode;
  /** Also save the optimizer state (default false). */
  includeOptimizer?: boolean;
  verbose?: number;
}

/**
 * Saves the model at the end of epochs. The path may contain `{epoch}` (1-based, `{epoch:02d}` padded)
 * and log keys (`{val_loss:.4f}`), as Keras's filepath templates.
 */
export class ModelCheckpoint extends Callback {
  readonly monitor: string;
  readonly saveBestOnly: boolean;
  readonly mode: 'min' | 'max';
  best: number;
  private readonly includeOptimizer: boolean;
  private readonly verbose: number;
  constructor(readonly filepath: string, args: ModelCheckpointArgs = {}) {
    super();
    if (typeof filepath !== 'string' || filepath === '') throw invalidArg('modelCheckpoint(path)', 'a directory path', filepath);
    this.monitor = monitorArg(args.monitor, 'modelCheckpoint', 'val_loss');
    this.saveBestOnly = args.saveBestOnly ?? false;
    this.mode = monitorMode(checkMode(args.mode, 'modelCheckpoint'), this.monitor);
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.includeOptimizer = args.includeOptimizer ?? false;
    this.verbose = args.verbose ?? 0;
  }
  onTrainBegin(): void {
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }
  async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    const model = this.requireModel();
    if (this.saveBestOnly) {
      const v = readMonitor(logs, this.monitor, 'modelCheckpoint');
      if (v === undefined) return;
      if (!improves(this.mode, v, this.best, 0)) return;
      this.best = v;
    }
    const target = formatPath(this.filepath, epoch + 1, logs);
    await model.save(target, { includeOptimizer: this.includeOptimizer });
    if (this.verbose > 0) console.log(`Epoch ${epoch + 1}: saved model to ${path.resolve(target)}`);
  }
}

function formatPath(p: string, epoch: number, logs: Logs): string {
  return p.replace(/\{([a-zA-Z_]+)(?::([0-9.]*)([df]))?\}/g, (all, key: string, width: string | undefined, kind: string | undefined) => {
    const v = key === 'epoch' ? epoch : logValue(logs, key);
    if (v === undefined) return all;
    if (kind === 'f') {
      const digits = Number((width ?? '').split('.')[1] ?? 6);
      return v.toFixed(digits);
    }
    if (kind === 'd') {
      const w = Number(width ?? 0);
      return String(Math.trunc(v)).padStart(w, '0');
    }
    return String(v);
  });
}

/** Built-in callbacks (tfjs's tf.callbacks plus the Keras ones tfjs lacks). */
export const callbacks = {
  earlyStopping: (args?: EarlyStoppingArgs): EarlyStopping => new EarlyStopping(args),
  reduceLROnPlateau: (args?: ReduceLROnPlateauArgs): ReduceLROnPlateau => new ReduceLROnPlateau(args),
  learningRateScheduler: (fn: (epoch: number, lr: number) => number): LearningRateScheduler => new LearningRateScheduler(fn),
  terminateOnNaN: (): TerminateOnNaN => new TerminateOnNaN(),
  csvLogger: (filename: string, options?: { separator?: string; append?: boolean }): CSVLogger => new CSVLogger(filename, options),
  modelCheckpoint: (filepath: string, args?: ModelCheckpointArgs): ModelCheckpoint => new ModelCheckpoint(filepath, args),
};
