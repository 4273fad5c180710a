// The pure TypeScript engine: same interface and algorithm as the native one, used wherever no native
// binary loads. It runs on the main thread and yields to the event loop every ~10 ms of work.
import type { Engine, EngineInfo, NetSpec, Net } from '../types';
import { JsNet } from './net';

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
    // Recorded for engineInfo(); the TypeScript engine computes on the calling thread.
    threads = n;
  },
};

export { gemm, gemmNaive } from './gemm';
