// tfjs's memory API: tidy, keep, dispose, memory() and engine().startScope/endScope.
import { BlasnetError } from '../errors';
import { ENGINE, type MemoryInfo } from '../tensor/engine';
import { Tensor, getTensorsInContainer } from '../tensor';

export type TensorContainer = void | Tensor | string | number | boolean | TensorContainer[] | { [key: string]: TensorContainer } | Float32Array | Int32Array | Uint8Array;

/**
 * Runs fn and disposes every tensor it created except those it returns (a tensor, or arrays and
 * objects of tensors) and those passed to keep(). Nested tidies hand their results to the enclosing one.
 */
export function tidy<T extends TensorContainer>(nameOrFn: string | (() => T), fn?: () => T): T {
  let f: () => T;
  let name: string | undefined;
  if (fn === undefined) {
    if (typeof nameOrFn !== 'function') throw new BlasnetError('ERR_INVALID_ARG', 'Please provide a function to tidy()');
    f = nameOrFn;
  } else {
    if (typeof nameOrFn !== 'string') {
      throw new BlasnetError('ERR_INVALID_ARG', 'When calling with two arguments, the first argument to tidy() must be a string');
    }
    if (typeof fn !== 'function') {
      throw new BlasnetError('ERR_INVALID_ARG', 'When calling with two arguments, the 2nd argument to tidy() must be a function');
    }
    name = nameOrFn;
    f = fn;
  }
  ENGINE.startScope(name);
  let result: T | undefined;
  try {
    result = f();
    // As tfjs: reported, not thrown (the tensors made after the first await escape the scope).
    if (result instanceof Promise) console.error('Cannot return a Promise inside of tidy.');
    return result;
  } finally {
    ENGINE.endScope(getTensorsInContainer(result));
  }
}

/** Keeps a tensor made inside tidy() alive after it ends. */
export function keep<T extends Tensor>(result: T): T {
  result.kept = true;
  return result;
}

/** Disposes every tensor in a value (a tensor, or arrays and objects of tensors). */
export function dispose(container: TensorContainer | unknown): void {
  for (const t of getTensorsInContainer(container)) t.dispose();
}

export function memory(): MemoryInfo {
  return ENGINE.memory();
}

/** The subset of tfjs's engine() that user code calls. */
const engineFacade = {
  startScope(name?: string): void { ENGINE.startScope(name); },
  endScope(result?: TensorContainer | unknown): void { ENGINE.endScope(getTensorsInContainer(result)); },
  memory,
  keep,
  tidy,
  dispose(container: unknown): void { dispose(container); },
};

export function engine(): typeof engineFacade {
  return engineFacade;
}
