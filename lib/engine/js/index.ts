// The pure TypeScript engine: same interface and algorithm as the native one, used wherever no native
// binary loads. It runs on the main thread and yields to the event loop every ~10 ms of work.
import { invalidArg } from '../../errors';
import type { Engine, EngineInfo, NetSpec, Net } from '../types';
import { JsNet } from './js-net';

let threads = 1;

export const jsEngine: Engine = {
  name: 'js',
  createNet(spec: NetSpec, params: Float32Array): Net {
    return new JsNet(spec, params);
  },
  info(): EngineInfo {
    return { engine: 'js', blasConfig: null, blasCore: null, threads, nativeUnavailableReason: null };
  },
  setNumThreads(n: number): void {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 1024) {
      throw invalidArg('setNumThreads(n)', 'an integer from 1 to 1024', n);
    }
    // Only recorded for engineInfo(): the TypeScript engine computes on the calling thread (worker
    // threads for it may come later).
    threads = n;
  },
};

export { gemm, gemmNaive } from './gemm';
