/*
 * The per-name index of one repodata file (what `scanRepodata` finds: where each record's key and
 * value sit, which records share a name, `info`, `removed`) saved beside the package cache, so the
 * next run over the same bytes skips the scan: ~180 ms for a conda-forge-sized 180 MB file, against
 * reading a table of ~11 MB. libsolv keeps its `.solv` files for the same reason.
 *
 * One file per channel subdir, replaced when its repodata changes: the header names the bytes it
 * was made from (the HTTP cache's sha256 of the body, or a local file's size, mtime and inode).
 *
 * Layout: the magic `TPSIDX01`, a little-endian u32 length, a JSON header (counts, `info`,
 * `removed`, names and their head entries, the size of the repodata it describes), zero padding to
 * a multiple of 4, then `count * fields` little-endian u32 entries. Anything that does not match
 * (another version, another size, a truncated file, offsets that do not land on a record) makes
 * `decodeScan` return undefined and the caller scans again.
 */

export interface ScanResult {
  entries: Uint32Array;
  count: number;
  heads: Map<string, number>;
  info: Record<string, unknown>;
  removed: Set<string>;
  version: number;
}

const MAGIC = Buffer.from("TPSIDX01", "latin1");

interface Header {
  /** What the repodata bytes were (see CachedFetchResult.identity). */
  identity: string;
  bytes: number;
  fields: number;
  count: number;
  version: number;
  info: Record<string, unknown>;
  removed: string[];
  names: string[];
  heads: number[];
}

export function encodeScan(
  scan: ScanResult,
  identity: string,
  repodataBytes: number,
  fields: number,
): Buffer {
  const header: Header = {
    identity,
    bytes: repodataBytes,
    fields,
    count: scan.count,
    version: scan.version,
    info: scan.info,
    removed: [...scan.removed],
    names: [...scan.heads.keys()],
    heads: [...scan.heads.values()],
  };
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const start = (MAGIC.length + 4 + json.length + 3) & ~3;
  const n = scan.count * fields;
  const out = Buffer.alloc(start + n * 4);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(json.length, MAGIC.length);
  json.copy(out, MAGIC.length + 4);
  const table = new Uint32Array(out.buffer, out.byteOffset + start, n);
  table.set(scan.entries.subarray(0, n));
  if (!isLittleEndian()) for (let i = 0; i < n; i++) out.writeUInt32LE(scan.entries[i], start + i * 4);
  return out;
}

/**
 * The saved scan, if `saved` was made for these bytes (the same identity and size, and a sample of
 * entries that must land on `"key": {` in them); undefined otherwise.
 */
export function decodeScan(
  saved: Buffer,
  identity: string,
  repodata: Buffer,
  fields: number,
): ScanResult | undefined {
  try {
    if (saved.length < MAGIC.length + 4 || !saved.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
    const len = saved.readUInt32LE(MAGIC.length);
    const header = JSON.parse(saved.toString("utf8", MAGIC.length + 4, MAGIC.length + 4 + len)) as Header;
    if (header.identity !== identity || header.bytes !== repodata.length || header.fields !== fields)
      return undefined;
    if (header.names.length !== header.heads.length) return undefined;
    const start = (MAGIC.length + 4 + len + 3) & ~3;
    const n = header.count * fields;
    if (saved.length !== start + n * 4) return undefined;
    // a copy, aligned and independent of the file buffer
    const entries = new Uint32Array(n);
    if (isLittleEndian())
      entries.set(
        new Uint32Array(saved.buffer.slice(saved.byteOffset + start, saved.byteOffset + start + n * 4)),
      );
    else for (let i = 0; i < n; i++) entries[i] = saved.readUInt32LE(start + i * 4);
    if (!samplesLandOnRecords(entries, header.count, fields, repodata)) return undefined;
    const heads = new Map<string, number>();
    for (let i = 0; i < header.names.length; i++) heads.set(header.names[i], header.heads[i]);
    return {
      entries,
      count: header.count,
      heads,
      info: header.info,
      removed: new Set(header.removed),
      version: header.version,
    };
  } catch {
    return undefined; // unreadable: scan again
  }
}

/** Up to 64 entries spread over the table: key quotes, then `:`, then a `{` where the value starts. */
function samplesLandOnRecords(entries: Uint32Array, count: number, fields: number, buf: Buffer): boolean {
  const step = Math.max(1, Math.floor(count / 64));
  for (let e = 0; e < count; e += step) {
    const at = e * fields;
    const key = entries[at];
    const keyEnd = entries[at + 1];
    const val = entries[at + 2];
    const valEnd = entries[at + 3];
    if (!(key < keyEnd && keyEnd < val && val < valEnd && valEnd <= buf.length)) return false;
    if (buf[key] !== 0x22 || buf[keyEnd] !== 0x22 || buf[val] !== 0x7b || buf[valEnd - 1] !== 0x7d)
      return false;
  }
  return true;
}

let littleEndian: boolean | undefined;
function isLittleEndian(): boolean {
  littleEndian ??= new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
  return littleEndian;
}
