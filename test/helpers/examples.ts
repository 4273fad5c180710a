// The programs in examples/ are plain JavaScript for users to read and run. Each exports
// run(library, options), so the tests run them against the TypeScript sources; their signatures are
// declared here, the one place the JavaScript boundary is crossed.
import * as path from 'node:path';
import type * as blasnet from '../../lib/index';
import type { History, Sequential, Tensor2D } from '../../lib/index';

const EXAMPLES = path.resolve(__dirname, '../../examples');

type Library = typeof blasnet;

export interface SeedExample {
  run(library: Library, options: { verbose?: number; saveDir?: string | null }): Promise<{
    model: Sequential; history: History; lossFirst: number; lossLast: number; Xs: Tensor2D;
    /** The saved model loaded back; null without saveDir. */
    reloaded: Sequential | null;
  }>;
}

export interface IrisExample {
  run(library: Library, options: { file: string; verbose?: number }): Promise<{
    model: Sequential; history: History; loss: number; accuracy: number;
  }>;
}

export async function seedExample(): Promise<SeedExample> {
  return (await import(path.join(EXAMPLES, 'seed.js'))) as SeedExample;
}

export async function irisExample(): Promise<IrisExample> {
  return (await import(path.join(EXAMPLES, 'iris.js'))) as IrisExample;
}
