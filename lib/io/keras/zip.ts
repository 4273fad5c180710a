// Reading named entries of a zip archive held in memory (a Keras 3 .keras file), with yauzl. Every
// declared size is checked against the caller's limits before a byte is inflated, and inflating stops
// at the declared size (yauzl validates entry sizes while it streams): a zip bomb is refused, not unpacked.
import type * as Yauzl from 'yauzl';
import { BlasnetError } from '../../errors';
import { checkMemory } from '../../limits';

export interface ZipLimits {
  /** Largest uncompressed size of any one wanted entry. */
  perEntry: Record<string, number>;
  /** All wanted entries together. */
  total: number;
}

function zipError(label: string, message: string): BlasnetError {
  return new BlasnetError('ERR_FORMAT', `${label} is not a valid .keras file (a zip archive): ${message}`);
}

/**
 * The uncompressed bytes of `wanted` entries that exist in the archive (missing ones are absent from
 * the result). Names are matched exactly.
 */
export async function readZipEntries(bytes: Uint8Array, wanted: string[], limits: ZipLimits, label: string): Promise<Map<string, Uint8Array>> {
  // Loaded on first use: processes that never read a .keras file do not pay for it at startup.
  const yauzl = await import('yauzl');
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const zip = await new Promise<Yauzl.ZipFile>((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false, decodeStrings: true }, (err, z) => {
      if (err || !z) reject(zipError(label, err?.message ?? 'unreadable'));
      else resolve(z);
    });
  });
  const found = new Map<string, Yauzl.Entry>();
  await new Promise<void>((resolve, reject) => {
    let seen = 0;
    zip.on('entry', (entry: Yauzl.Entry) => {
      if (++seen > 10_000) { zip.close(); reject(zipError(label, 'more than 10000 entries')); return; }
      if (wanted.includes(entry.fileName)) {
        if (found.has(entry.fileName)) { zip.close(); reject(zipError(label, `two entries are named ${entry.fileName}`)); return; }
        found.set(entry.fileName, entry);
      }
      zip.readEntry();
    });
    zip.on('end', () => resolve());
    zip.on('error', (err: Error) => reject(zipError(label, err.message)));
    zip.readEntry();
  });

  // Declared sizes first: nothing is inflated until all of them fit.
  let total = 0;
  for (const [name, e] of found) {
    const cap = limits.perEntry[name] ?? limits.total;
    if (e.uncompressedSize > cap) {
      throw new BlasnetError('ERR_LIMIT', `${label}: entry ${name} declares ${e.uncompressedSize} bytes uncompressed, more than the ${cap} allowed`);
    }
    if (e.compressionMethod !== 0 && e.compressionMethod !== 8) {
      throw new BlasnetError('ERR_UNSUPPORTED', `${label}: entry ${name} uses zip compression method ${e.compressionMethod} (only stored and deflate are read)`);
    }
    if (e.isEncrypted()) throw new BlasnetError('ERR_UNSUPPORTED', `${label}: entry ${name} is encrypted`);
    total += e.uncompressedSize;
  }
  checkMemory(total, `Unpacking ${label}`, limits.total);

  const out = new Map<string, Uint8Array>();
  for (const [name, e] of found) {
    out.set(name, await new Promise<Uint8Array>((resolve, reject) => {
      zip.openReadStream(e, (err, stream) => {
        if (err || !stream) { reject(zipError(label, `cannot read entry ${name}: ${err?.message ?? 'no stream'}`)); return; }
        const chunks: Buffer[] = [];
        let got = 0;
        stream.on('data', (c: Buffer) => {
          got += c.length;
          if (got > e.uncompressedSize) { stream.destroy(); reject(zipError(label, `entry ${name} inflates past its declared ${e.uncompressedSize} bytes`)); return; }
          chunks.push(c);
        });
        stream.on('error', (er: Error) => reject(zipError(label, `entry ${name}: ${er.message}`)));
        stream.on('end', () => resolve(Buffer.concat(chunks, got)));
      });
    }));
  }
  zip.close();
  return out;
}
