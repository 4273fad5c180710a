// Chooses the engine once: native if its binary loads, else the TypeScript engine with one notice.
// BLASNET_ENGINE=native|js or setEngine() force a choice; forcing native where it cannot load throws.
import { BlasnetError, invalidArg } from '../errors';
import { jsEngine } from './js';
import { loadNativeEngine } from './native';
import type { Engine, EngineInfo, ScheduleSpec } from './types';
import { scheduleLr } from './js/optimizers';

let current: Engine | null = null;
let nativeFailure: string | null = null;
let noticeShown = false;

function tryNative(): Engine | null {
  try {
    return loadNativeEngine();
  } catch (err) {
    nativeFailure = err instanceof Error ? err.message : String(err);
    return null;
  }
}

function forcedNative(): Engine {
  const engine = tryNative();
  if (!engine) {
    throw new BlasnetError('ERR_ENGINE_UNAVAILABLE',
      `The native engine was requested but cannot load: ${nativeFailure}. ` +
      'Install OpenBLAS and a compiler (apt-get install libopenblas-dev g++ make python3) and run npm rebuild blasnet, ' +
      'or use the TypeScript engine (BLASNET_ENGINE=js).');
  }
  return engine;
}

function choose(): Engine {
  const forced = process.env.BLASNET_ENGINE;
  if (forced !== undefined && forced !== '') {
    if (forced === 'native') return forcedNative();
    if (forced === 'js') return jsEngine;
    throw invalidArg('BLASNET_ENGINE', '"native" or "js"', forced);
  }
  const engine = tryNative();
  if (engine) return engine;
  if (!noticeShown && process.env.BLASNET_QUIET !== '1') {
    noticeShown = true;
    process.emitWarning(
      `blasnet: native engine unavailable (${nativeFailure}); using the TypeScript engine. ` +
      'For native speed: apt-get install libopenblas-dev g++ && npm rebuild blasnet.', { code: 'BLASNET_JS_ENGINE' });
  }
  return jsEngine;
}

/** The engine in use (chosen on first call). */
export function getEngine(): Engine {
  if (!current) current = choose();
  return current;
}

/** Forces an engine for models created from now on. */
export function setEngine(name: 'native' | 'js'): void {
  if (name === 'native') current = forcedNative();
  else if (name === 'js') current = jsEngine;
  else throw invalidArg('engine name', '"native" or "js"', name);
}

/** The engine in use, the BLAS it runs on and its thread count. */
export function engineInfo(): EngineInfo {
  const info = getEngine().info();
  return { ...info, nativeUnavailableReason: info.engine === 'native' ? null : nativeFailure };
}

/** Threads for BLAS (native) or worker threads (js). */
export function setNumThreads(n: number): void {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 1024) {
    throw invalidArg('setNumThreads(n)', 'an integer from 1 to 1024', n);
  }
  getEngine().setNumThreads(n);
}

export type { Engine, EngineInfo } from './types';
/** The learning rate a schedule gives at a step, as both engines compute it (the model's schedules report it). */
export function scheduledLearningRate(lr0: number, schedule: ScheduleSpec, step: number): number {
  return scheduleLr({ schedule }, lr0, step);
}
