// Worker thread: parses one HDF5 file (hdf5-tree.ts) and posts the tree back, or the error's message.
import { parentPort, workerData } from 'worker_threads';
import { readTree, type TreeLimits } from './hdf5-tree';

const { buffer, limits } = workerData as { buffer: ArrayBuffer; limits: TreeLimits };
try {
  parentPort!.postMessage({ ok: true, tree: readTree(buffer, limits) });
} catch (err) {
  parentPort!.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err) });
}
