// Every public op runs in its own scope, as tfjs's op() wrapper does: tensors an op makes on the way
// (inputs converted from arrays, intermediate results) are disposed when it returns, so tf.memory()
// counts exactly the outputs.
import { ENGINE } from '../../tensor/engine';
import { getTensorsInContainer } from '../../tensor';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function op<F extends (...args: any[]) => unknown>(name: string, f: F): F {
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    ENGINE.startScope(name);
    let result: unknown;
    try {
      result = f.apply(this, args);
      return result;
    } finally {
      ENGINE.endScope(getTensorsInContainer(result));
    }
  };
  Object.defineProperty(wrapped, 'name', { value: name });
  return wrapped as unknown as F;
}
