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

export interface EarlyStoppingArgs {
  /** Default 'val_loss'; 'acc' is accepted for 'accuracy'. */
  monitor?: string;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Epochs without improvement before stopping (default 0). */
  patience?: number;
  mode?: Mode;
  /** Training stops if the monitored value does not improve on this. */
  baseline?: number;
  /** Restore the weights of the best epoch when stopping (default false). */
  restoreBestWeights?: boolean;
  /** Epochs to wait before counting (default 0). */
  startFromEpoch?: number;
  verbose?: number;
}

/** Keras EarlyStopping (same state machine as keras/src/callbacks/early_stopping.py). */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly mode: 'min' | 'max';
  readonly baseline: number | null;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  private readonly verbose: number;
  wait = 0;
  stoppedEpoch = 0;
  best = Infinity;
  bestEpoch = 0;
  private bestWeights: Float32Array[] | null = null;

  constructor(args: EarlyStoppingArgs = {}) {
    super();
    const fn = 'earlyStopping';
    optionsObject(args, `${fn} options`);
    this.monitor = monitorArg(args.monitor, fn, 'val_loss');
    this.minDelta = Math.abs(nonNeg(args.minDelta, `${fn} minDelta`, 0));
    this.patience = nonNeg(args.patience, `${fn} patience`, 0, true);
    this.mode = monitorMode(checkMode(args.mode, fn), this.monitor);
    this.baseline = orDefault(args.baseline, null, (x) => finiteNumber(x, `${fn} baseline`), true);
    this.restoreBestWeights = orDefault(args.restoreBestWeights, false, (x) => bool(x, `${fn} restoreBestWeights`));
    this.startFromEpoch = nonNeg(args.startFromEpoch, `${fn} startFromEpoch`, 0, true);
    this.verbose = args.verbose ?? 0;
  }

  private improved(v: number, ref: number): boolean {
    return this.mode === 'min' ? v - this.minDelta < ref : v + this.minDelta > ref;
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.bestWeights = null;
    this.bestEpoch = 0;
  }

  onEpochEnd(epoch: number, logs?: Logs): void {
    const current = readMonitor(logs, this.monitor, 'earlyStopping');
    if (current === undefined || epoch < this.startFromEpoch) return;
    const model = this.requireModel();
    if (this.restoreBestWeights && this.bestWeights === null) this.bestWeights = snapshot(model);
    this.wait += 1;
    if (this.improved(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = snapshot(model);
      if (this.baseline === null || this.improved(current, this.baseline)) {
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

export interface ReduceLROnPlateauArgs {
  monitor?: string;
  /** New rate = rate * factor (default 0.1; must be < 1). */
  factor?: number;
  /** Epochs without improvement before reducing (default 10). */
  patience?: number;
  mode?: Mode;
  /** Default 1e-4. */
  minDelta?: number;
  /** Epochs to wait after a reduction (default 0). */
  cooldown?: number;
  /** Lower bound of the rate (default 0). */
  minLr?: number;
  verbose?: number;
}

/** Keras ReduceLROnPlateau. */
export class ReduceLROnPlateau extends Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly mode: 'min' | 'max';
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  private readonly verbose: number;
  wait = 0;
  cooldownCounter = 0;
  best = Infinity;

  constructor(args: ReduceLROnPlateauArgs = {}) {
    super();
    const fn = 'reduceLROnPlateau';
    optionsObject(args, `${fn} options`);
    this.monitor = monitorArg(args.monitor, fn, 'val_loss');
    const factor = args.factor ?? 0.1;
    if (typeof factor !== 'number' || !(factor > 0 && factor < 1)) throw invalidArg(`${fn} factor`, 'a number in (0, 1)', factor);
    this.factor = factor;
    this.patience = nonNeg(args.patience, `${fn} patience`, 10, true);
    this.mode = monitorMode(checkMode(args.mode, fn), this.monitor);
    this.minDelta = nonNeg(args.minDelta, `${fn} minDelta`, 1e-4);
    this.cooldown = nonNeg(args.cooldown, `${fn} cooldown`, 0, true);
    this.minLr = nonNeg(args.minLr, `${fn} minLr`, 0);
    this.verbose = args.verbose ?? 0;
  }

  private better(a: number, b: number): boolean {
    return this.mode === 'min' ? a < b - this.minDelta : a > b + this.minDelta;
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.cooldownCounter = 0;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  onEpochEnd(epoch: number, logs?: Logs): void {
    const current = readMonitor(logs, this.monitor, 'reduceLROnPlateau');
    if (current === undefined) return;
    const model = this.requireModel();
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.wait = 0;
    }
    if (this.better(current, this.best)) {
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
      if (!(this.mode === 'min' ? v < this.best : v > this.best)) return;
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
