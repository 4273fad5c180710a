// A byte buffer that doubles as it fills: the ONNX and HDF5 writers append to one.
export class Growable {
  buf: Uint8Array;
  len = 0;
  constructor(initial = 256) { this.buf = new Uint8Array(initial); }

  /** Makes room for n more bytes (the buffer may be replaced). */
  reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  finish(): Uint8Array { return this.buf.slice(0, this.len); }
}
