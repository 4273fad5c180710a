// Reading a small file of ours (a lock, the model.json being replaced) without following a symlink and
// without blocking on a FIFO or device someone put in its place.
import * as fs from 'fs';

const FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);

/** The file's bytes when it is a regular file of at most maxBytes, else null (missing, a link, a FIFO, too big). */
export function readRegular(file: string, maxBytes: number): Buffer | null {
  let fd: number;
  try { fd = fs.openSync(file, FLAGS); } catch { return null; }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.size > maxBytes) return null;
    const buf = Buffer.allocUnsafe(st.size);
    let got = 0;
    while (got < st.size) {
      const n = fs.readSync(fd, buf, got, st.size - got, got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/** Visits a regular file's bytes in chunks (same refusals as readRegular); false when it is not one. */
export function eachChunk(file: string, visit: (chunk: Buffer) => void): boolean {
  let fd: number;
  try { fd = fs.openSync(file, FLAGS); } catch { return false; }
  try {
    if (!fs.fstatSync(fd).isFile()) return false;
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) visit(buf.subarray(0, n));
    return true;
  } catch {
    return false;
  } finally {
    fs.closeSync(fd);
  }
}
