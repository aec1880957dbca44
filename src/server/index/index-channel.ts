import { spawnSync } from "node:child_process";
import { mkdir, readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { compress } from "@mongodb-js/zstd";
import { TaipanError } from "../../conda/errors.js";
import { splitArchiveExtension } from "../../conda/archive-name.js";
import { sortedJsonText } from "../../conda/json-text.js";
import { buildChannelData } from "./channeldata.js";
import { loadIndexCache, saveIndexCache } from "./index-cache.js";
import { type IndexedPackage, readIndexedPackage } from "./package-entry.js";
import { buildShards } from "./shards.js";
import { writeFileAtomic } from "../../fs/write-atomic.js";

export interface IndexOptions {
  /** Only these subdirs (default: every subdir directory found, plus noarch). */
  subdirs?: string[];
  /** Write `repodata.json.bz2` (needs the `bzip2` program); default true. */
  bz2?: boolean;
  /** Write CEP 16 shards; default true. */
  shards?: boolean;
  /** Ignore the incremental cache and read every package again. */
  force?: boolean;
  /** Packages read in parallel; default 4. */
  concurrency?: number;
  onProgress?: (event: { subdir: string; fn: string; cached: boolean }) => void;
}

export interface SubdirSummary {
  subdir: string;
  packages: number;
  /** Files read this run (not served from the cache). */
  read: number;
  /** Files skipped, with the reason (unreadable, wrong subdir). */
  skipped: { fn: string; reason: string }[];
}

export class ChannelIndexError extends TaipanError {
  constructor(dir: string, reason: string) {
    super("CHANNEL_INDEX", `cannot index ${dir}: ${reason}`, {
      hint: "Give a channel directory holding <subdir>/ folders (linux-64, noarch, ...) with .conda/.tar.bz2 files.",
    });
  }
}

/** Subdir folder names: `noarch` or `<os>-<arch>` (conda's test channels use e.g. `linux-fake`). */
const SUBDIR_NAME = /^(noarch|[a-z0-9]+-[a-z0-9_]+)$/;

function bzip2(data: Buffer): Buffer | undefined {
  const r = spawnSync("bzip2", ["-9", "-c"], { input: data, maxBuffer: 2 ** 31 - 1 });
  return r.error || r.status !== 0 ? undefined : r.stdout;
}

async function mapLimit<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(n, items.length)) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

async function indexSubdir(
  root: string,
  subdir: string,
  opts: IndexOptions,
  warnings: string[],
): Promise<{ summary: SubdirSummary; entries: Map<string, IndexedPackage> }> {
  const dir = join(root, subdir);
  await mkdir(dir, { recursive: true });
  const files = (await readdir(dir, { withFileTypes: true }))
    .filter((d) => d.isFile() && splitArchiveExtension(d.name)[1] !== undefined)
    .map((d) => d.name)
    .sort();
  const cache = opts.force ? new Map<string, IndexedPackage>() : await loadIndexCache(dir);
  const entries = new Map<string, IndexedPackage>();
  const summary: SubdirSummary = { subdir, packages: 0, read: 0, skipped: [] };
  await mapLimit(files, opts.concurrency ?? 4, async (fn) => {
    const path = join(dir, fn);
    const st = await stat(path);
    const hit = cache.get(fn);
    if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) {
      entries.set(fn, hit);
      opts.onProgress?.({ subdir, fn, cached: true });
      return;
    }
    try {
      const entry = await readIndexedPackage(path);
      summary.read++;
      const recSubdir = entry.record.subdir;
      if (recSubdir !== undefined && recSubdir !== subdir) {
        summary.skipped.push({ fn, reason: `its index.json says subdir '${String(recSubdir)}'` });
        return;
      }
      // Very old packages have no subdir in index.json; the folder they sit in says it (conda-index does the same).
      if (recSubdir === undefined) entry.record.subdir = subdir;
      entries.set(fn, entry);
      opts.onProgress?.({ subdir, fn, cached: false });
    } catch (e) {
      // A broken upload must not take the whole channel down; conda-index logs and skips too.
      summary.skipped.push({ fn, reason: (e as Error).message });
    }
  });
  for (const s of summary.skipped) warnings.push(`${subdir}/${s.fn}: skipped, ${s.reason}`);
  // Keep the cache in archive-name order so its bytes do not depend on completion order.
  const sorted = new Map([...entries.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  await saveIndexCache(dir, sorted);
  summary.packages = sorted.size;
  await writeSubdirFiles(dir, subdir, sorted, opts, warnings);
  return { summary, entries: sorted };
}

async function writeSubdirFiles(
  dir: string,
  subdir: string,
  entries: Map<string, IndexedPackage>,
  opts: IndexOptions,
  warnings: string[],
): Promise<void> {
  const packages: Record<string, Record<string, unknown>> = {};
  const packagesConda: Record<string, Record<string, unknown>> = {};
  const runExports: Record<string, Record<string, unknown>> = {};
  const runExportsConda: Record<string, Record<string, unknown>> = {};
  for (const [fn, e] of entries) {
    const conda = splitArchiveExtension(fn)[1] === ".conda";
    (conda ? packagesConda : packages)[fn] = e.record;
    (conda ? runExportsConda : runExports)[fn] = { run_exports: e.runExports ?? {} };
  }
  const repodata = {
    info: { subdir },
    packages,
    "packages.conda": packagesConda,
    removed: [],
    repodata_version: 1,
  };
  const json = Buffer.from(sortedJsonText(repodata));
  // Compressed variants first, repodata.json last: a client that sees the new repodata.json finds matching .zst/.bz2.
  await writeFileAtomic(join(dir, "repodata.json.zst"), await compress(json, 16));
  if (opts.bz2 !== false) {
    const bz = bzip2(json);
    if (bz) await writeFileAtomic(join(dir, "repodata.json.bz2"), bz);
    else warnings.push(`${subdir}: repodata.json.bz2 not written (the bzip2 program is missing)`);
  }
  // CEP 12 run_exports.json, as conda-index writes it beside repodata.json.
  await writeFileAtomic(
    join(dir, "run_exports.json"),
    sortedJsonText({ info: { subdir }, packages: runExports, "packages.conda": runExportsConda }),
  );
  if (opts.shards !== false) {
    const { index, shards } = await buildShards(subdir, packages, packagesConda);
    await mkdir(join(dir, "shards"), { recursive: true });
    for (const s of shards) {
      const p = join(dir, "shards", `${s.sha256}.msgpack.zst`);
      // Content-addressed: an existing file already has exactly these bytes.
      if (!(await stat(p).catch(() => undefined))) await writeFileAtomic(p, s.bytes);
    }
    await writeFileAtomic(join(dir, "repodata_shards.msgpack.zst"), index);
  }
  await writeFileAtomic(join(dir, "repodata.json"), json);
}

/**
 * `taipan index DIR`: writes repodata.json (+ .zst, .bz2), run_exports.json, CEP 16 shards per
 * subdir and channeldata.json at the top, in conda-index's layout. `noarch/repodata.json` is always
 * written, even for a channel without noarch packages, because conda clients always ask for it.
 */
export async function indexChannel(
  channelDir: string,
  opts: IndexOptions = {},
): Promise<{ subdirs: SubdirSummary[]; warnings: string[] }> {
  const root = resolve(channelDir);
  const st = await stat(root).catch(() => undefined);
  if (!st?.isDirectory()) throw new ChannelIndexError(root, "not a directory");
  let subdirs = opts.subdirs;
  if (!subdirs) {
    subdirs = (await readdir(root, { withFileTypes: true }))
      .filter((d) => d.isDirectory() && SUBDIR_NAME.test(d.name))
      .map((d) => d.name);
  }
  subdirs = [...new Set([...subdirs, "noarch"])].sort();
  const warnings: string[] = [];
  const summaries: SubdirSummary[] = [];
  const all = new Map<string, Map<string, IndexedPackage>>();
  for (const s of subdirs) {
    const { summary, entries } = await indexSubdir(root, s, opts, warnings);
    summaries.push(summary);
    all.set(s, entries);
  }
  await writeFileAtomic(join(root, "channeldata.json"), sortedJsonText(buildChannelData(all)));
  return { subdirs: summaries, warnings };
}
