import { createHash } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { unpack } from "msgpackr";
import { PackageRecord } from "../conda/package-record.js";
import { type CachedFetchContext, cachedFetch } from "./cached-fetch.js";
import { decompressZstd } from "./decompress.js";
import { OfflineCacheMissError, RepodataFetchError, RepodataParseError } from "./errors.js";
import { redactUrl } from "../conda/url-credentials.js";
import { filenameStem } from "./sparse-index.js";
import { writeFileAtomic } from "../fs/write-atomic.js";

/** The CEP 16 shard index of one subdir: package name → sha256 of that name's shard file. */
export interface ShardIndex {
  /** Hex sha256 per package name. */
  shards: Map<string, string>;
  /** Absolute URL shards live under (ends with `/`). */
  shardsBaseUrl: string;
  /** Absolute base URL of package files (ends with `/`). */
  packagesBaseUrl: string;
  info: Record<string, unknown>;
}

const INDEX_FILE = "repodata_shards";
const INDEX_VARIANT = ".msgpack.zst";

function toHex(v: unknown): string | undefined {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex");
  if (typeof v === "string" && /^[0-9a-f]+$/i.test(v)) return v.toLowerCase();
  return undefined;
}

function asDirUrl(u: string): string {
  return u.endsWith("/") ? u : `${u}/`;
}

/**
 * Fetches `<subdir>/repodata_shards.msgpack.zst` through the HTTP cache. Returns undefined when the
 * channel does not serve shards (then the gateway reads the full repodata).
 */
export async function fetchShardIndex(
  subdirUrl: string,
  ctx: CachedFetchContext,
): Promise<ShardIndex | undefined> {
  const base = `${subdirUrl}/${INDEX_FILE}`;
  const res = await cachedFetch(base, [INDEX_VARIANT], ctx, async (raw, _v, shown) =>
    decompressZstd(raw, shown),
  );
  if (!res.found) return undefined;
  const indexUrl = base + INDEX_VARIANT;
  let doc: unknown;
  try {
    doc = unpack(res.body);
  } catch (e) {
    if (res.cacheKey && ctx.cache) await ctx.cache.invalidate(res.cacheKey);
    throw new RepodataParseError(res.source, `not a msgpack shard index (${(e as Error).message})`, {
      cause: e,
    });
  }
  const d = doc as { info?: unknown; shards?: unknown };
  if (!d || typeof d !== "object" || !d.shards || typeof d.shards !== "object") {
    if (res.cacheKey && ctx.cache) await ctx.cache.invalidate(res.cacheKey);
    throw new RepodataParseError(res.source, "the shard index has no 'shards' map");
  }
  const info = (d.info && typeof d.info === "object" ? d.info : {}) as Record<string, unknown>;
  const shards = new Map<string, string>();
  const entries = d.shards instanceof Map ? [...d.shards.entries()] : Object.entries(d.shards as object);
  for (const [name, hash] of entries) {
    const hex = toHex(hash);
    if (typeof name === "string" && hex && hex.length === 64) shards.set(name, hex);
  }
  // CEP 16: base_url and shards_base_url may be relative to the shard index's own URL.
  const rel = (v: unknown, dflt: string) => {
    try {
      return asDirUrl(new URL(typeof v === "string" && v ? v : dflt, indexUrl).href);
    } catch {
      throw new RepodataParseError(res.source, `invalid URL in the shard index info: ${String(v)}`);
    }
  };
  return {
    shards,
    shardsBaseUrl: rel(info.shards_base_url, "./shards/"),
    packagesBaseUrl: rel(info.base_url, "./"),
    info,
  };
}

export interface ShardedSubdirOptions {
  channel: string;
  subdir: string;
  /** Directory of content-addressed shard files; absent = no cache. */
  shardCacheDir?: string;
  ctx: CachedFetchContext;
}

/**
 * One sharded subdir. Shards are content-addressed: a cached file whose sha256 matches its name is
 * current by construction, so it is used without asking the server (CEP 16), and a file that does
 * not match is treated as absent.
 */
export class ShardedSubdir {
  readonly index: ShardIndex;
  readonly channel: string;
  readonly subdir: string;
  private readonly opts: ShardedSubdirOptions;
  private readonly pending = new Map<string, Promise<PackageRecord[]>>();
  private readonly done = new Map<string, PackageRecord[]>();

  constructor(index: ShardIndex, opts: ShardedSubdirOptions) {
    this.index = index;
    this.opts = opts;
    this.channel = opts.channel;
    this.subdir = opts.subdir;
  }

  has(name: string): boolean {
    return this.index.shards.has(name);
  }

  names(): IterableIterator<string> {
    return this.index.shards.keys();
  }

  /** Records of `name` if its shard was loaded already. */
  loaded(name: string): PackageRecord[] | undefined {
    return this.done.get(name);
  }

  load(name: string): Promise<PackageRecord[]> {
    let p = this.pending.get(name);
    if (!p) {
      p = this.fetchRecords(name).then((recs) => {
        this.done.set(name, recs);
        return recs;
      });
      this.pending.set(name, p);
    }
    return p;
  }

  private async fetchRecords(name: string): Promise<PackageRecord[]> {
    const hash = this.index.shards.get(name);
    if (!hash) return [];
    const url = `${this.index.shardsBaseUrl}${hash}.msgpack.zst`;
    const shown = redactUrl(url);
    const raw = await this.shardBytes(url, hash);
    const data = await decompressZstd(raw, shown);
    let doc: unknown;
    try {
      doc = unpack(data);
    } catch (e) {
      throw new RepodataParseError(shown, `not a msgpack shard (${(e as Error).message})`, { cause: e });
    }
    if (!doc || typeof doc !== "object") throw new RepodataParseError(shown, "a shard must be a map");
    return shardRecords(doc as Record<string, unknown>, {
      channel: this.channel,
      subdir: this.subdir,
      baseUrl: this.index.packagesBaseUrl,
    });
  }

  private async shardBytes(url: string, hash: string): Promise<Buffer> {
    const dir = this.opts.shardCacheDir;
    const file = dir ? join(dir, `${hash}.msgpack.zst`) : undefined;
    if (file) {
      try {
        const data = await readFile(file);
        if (createHash("sha256").update(data).digest("hex") === hash) return data;
      } catch {
        // not cached
      }
    }
    if (this.opts.ctx.offline) throw new OfflineCacheMissError(redactUrl(url));
    const res = await this.opts.ctx.client.get(url);
    if (res.status !== 200)
      throw new RepodataFetchError(redactUrl(url), `HTTP ${res.status}`, {
        status: res.status,
        hint: "The shard index names a shard the server does not have; the index may be newer than its shards — retry shortly.",
      });
    const actual = createHash("sha256").update(res.body).digest("hex");
    if (actual !== hash)
      throw new RepodataParseError(
        redactUrl(url),
        `shard content hash is ${actual}, the index says ${hash}`,
        {
          hint: "The download was corrupted or the channel's shard index is inconsistent; retry, or report it to the channel.",
        },
      );
    if (dir && file) {
      await mkdir(dir, { recursive: true });
      await writeFileAtomic(file, res.body);
    }
    return res.body;
  }
}

/** Records of one shard: binary md5/sha256 back to hex, `.conda` over `.tar.bz2`, `removed` honoured. */
export function shardRecords(
  doc: Record<string, unknown>,
  ctx: { channel: string; subdir: string; baseUrl: string },
): PackageRecord[] {
  const removed = new Set(Array.isArray(doc.removed) ? doc.removed.filter((x) => typeof x === "string") : []);
  const tar = sectionEntries(doc.packages);
  const conda = sectionEntries(doc["packages.conda"]);
  const condaStems = new Set(conda.map(([fn]) => filenameStem(fn)));
  const out: PackageRecord[] = [];
  const add = (fn: string, rec: unknown) => {
    if (removed.has(fn) || !rec || typeof rec !== "object") return;
    const o = { ...(rec as Record<string, unknown>) };
    for (const k of ["md5", "sha256", "legacy_bz2_md5"]) {
      if (o[k] instanceof Uint8Array) o[k] = toHex(o[k]);
    }
    out.push(
      PackageRecord.fromJson(o, { fn, channel: ctx.channel, subdir: ctx.subdir, baseUrl: ctx.baseUrl }),
    );
  };
  for (const [fn, rec] of tar) if (!condaStems.has(filenameStem(fn))) add(fn, rec);
  for (const [fn, rec] of conda) add(fn, rec);
  return out;
}

function sectionEntries(v: unknown): [string, unknown][] {
  if (v instanceof Map)
    return [...v.entries()].filter((e): e is [string, unknown] => typeof e[0] === "string");
  if (v && typeof v === "object") return Object.entries(v);
  return [];
}
