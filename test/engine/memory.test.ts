// Memory: create -> fit (1 epoch, small data) -> predict -> dispose cycles, and cycles that leave the
// models to the garbage collector, in a child with --expose-gc (RSS measured after full GCs); RSS after
// the first 100 cycles must grow by less than 20 MB over the rest. Runs on the engine chosen by
// BLASNET_ENGINE (the child inherits it). The child's young generation is capped at 1 MB: V8 otherwise
// grows it (16 -> 32 MB) at a moment of its choosing, RSS growth that no leak caused (heapUsed stays flat).
import * as path from 'path';
import { beforeAll, describe, expect, it } from 'vitest';
import { getEngine } from '../../lib/engine';
import { FIXTURES, ROOT, requireDist, result, runNode } from '../fixtures/robust/child';

const ENGINE = getEngine().name;
const CHILD = path.join(FIXTURES, 'memory-child.js');
const SMALL_YOUNG_GENERATION = ['--max-semi-space-size=1'];

interface MemResult { engine: string; cycles: number; rssAtWarmupMB: number; rssEndMB: number; growthMB: number; ms: number; finite: boolean }

describe(`memory over many model lifetimes (${ENGINE} engine)`, () => {
  beforeAll(requireDist);

  it('2,000 cycles with dispose(): RSS grows < 20 MB after the first 100', async () => {
    const r = result<MemResult>(await runNode(['--expose-gc', ...SMALL_YOUNG_GENERATION, CHILD, ROOT, '2000', '1', '100'], { BLASNET_ENGINE: ENGINE }));
    console.log(`[robust-memory] ${ENGINE}: 2000 cycles with dispose: RSS ${r.rssAtWarmupMB.toFixed(1)} MB at cycle 100 -> ` +
      `${r.rssEndMB.toFixed(1)} MB (growth ${r.growthMB.toFixed(2)} MB, ${r.ms} ms)`);
    expect(r.engine).toBe(ENGINE);
    expect(r.finite).toBe(true);
    expect(r.growthMB).toBeLessThan(20);
  }, 240_000);

  it('500 cycles without dispose() (left to the GC and finalizers): RSS grows < 20 MB after the first 100', async () => {
    const r = result<MemResult>(await runNode(['--expose-gc', ...SMALL_YOUNG_GENERATION, CHILD, ROOT, '500', '0', '100'], { BLASNET_ENGINE: ENGINE }));
    console.log(`[robust-memory] ${ENGINE}: 500 cycles without dispose: RSS ${r.rssAtWarmupMB.toFixed(1)} MB at cycle 100 -> ` +
      `${r.rssEndMB.toFixed(1)} MB (growth ${r.growthMB.toFixed(2)} MB, ${r.ms} ms)`);
    expect(r.engine).toBe(ENGINE);
    expect(r.growthMB).toBeLessThan(20);
  }, 240_000);
});
