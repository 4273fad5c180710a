// The names a save writes, and so the only names it may ever remove.

/** A shard: weights-<first 16 hex digits of the sha256 of its bytes>.bin */
export const SHARD_PATTERN = /^weights-[0-9a-f]{16}\.bin$/;
/** A file being written: .<final name>.<pid>-<random hex>.tmp */
export const STAGING_PATTERN = /^\.(?:model\.json|weights-[0-9a-f]{16}\.bin)\.(\d+)-[0-9a-f]+\.tmp$/;

/** The shard name for the hex sha256 of its bytes. */
export function shardName(sha256Hex: string): string {
  return `weights-${sha256Hex.slice(0, 16)}.bin`;
}
