// What the free functions that run a model (fit.ts, evaluate.ts) need of it: checked inputs, the
// compiled config, and engine calls in the model's queue.
import type { Matrix, Net } from '../engine/types';
import type { Compiled } from './compile';

export interface ModelTarget {
  /** null before compile(). */
  readonly compiled: Compiled | null;
  /** x checked against the model's input (which it builds from the first data). */
  features(x: unknown, arg: string): Matrix;
  /** Labels checked against the output layer and the compiled loss. */
  labels(y: unknown, arg: string, rows: number): Matrix;
  outputDim(): number;
  /** The engine net (created on first use). */
  net(): Net;
  /** One asynchronous engine call on the net. */
  engineCall<T>(f: (net: Net) => Promise<T>): Promise<T>;
  /**
   * Runs `f` after the calls already queued on the model; `what` names the call in errors. runsUserCode
   * false: `f` calls back into no user code (calls/CallQueue.exclusive).
   */
  exclusive<T>(what: string, f: () => Promise<T>, runsUserCode?: boolean): Promise<T>;
}
