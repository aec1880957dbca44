import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { PackageRecord } from "../conda/package-record.js";
import { redactUrl } from "../conda/url-credentials.js";
import { writeFileAtomic } from "../fs/write-atomic.js";
import { type CachedFetchContext, cachedFetch } from "./cached-fetch.js";
import { type ChannelConfig, defaultChannelConfig } from "../conda/channel.js";
import { type ChannelLike, type ChannelSource, toChannelSources } from "./channel-source.js";
import { decompressBz2, decompressZstd } from "./decompress.js";
import { OfflineCacheMissError, RepodataParseError, UnavailableChannelError } from "./errors.js";
import { type FetchOptions, HttpClient } from "./fetch.js";
import { HttpCache } from "./http-cache.js";
import { fetchShardIndex, ShardedSubdir } from "./shards.js";
import { SparseRepodata } from "./sparse-index.js";
import { specName } from "./spec-name.js";
import { readWholeFile } from "../fs/read-whole.js";

export interface GatewayOptions extends FetchOptions {
  /** Cache directory (conda's `pkgs/cache`); repodata goes to `<cacheDir>/repodata`, shards to `<cacheDir>/shards`. */
  cacheDir?: string;
  /** Only use cached repodata; fail when a channel was never fetched. */
  offline?: boolean;
  /** Revalidate cached repodata even within its max-age. */
  refresh?: boolean;
  /** How channel strings are resolved (channel_alias, custom_channels, default_channels). */
  channelConfig?: ChannelConfig;
  /** Shorthand for `channelConfig` with only the channel_alias changed. */
  channelAlias?: string;
  /**
   * Repodata at least this large (bytes of JSON) is kept zstd-compressed in memory after indexing
   * (see `SparseRepodata.compact`): ~4x less memory, each name's first read ~1 ms slower. When
   * given, compaction happens during `load`. By default repodata of 64 MiB or more is compacted a
   * few seconds after the load (in the background), so a command that solves right away reads raw
   * bytes; `Infinity` keeps raw bytes.
   */
  compactAbove?: number;
  /** CEP 16: "auto" uses shards when a remote channel serves them and `specs` are given. */
  shards?: "auto" | "never";
  /**
   * Repodata at least this large (bytes of JSON) has its per-name index saved under
   * `<cacheDir>/repodata-index`, one file per channel subdir, and the next load of the same bytes
   * reads it instead of scanning (scan-file.ts). Default 4 MiB: below that the scan costs a few ms.
   * Needs `cacheDir`.
   */
  indexCacheAbove?: number;
}

export interface LoadRequest {
  /** In priority order: channel 0 first. */
  channels: (string | ChannelLike)[];
  /** e.g. `[platform, "noarch"]`. */
  subdirs: string[];
  /** Specs or names whose dependency closure must be loaded from sharded channels. */
  specs?: string[];
}

type Source = {
  rank: number;
  channel: string;
  subdir: string;
  sparse?: SparseRepodata;
  sharded?: ShardedSubdir;
};

const DEFAULT_INDEX_CACHE_ABOVE = 4 * 1024 * 1024;

/** Default `compactAbove`: only channels like conda-forge's big subdirs are compacted. */
const DEFAULT_COMPACT_ABOVE = 64 * 1024 * 1024;
/**
 * With the default threshold, compaction waits this long after the load. A one-shot command
 * (create, install) solves right after loading and exits: compressing ~150 MB of blocks on the
 * thread pool and then decoding blocks for every name the solve reads cost it ~0.5 s of a 1–2 s
 * run on the 450k-record bench channel, and did not lower its peak RSS (the raw bytes are alive
 * while the blocks are built). A long-lived process still gets the ~4x smaller resident index.
 */
const COMPACT_DELAY_MS = 3000;

function compactLater(sparse: SparseRepodata): void {
  // unref: a pending compaction never keeps the process alive. A failure keeps the raw bytes.
  setTimeout(() => {
    sparse.compact().catch(() => undefined);
  }, COMPACT_DELAY_MS).unref();
}

/** The variants of a subdir's repodata, best first (smallest download). */
const REPODATA_VARIANTS = [".json.zst", ".json.bz2", ".json"];

async function decodeRepodata(raw: Buffer, variant: string, shown: string): Promise<Buffer> {
  if (variant === ".json.zst") return decompressZstd(raw, shown);
  if (variant === ".json.bz2") return decompressBz2(raw, shown);
  return raw;
}

/**
 * Like Promise.all, but waits for every task before rejecting with the first error: a failed load
 * must not leave other fetches still writing to the cache after `load` has returned.
 */
async function settleAll<T>(tasks: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/**
 * Loads channels' repodata for a set of subdirs and answers "all records named X, in channel
 * order". Full repodata is indexed per name without being parsed; CEP 16 shards are fetched only
 * for the names reachable from the request.
 */
export class RepodataGateway {
  private readonly opts: GatewayOptions;
  private readonly client: HttpClient;
  private readonly cache: HttpCache | undefined;

  constructor(opts: GatewayOptions = {}) {
    this.opts = opts;
    this.client = new HttpClient(opts);
    this.cache = opts.cacheDir ? new HttpCache(`${opts.cacheDir}/repodata`) : undefined;
  }

  /** Releases pooled connections (call when done, so the process can exit promptly). */
  async close(): Promise<void> {
    await this.client.close();
  }

  private channelConfig(): ChannelConfig | undefined {
    const { channelConfig, channelAlias } = this.opts;
    if (channelConfig || !channelAlias) return channelConfig;
    return { ...defaultChannelConfig(), channelAlias };
  }

  private context(): CachedFetchContext {
    return { client: this.client, cache: this.cache, offline: this.opts.offline, refresh: this.opts.refresh };
  }

  async load(req: LoadRequest): Promise<RepodataIndex> {
    const seen = new Set<string>();
    const channels: ChannelSource[] = [];
    for (const c of req.channels) {
      for (const src of toChannelSources(c, this.channelConfig())) {
        // The same URL twice is one channel (its first position counts). Members of `defaults`
        // share the canonical name but are distinct channels with their own priority.
        if (seen.has(src.url)) continue;
        seen.add(src.url);
        channels.push(src);
      }
    }
    const subdirs = [...new Set(req.subdirs)];
    const useShards = this.opts.shards !== "never" && req.specs !== undefined;
    const perChannel = await settleAll(
      channels.map(async (ch, rank) => {
        // As conda's Channel.urls(): a channel string that names a subdir reads it and noarch only.
        const own = ch.subdir ? [...new Set([ch.subdir, "noarch"])] : subdirs;
        const loaded = await settleAll(own.map((subdir) => this.loadSubdir(ch, rank, subdir, useShards)));
        const present = loaded.filter((s): s is Source => s !== undefined);
        if (present.length === 0)
          throw new UnavailableChannelError(ch.redacted, `no ${own.join(", ")} repodata`);
        return present;
      }),
    );
    const index = new RepodataIndex(
      channels.map((c) => c.name),
      perChannel.flat(),
    );
    if (req.specs) {
      const names = req.specs.map(specName).filter((n): n is string => n !== undefined);
      await index.ensure(names);
    }
    return index;
  }

  /** Where the saved index of a subdir's repodata lives, when it is worth keeping (see indexCacheAbove). */
  private indexFileFor(subdirUrl: string, bytes: number, identity: string | undefined): string | undefined {
    const dir = this.opts.cacheDir;
    if (!dir || !identity || bytes < (this.opts.indexCacheAbove ?? DEFAULT_INDEX_CACHE_ABOVE))
      return undefined;
    const name = createHash("sha256").update(redactUrl(subdirUrl)).digest("hex").slice(0, 32);
    return join(dir, "repodata-index", `${name}.sidx`);
  }

  private async loadSubdir(
    ch: ChannelSource,
    rank: number,
    subdir: string,
    useShards: boolean,
  ): Promise<Source | undefined> {
    const ctx = this.context();
    const subdirUrl = ch.subdirUrl(subdir);
    if (useShards && !subdirUrl.startsWith("file:")) {
      let index: Awaited<ReturnType<typeof fetchShardIndex>>;
      try {
        index = await fetchShardIndex(subdirUrl, ctx);
      } catch (e) {
        // Offline with only the full repodata cached (an earlier load without specs): use that.
        if (!(e instanceof OfflineCacheMissError)) throw e;
      }
      if (index) {
        const sharded = new ShardedSubdir(index, {
          channel: ch.name,
          subdir,
          ctx,
          shardCacheDir: this.opts.cacheDir ? `${this.opts.cacheDir}/shards` : undefined,
        });
        return { rank, channel: ch.name, subdir, sharded };
      }
    }
    const res = await cachedFetch(`${subdirUrl}/repodata`, REPODATA_VARIANTS, ctx, decodeRepodata);
    if (!res.found) return undefined;
    try {
      const indexFile = this.indexFileFor(subdirUrl, res.body.length, res.identity);
      const saved = indexFile && res.identity ? await readSavedIndex(indexFile, res.identity) : undefined;
      const sparse = SparseRepodata.parse(
        res.body,
        { source: res.source, subdir, channel: ch.name, subdirUrl },
        saved,
      );
      if (indexFile && res.identity && !sparse.reusedIndex) await saveIndex(indexFile, sparse, res.identity);
      const { compactAbove } = this.opts;
      if (compactAbove !== undefined) {
        if (res.body.length >= compactAbove) await sparse.compact();
      } else if (res.body.length >= DEFAULT_COMPACT_ABOVE) compactLater(sparse);
      return { rank, channel: ch.name, subdir, sparse };
    } catch (e) {
      // Never trust a cached body that does not parse: drop it so the next run downloads again.
      if (e instanceof RepodataParseError && res.cacheKey && this.cache)
        await this.cache.invalidate(res.cacheKey);
      throw e;
    }
  }
}

/**
 * The records of the loaded channels, by name. `get` is synchronous; for sharded channels it
 * returns the shards loaded so far (the closure of the request's specs), and `ensure` loads more.
 */
export class RepodataIndex {
  /** Canonical name of each concrete channel, highest priority first (`defaults` expands to several). */
  readonly channels: readonly string[];
  private readonly sources: Source[];
  private readonly byName = new Map<string, PackageRecord[]>();
  private readonly ranks = new WeakMap<PackageRecord, number>();
  private readonly channelRanks: Map<string, number>;

  constructor(channels: string[], sources: Source[]) {
    this.channels = channels;
    this.sources = [...sources].sort((a, b) => a.rank - b.rank);
    this.channelRanks = new Map();
    channels.forEach((c, k) => {
      if (!this.channelRanks.has(c)) this.channelRanks.set(c, k);
    });
  }

  /** All records named `name`, channel 0 first (within a channel: subdirs in request order). */
  get(name: string): PackageRecord[] {
    let out = this.byName.get(name);
    if (out) return out;
    out = [];
    for (const s of this.sources) {
      const recs = s.sparse ? s.sparse.records(name) : (s.sharded?.loaded(name) ?? []);
      for (const r of recs) {
        this.ranks.set(r, s.rank);
        out.push(r);
      }
    }
    this.byName.set(name, out);
    return out;
  }

  /** 0 for a record of the highest-priority channel. */
  channelRank(record: PackageRecord): number {
    return (
      this.ranks.get(record) ??
      (record.channel ? this.channelRanks.get(record.channel) : undefined) ??
      this.channels.length
    );
  }

  /** Names with records: every name of full-repodata channels, and the loaded names of sharded ones. */
  names(): Iterable<string> {
    const all = new Set<string>();
    for (const s of this.sources) {
      if (s.sparse) for (const n of s.sparse.names()) all.add(n);
      else if (s.sharded) for (const n of s.sharded.names()) if (s.sharded.loaded(n)?.length) all.add(n);
    }
    return all;
  }

  /**
   * Every name the channels have, including names of sharded channels whose shards are not loaded
   * yet (`get` returns [] for those until `ensure` loads them).
   */
  knownNames(): Set<string> {
    const all = new Set(this.names());
    for (const s of this.sources) if (s.sharded) for (const n of s.sharded.names()) all.add(n);
    return all;
  }

  /** Records skipped as unusable (e.g. no version), with the file they came from. */
  get warnings(): string[] {
    return this.sources.flatMap((s) => s.sparse?.warnings ?? []);
  }

  /**
   * Loads from sharded channels every name reachable from `names` through `depends` (CEP 16's
   * fetch loop), level by level so each level's shards download in parallel.
   */
  async ensure(names: Iterable<string>, options: { closure?: boolean } = {}): Promise<void> {
    const sharded = this.sources.filter((s) => s.sharded);
    if (sharded.length === 0) return;
    const closure = options.closure ?? true;
    const seen = new Set<string>();
    let level = [...names].filter((n) => !n.startsWith("__"));
    for (const n of level) seen.add(n);
    while (level.length > 0) {
      await settleAll(
        level.flatMap((n) => sharded.filter((s) => s.sharded!.has(n)).map((s) => s.sharded!.load(n))),
      );
      const next: string[] = [];
      for (const n of level) {
        this.byName.delete(n);
        if (!closure) continue;
        for (const r of this.get(n)) {
          for (const dep of r.depends) {
            const d = specName(dep);
            if (d && !d.startsWith("__") && !seen.has(d)) {
              seen.add(d);
              next.push(d);
            }
          }
        }
      }
      level = next;
    }
  }
}

/** The saved index file's bytes with the identity they must match, or undefined when there is none. */
async function readSavedIndex(
  file: string,
  identity: string,
): Promise<{ bytes: Buffer; identity: string } | undefined> {
  try {
    return { bytes: await readWholeFile(file), identity };
  } catch {
    return undefined; // first load of these bytes
  }
}

async function saveIndex(file: string, sparse: SparseRepodata, identity: string): Promise<void> {
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFileAtomic(file, sparse.indexBytes(identity));
  } catch {
    // a read-only or full cache only costs the next load a scan
  }
}
