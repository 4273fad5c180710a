// Matching the weight names files use ('dense_Dense1/kernel', 'dense/kernel:0', 'sequential/dense/kernel')
// to the layers of the topology, and the finiteness check every loaded tensor passes.
import { BlasnetError } from '../../errors';
import type { NamedTensor } from '../description';
import { canonicalWeightName, type LoadOptions } from './artifacts';

/** The layer a manifest name belongs to, and the part after the layer name ('kernel', '0', ...). */
export function ownerLayer(name: string, layerNames: string[]): { layer: string; rest: string } | null {
  const n = canonicalWeightName(name);
  let best: { layer: string; rest: string; len: number } | null = null;
  for (const l of layerNames) {
    // 'dense_Dense1/kernel', 'sequential/dense/kernel', 'dense/dense/kernel' (Keras 3 h5 paths).
    let at = -1;
    if (n.startsWith(l + '/')) at = 0;
    else {
      const k = n.lastIndexOf('/' + l + '/');
      if (k >= 0) at = k + 1;
    }
    if (at < 0) continue;
    const rest = n.slice(at + l.length + 1);
    if (!best || rest.length < best.len) best = { layer: l, rest: rest.slice(rest.lastIndexOf('/') + 1), len: rest.length };
  }
  return best && { layer: best.layer, rest: best.rest };
}

export function checkFiniteWeight(t: NamedTensor, opts: LoadOptions): void {
  if (opts.allowNonFinite) return;
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i]!)) {
      throw new BlasnetError('ERR_NON_FINITE',
        `Weight ${JSON.stringify(t.name)} has ${d[i]} at index ${i}; pass {allowNonFinite: true} to load it anyway`);
    }
  }
}
