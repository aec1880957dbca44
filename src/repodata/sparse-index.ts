import { InvalidRecordError, PackageRecord } from "../conda/package-record.js";
import { BlockStore } from "./block-store.js";
import { RepodataParseError } from "./errors.js";
import { decodeScan, encodeScan, type ScanResult } from "./scan-file.js";

// Byte-level JSON scanning. Kept in this one file on purpose: constants imported from another
// module become property loads under tsx's transform and made the hot loop ~10x slower.
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

/** Thrown by the scanners; the caller turns it into a RepodataParseError naming the file. */
class JsonScanError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(`${message} at byte ${offset}`);
    this.offset = offset;
  }
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipWhitespace(buf: Uint8Array, i: number): number {
  const n = buf.length;
  while (i < n) {
    const c = buf[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/** `i` points at an opening quote; returns the index of the closing quote. */
function stringEnd(buf: Uint8Array, i: number): number {
  const n = buf.length;
  let j = i + 1;
  while (j < n) {
    const c = buf[j];
    if (c === QUOTE) return j;
    if (c === BACKSLASH) j += 2;
    else j++;
  }
  throw new JsonScanError("unterminated string", i);
}

/** True when the bytes between the quotes at [start, end] hold only plain ASCII (no escapes). */
function plainAscii(buf: Uint8Array, start: number, end: number): boolean {
  for (let k = start + 1; k < end; k++) {
    const c = buf[k];
    if (c === BACKSLASH || c >= 0x80) return false;
  }
  return true;
}

/** Decodes the JSON string whose quotes sit at `start` and `end`. */
function decodeString(buf: Buffer, start: number, end: number): string {
  if (plainAscii(buf, start, end)) return buf.toString("latin1", start + 1, end);
  return JSON.parse(buf.toString("utf8", start, end + 1)) as string;
}

/**
 * Returns the index just past the JSON value starting at `i` (which must not be whitespace).
 * Only structure is checked (strings, nesting); scalars are taken up to the next delimiter and
 * validated when the value is finally parsed.
 */
function skipValue(buf: Uint8Array, i: number): number {
  const n = buf.length;
  const c = buf[i];
  if (c === QUOTE) return stringEnd(buf, i) + 1;
  if (c === LBRACE || c === LBRACKET) {
    let depth = 0;
    let j = i;
    while (j < n) {
      const d = buf[j];
      if (d === QUOTE) {
        j++;
        while (j < n) {
          const e = buf[j];
          if (e === QUOTE) break;
          j += e === BACKSLASH ? 2 : 1;
        }
        if (j >= n) break;
      } else if (d === LBRACE || d === LBRACKET) {
        depth++;
      } else if (d === RBRACE || d === RBRACKET) {
        if (--depth === 0) return j + 1;
      }
      j++;
    }
    throw new JsonScanError("unterminated object or array", i);
  }
  let j = i;
  while (j < n) {
    const d = buf[j];
    if (d === COMMA || d === RBRACE || d === RBRACKET || isWhitespace(d)) break;
    j++;
  }
  if (j === i) throw new JsonScanError(`unexpected ${describe(c)}`, i);
  return j;
}

function describe(c: number | undefined): string {
  if (c === undefined) return "end of data";
  if (c >= 0x20 && c < 0x7f) return `'${String.fromCharCode(c)}'`;
  return `byte 0x${c.toString(16)}`;
}

/** Expects `c` at `i` (after whitespace); returns the index after it. */
function expect(buf: Uint8Array, i: number, c: number): number {
  i = skipWhitespace(buf, i);
  if (buf[i] !== c)
    throw new JsonScanError(`expected '${String.fromCharCode(c)}', found ${describe(buf[i])}`, i);
  return i + 1;
}

/** conda refuses repodata newer than it understands (CondaUpgradeError); version 2 is CEP 15. */
export const MAX_REPODATA_VERSION = 2;

export interface SparseRepodataOptions {
  /** File path or redacted URL, for error messages. */
  source: string;
  /** The subdir the file was fetched for; `info.subdir` wins when present. */
  subdir: string;
  /** Canonical channel name set on every record. */
  channel?: string;
  /** URL of the subdir (`…/linux-64`), the default base for record URLs. */
  subdirUrl?: string;
}

// Entry layout in the Uint32Array: key open quote, key close quote, value start, value end,
// previous entry of the same name (+1, 0 = none), section (0 = packages, 1 = packages.conda).
const F_KEY = 0;
const F_KEY_END = 1;
const F_VAL = 2;
const F_VAL_END = 3;
const F_PREV = 4;
const F_SECTION = 5;
const FIELDS = 6;

const SECTION_TAR = 0;
const SECTION_CONDA = 1;

// Set by scanRecord (module-level to avoid allocating a result object per record).
let foundNameStart = -1;
let foundNameEnd = -1;

/**
 * Skips the record object at `i` (a `{`) and notes where its top-level `"name"` string is.
 * This is the hot loop of the whole index: it touches every byte of the file once.
 */
function scanRecord(buf: Uint8Array, i: number): number {
  const n = buf.length;
  foundNameStart = -1;
  let depth = 0;
  let expectKey = false;
  while (i < n) {
    const c = buf[i];
    if (c === QUOTE) {
      const s = i;
      i++;
      while (i < n) {
        const d = buf[i];
        if (d === QUOTE) break;
        i += d === BACKSLASH ? 2 : 1;
      }
      if (i >= n) break;
      if (depth === 1 && expectKey) {
        expectKey = false;
        // "name" is 4 bytes between the quotes
        if (
          i - s === 5 &&
          buf[s + 1] === 0x6e &&
          buf[s + 2] === 0x61 &&
          buf[s + 3] === 0x6d &&
          buf[s + 4] === 0x65
        ) {
          let j = i + 1;
          while (j < n && buf[j] !== COLON) j++;
          j = skipWhitespace(buf, j + 1);
          if (buf[j] === QUOTE) {
            const e = stringEnd(buf, j);
            foundNameStart = j;
            foundNameEnd = e;
            i = e;
          }
        }
      }
      i++;
    } else if (c === LBRACE || c === LBRACKET) {
      depth++;
      if (depth === 1) expectKey = true;
      i++;
    } else if (c === RBRACE || c === RBRACKET) {
      i++;
      if (--depth === 0) return i;
    } else {
      if (c === COMMA && depth === 1) expectKey = true;
      i++;
    }
  }
  throw new JsonScanError("unterminated package record", i);
}

/** `name` from `name-version-build.ext`: version and build never contain '-'. */
function nameFromFilename(fn: string): string | undefined {
  const stem = filenameStem(fn);
  const b = stem.lastIndexOf("-");
  if (b <= 0) return undefined;
  const v = stem.lastIndexOf("-", b - 1);
  if (v <= 0) return undefined;
  return stem.slice(0, v);
}

export function filenameStem(fn: string): string {
  if (fn.endsWith(".conda")) return fn.slice(0, -6);
  if (fn.endsWith(".tar.bz2")) return fn.slice(0, -8);
  return fn;
}

/**
 * A per-name index over the raw bytes of one `repodata.json`. Building it scans the bytes once
 * (no object graph); `records(name)` parses only that name's record slices. The Buffer is kept:
 * it is the compact store, about a third of what `JSON.parse` would hold on the heap.
 */
export class SparseRepodata {
  readonly source: string;
  readonly subdir: string;
  readonly channel: string | undefined;
  readonly repodataVersion: number;
  readonly info: Record<string, unknown>;
  /** Number of entries in `packages` + `packages.conda`, before de-duplication. */
  readonly entryCount: number;
  /** Records skipped because they are not usable package records. */
  readonly warnings: string[] = [];
  /** The raw bytes, until `compact` moves them into `store`. */
  private buf: Buffer | undefined;
  private store: BlockStore | undefined;
  private readonly entries: Uint32Array;
  private readonly heads: Map<string, number>;
  private readonly removed: Set<string>;
  private readonly baseUrl: string | undefined;
  private readonly byteLength: number;
  /** True when the index came from a saved scan (see {@link indexBytes}) rather than a scan. */
  readonly reusedIndex: boolean;

  private constructor(buf: Buffer, opts: SparseRepodataOptions, scan: ScanResult, reused: boolean) {
    this.buf = buf;
    this.byteLength = buf.length;
    this.reusedIndex = reused;
    this.source = opts.source;
    this.channel = opts.channel;
    this.entries = scan.entries;
    this.entryCount = scan.count;
    this.heads = scan.heads;
    this.info = scan.info;
    this.removed = scan.removed;
    this.repodataVersion = scan.version;
    this.subdir = typeof scan.info.subdir === "string" ? scan.info.subdir : opts.subdir;
    this.baseUrl = resolveBaseUrl(scan.info.base_url, opts.subdirUrl);
  }

  /**
   * Indexes `buf` (the decompressed repodata.json). Throws RepodataParseError naming `opts.source`.
   * With `saved` (the {@link indexBytes} of an earlier index of the same bytes) the scan is skipped
   * when it matches `buf`; a mismatched or damaged one is ignored.
   */
  static parse(
    buf: Buffer,
    opts: SparseRepodataOptions,
    saved?: { bytes: Buffer; identity: string },
  ): SparseRepodata {
    const reused = saved ? decodeScan(saved.bytes, saved.identity, buf, FIELDS) : undefined;
    if (reused) return new SparseRepodata(buf, opts, reused, true);
    let scan: ScanResult;
    try {
      scan = scanRepodata(buf);
    } catch (e) {
      if (e instanceof JsonScanError || e instanceof SyntaxError)
        throw new RepodataParseError(opts.source, `malformed JSON (${e.message})`, { cause: e });
      throw e;
    }
    if (scan.version > MAX_REPODATA_VERSION)
      throw new RepodataParseError(
        opts.source,
        `repodata_version ${scan.version} is newer than this taipan understands (${MAX_REPODATA_VERSION})`,
        { hint: "Upgrade taipan to read this channel." },
      );
    return new SparseRepodata(buf, opts, scan, false);
  }

  /** The index in a form {@link parse} can take back for the same bytes (scan-file.ts). */
  indexBytes(identity: string): Buffer {
    const scan: ScanResult = {
      entries: this.entries,
      count: this.entryCount,
      heads: this.heads,
      info: this.info,
      removed: this.removed,
      version: this.repodataVersion,
    };
    return encodeScan(scan, identity, this.byteLength, FIELDS);
  }

  private bytes(start: number, end: number): Buffer {
    if (this.buf) return this.buf.subarray(start, end);
    return this.store!.slice(start, end);
  }

  /**
   * Moves the raw bytes into zstd-compressed blocks (about a fifth of the size), dropping this
   * index's reference to the Buffer. Reads stay synchronous; each costs a block decode (~0.1 ms).
   */
  async compact(): Promise<void> {
    if (!this.buf) return;
    this.store = await BlockStore.fromBuffer(this.buf);
    this.buf = undefined;
  }

  /** Bytes this index keeps alive: the raw Buffer or its compressed blocks, plus the entry table. */
  get heldBytes(): number {
    return (this.buf ? this.buf.length : this.store!.compressedBytes) + this.entries.byteLength;
  }

  names(): IterableIterator<string> {
    return this.heads.keys();
  }

  has(name: string): boolean {
    return this.heads.has(name);
  }

  /** Number of distinct package names. */
  get nameCount(): number {
    return this.heads.size;
  }

  /**
   * All records named `name`: a `.conda` and a `.tar.bz2` of the same `name-version-build` count
   * once (the `.conda`, as conda does unless `use_only_tar_bz2`), `removed` filenames are dropped.
   */
  records(name: string): PackageRecord[] {
    let e: number | undefined = this.heads.get(name);
    if (e === undefined) return [];
    const ents = this.entries;
    const idx: number[] = [];
    while (e !== 0) {
      const at: number = (e - 1) * FIELDS;
      idx.push(at);
      e = ents[at + F_PREV];
    }
    idx.reverse();
    const fns = idx.map((at) => {
      const b = this.bytes(ents[at + F_KEY], ents[at + F_KEY_END] + 1);
      return decodeString(b, 0, b.length - 1);
    });
    const condaStems = new Set<string>();
    for (let k = 0; k < idx.length; k++) {
      if (ents[idx[k] + F_SECTION] === SECTION_CONDA) condaStems.add(filenameStem(fns[k]));
    }
    const out: PackageRecord[] = [];
    for (let k = 0; k < idx.length; k++) {
      const at = idx[k];
      const fn = fns[k];
      if (this.removed.has(fn)) continue;
      if (ents[at + F_SECTION] === SECTION_TAR && condaStems.has(filenameStem(fn))) continue;
      let obj: unknown;
      try {
        obj = JSON.parse(this.bytes(ents[at + F_VAL], ents[at + F_VAL_END]).toString("utf8"));
      } catch (err) {
        throw new RepodataParseError(this.source, `malformed JSON in the record of ${fn}`, { cause: err });
      }
      const o = obj as Record<string, unknown>;
      // A record without a name is indexed under the filename's name; give it that name.
      if (o && typeof o === "object" && o.name === undefined) o.name = name;
      try {
        out.push(
          PackageRecord.fromJson(obj, {
            fn,
            channel: this.channel,
            subdir: this.subdir,
            baseUrl: this.baseUrl,
          }),
        );
      } catch (err) {
        // One unusable record (no version, not an object) should not hide the rest of the name;
        // it is skipped and reported, as libsolv's repodata reader does.
        if (!(err instanceof InvalidRecordError)) throw err;
        this.warnings.push(`${this.source}: ${err.message}`);
      }
    }
    return out;
  }
}

function resolveBaseUrl(base: unknown, subdirUrl: string | undefined): string | undefined {
  if (typeof base === "string" && base.length > 0) {
    // CEP 15: base_url may be relative to the repodata.json location.
    try {
      return subdirUrl ? new URL(base, subdirUrl.replace(/\/*$/, "/")).href : new URL(base).href;
    } catch {
      return base;
    }
  }
  return subdirUrl;
}

function scanRepodata(buf: Buffer): ScanResult {
  const n = buf.length;
  // Roughly one record per 500 bytes in real repodata; grown on demand.
  let entries = new Uint32Array(Math.max(64, Math.ceil(n / 400)) * FIELDS);
  let count = 0;
  const heads = new Map<string, number>();
  let info: Record<string, unknown> = {};
  let removed = new Set<string>();
  let version = 1;
  // The previous record's name bytes and string: consecutive records usually share a name.
  let prevStart = -1;
  let prevEnd = -1;
  let prevName = "";
  // The head of the current run of same-name records, written to `heads` when the name changes
  // (one Map update per run instead of a get and a set per record).
  let curName: string | undefined;
  let curHead = 0;

  let i = skipWhitespace(buf, 0);
  // A UTF-8 byte order mark is tolerated, as Python's json does not but many servers add one.
  if (buf[i] === 0xef && buf[i + 1] === 0xbb && buf[i + 2] === 0xbf) i = skipWhitespace(buf, i + 3);
  i = expect(buf, i, LBRACE);
  i = skipWhitespace(buf, i);
  if (buf[i] === RBRACE) i++;
  else {
    for (;;) {
      i = skipWhitespace(buf, i);
      if (buf[i] !== QUOTE) throw new JsonScanError(`expected a key, found ${describe(buf[i])}`, i);
      const ke = stringEnd(buf, i);
      const key = decodeString(buf, i, ke);
      i = expect(buf, ke + 1, COLON);
      i = skipWhitespace(buf, i);
      const section = key === "packages" ? SECTION_TAR : key === "packages.conda" ? SECTION_CONDA : -1;
      if (section >= 0 && buf[i] === LBRACE) {
        // { "fn": {record}, ... }
        i = skipWhitespace(buf, i + 1);
        if (buf[i] === RBRACE) i++;
        else {
          for (;;) {
            i = skipWhitespace(buf, i);
            if (buf[i] !== QUOTE)
              throw new JsonScanError(`expected a filename, found ${describe(buf[i])}`, i);
            const fs = i;
            const fe = stringEnd(buf, i);
            i = expect(buf, fe + 1, COLON);
            i = skipWhitespace(buf, i);
            if (buf[i] !== LBRACE)
              throw new JsonScanError(`expected a record object, found ${describe(buf[i])}`, i);
            const vs = i;
            i = scanRecord(buf, i);
            let name: string | undefined;
            if (foundNameStart >= 0) {
              const len = foundNameEnd - foundNameStart;
              if (len === prevEnd - prevStart) {
                let same = true;
                for (let k = 1; k < len; k++) {
                  if (buf[foundNameStart + k] !== buf[prevStart + k]) {
                    same = false;
                    break;
                  }
                }
                if (same) name = prevName;
              }
              if (name === undefined) {
                name = decodeString(buf, foundNameStart, foundNameEnd);
                prevStart = foundNameStart;
                prevEnd = foundNameEnd;
                prevName = name;
              }
            } else {
              name = nameFromFilename(decodeString(buf, fs, fe));
            }
            if (name !== undefined && name.length > 0) {
              if ((count + 1) * FIELDS > entries.length) {
                const grown = new Uint32Array(entries.length * 2);
                grown.set(entries);
                entries = grown;
              }
              const at = count * FIELDS;
              entries[at + F_KEY] = fs;
              entries[at + F_KEY_END] = fe;
              entries[at + F_VAL] = vs;
              entries[at + F_VAL_END] = i;
              if (name !== curName) {
                if (curName !== undefined) heads.set(curName, curHead);
                curName = name;
                curHead = heads.get(name) ?? 0;
              }
              entries[at + F_PREV] = curHead;
              entries[at + F_SECTION] = section;
              count++;
              curHead = count;
            }
            i = skipWhitespace(buf, i);
            if (buf[i] === COMMA) {
              i++;
              continue;
            }
            i = expect(buf, i, RBRACE);
            break;
          }
        }
      } else {
        const vs = i;
        i = skipValue(buf, i);
        if (key === "info") {
          const v = JSON.parse(buf.toString("utf8", vs, i)) as unknown;
          if (v && typeof v === "object" && !Array.isArray(v)) info = v as Record<string, unknown>;
        } else if (key === "removed") {
          const v = JSON.parse(buf.toString("utf8", vs, i)) as unknown;
          if (Array.isArray(v)) removed = new Set(v.filter((x): x is string => typeof x === "string"));
        } else if (key === "repodata_version") {
          const v = JSON.parse(buf.toString("utf8", vs, i)) as unknown;
          if (typeof v === "number") version = v;
        } else if (key === "packages" || key === "packages.conda") {
          const v = JSON.parse(buf.toString("utf8", vs, i)) as unknown;
          if (v !== null) throw new JsonScanError(`'${key}' must be an object`, vs);
        }
      }
      i = skipWhitespace(buf, i);
      if (buf[i] === COMMA) {
        i++;
        continue;
      }
      i = expect(buf, i, RBRACE);
      break;
    }
  }
  if (curName !== undefined) heads.set(curName, curHead);
  i = skipWhitespace(buf, i);
  if (i < n) throw new JsonScanError(`unexpected ${describe(buf[i])} after the top-level object`, i);
  // The table was sized by guess; give back the unused tail.
  if (entries.length > count * FIELDS * 1.1) entries = entries.slice(0, count * FIELDS);
  return { entries, count, heads, info, removed, version };
}
