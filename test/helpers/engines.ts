// Which engines a test runs on. The js engine always; the native one when it loads, and then it must
// load when BLASNET_REQUIRE_NATIVE=1 (CI), so a broken build cannot turn into skipped tests.
import { jsEngine } from '../../lib/engine/js';
import { loadNativeEngine, nativeSgemm } from '../../lib/engine/native';
import type { Engine } from '../../lib/engine/types';

let native: { engine: Engine; sgemm: typeof nativeSgemm } | null | undefined;

export function nativeOrSkip(): { engine: Engine; sgemm: typeof nativeSgemm } | null {
  if (native !== undefined) return native;
  try {
    native = { engine: loadNativeEngine(), sgemm: nativeSgemm };
  } catch (err) {
    if (process.env.BLASNET_REQUIRE_NATIVE === '1') throw err;
    console.warn(`[tests] the native engine does not load, so its half of these tests is skipped: ${(err as Error).message}`);
    native = null;
  }
  return native;
}

/** [name, engine] pairs for describe.each: every engine available here. */
export function availableEngines(): [string, Engine][] {
  const list: [string, Engine][] = [['js', jsEngine]];
  const n = nativeOrSkip();
  if (n) list.push(['native', n.engine]);
  return list;
}
