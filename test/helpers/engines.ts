// Which engine a test runs on. `npm test` runs the suite once per engine (BLASNET_ENGINE=native, then
// js), so a test uses the engine of its run; a test that needs the native engine (the binding, or the
// two engines compared) runs on the native run and shows as skipped, with the reason, on the js run.
// The native engine must load when BLASNET_REQUIRE_NATIVE=1 (CI), so a broken build cannot turn into
// skipped tests.
import { it } from 'vitest';
import { getEngine } from '../../lib/engine';
import { loadNativeEngine, nativeSgemm } from '../../lib/engine/native';
import type { Engine } from '../../lib/engine/types';

let native: { engine: Engine; sgemm: typeof nativeSgemm } | null | undefined;

/** The engine this run tests: BLASNET_ENGINE when set (npm test sets it), else the library's own choice. */
export const RUN_ENGINE: 'native' | 'js' = getEngine().name;

/** [name, engine] of this run, for describe.each. */
export function engineOfRun(): [string, Engine][] {
  return [[RUN_ENGINE, getEngine()]];
}

/** The native engine on the native run (it must load there), null on the js run. */
export function nativeOrSkip(): { engine: Engine; sgemm: typeof nativeSgemm } | null {
  if (native !== undefined) return native;
  native = null;
  if (RUN_ENGINE !== 'native') return native;
  try {
    native = { engine: loadNativeEngine(), sgemm: nativeSgemm };
  } catch (err) {
    if (process.env.BLASNET_REQUIRE_NATIVE === '1') throw err;
    console.warn(`[tests] the native engine does not load, so its tests are skipped: ${(err as Error).message}`);
  }
  return native;
}

/** One visibly skipped test saying why a block of tests does not run on this run. */
export function skippedOnThisRun(what: string, runs: 'native' | 'js'): void {
  it.skip(`${what}: runs on the ${runs} run of the suite (this is the ${RUN_ENGINE} run)`, () => {});
}
