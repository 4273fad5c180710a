// What the free functions that run a model (fit.ts, evaluate.ts) need of it: checked inputs, the
// compiled config, and engine calls in the model's queue.
import type { Matrix, Net } from '../engine/types';
import type { Compiled } from './compile';

export interface ModelTarget {
  /** null before compile(). */
  readonly compiled: Compiled | null;
  /**
   * x checked against the model's input (which it builds from the first data); its values too unless
   * `values` is false (the caller then checks them, as fit does over several event-loop turns).
   */
  features(x: unknown, arg: string, values?: boolean): Matrix;
  /**
   * Labels checked against the output layer and the compiled loss; their values too unless `values` is
   * false (the caller then checks them; class indices are checked here all the same).
   */
  labels(y: unknown, arg: string, rows: number, values?: boolean): Matrix;
  outputDim(): number;
  /** The engine net (created on first use). */
  net(): Net;
  /** Work of the model's own between engine calls, counted as engine work (synchronous calls wait for its end). */
  computing<T>(f: () => Promise<T>): Promise<T>;
  /** One asynchronous engine call on the net. */
  engineCall<T>(f: (net: Net) => Promise<T>): Promise<T>;
  /**
   * Runs `f` after the calls already queued on the model; `what` names the call in errors. runsUserCode
   * false: `f` calls back into no user code (calls/CallQueue.exclusive).
   */
  exclusive<T>(what: string, f: () => Promise<T>, runsUserCode?: boolean): Promise<T>;
}
