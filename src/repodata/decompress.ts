import { createRequire } from "node:module";
import { RepodataParseError } from "./errors.js";

const require = createRequire(import.meta.url);

/** Magic numbers, so a mislabelled or truncated download is reported as such rather than as bad JSON. */
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const BZ2_MAGIC = [0x42, 0x5a, 0x68]; // "BZh"

function hasMagic(buf: Uint8Array, magic: number[]): boolean {
  return buf.length >= magic.length && magic.every((b, k) => buf[k] === b);
}

/**
 * zstd frames (repodata.json.zst, CEP 16 shards). Uses the native `@mongodb-js/zstd` binding, which
 * decodes at ~1 GB/s here; the async call runs on libuv's pool, so parallel fetches overlap.
 */
export async function decompressZstd(data: Buffer, source: string): Promise<Buffer> {
  if (!hasMagic(data, ZSTD_MAGIC)) throw new RepodataParseError(source, "not zstd data (bad magic number)");
  // The native binding loads on first use: loading it (dlopen plus its musl probe through
  // process.report, ~5 ms) is wasted on runs that read only uncompressed local repodata.
  const { decompress } = await import("@mongodb-js/zstd");
  try {
    return await decompress(data);
  } catch (e) {
    throw new RepodataParseError(source, `corrupt or truncated zstd data (${(e as Error).message})`, {
      cause: e,
    });
  }
}

interface SeekBzip {
  decode(input: Buffer): Buffer;
}

/** bzip2 (repodata.json.bz2): pure JS `seek-bzip`, synchronous; only used when no .zst exists. */
export function decompressBz2(data: Buffer, source: string): Buffer {
  if (!hasMagic(data, BZ2_MAGIC)) throw new RepodataParseError(source, "not bzip2 data (bad magic number)");
  try {
    const bunzip = require("seek-bzip") as SeekBzip;
    return bunzip.decode(data);
  } catch (e) {
    throw new RepodataParseError(source, `corrupt or truncated bzip2 data (${(e as Error).message})`, {
      cause: e,
    });
  }
}
