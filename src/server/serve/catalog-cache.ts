import { open, stat } from "node:fs/promises";
import { join } from "node:path";
import {
  type CatalogBuild,
  type CatalogPackage,
  channelDataEntries,
  channelSubdirs,
  parseJsonObject,
  sortBuilds,
  subdirBuilds,
  summarizePackages,
} from "./catalog.js";

/** A parsed JSON file together with the identity of the version it was parsed from. */
interface Parsed<T> {
  key: string;
  value: T;
}

/** What the web UI needs of one channel, built from the parsed files whose keys make up `key`. */
interface ChannelEntry {
  key: string;
  builds: CatalogBuild[];
  data: Map<string, Record<string, unknown>>;
  packages?: CatalogPackage[];
}

/**
 * Reads a file through one handle and returns its content with a key from that handle's stat
 * (inode, size, mtime in ns), so key and content always belong together. The indexer replaces
 * files by rename (a new inode); an in-place edit changes mtime and usually size. `undefined`
 * when the file is missing.
 */
async function readKeyed(file: string): Promise<{ key: string; text: string } | undefined> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(file, "r");
  } catch {
    return undefined;
  }
  try {
    const st = await fh.stat({ bigint: true });
    return { key: `${st.ino}-${st.size}-${st.mtimeNs}`, text: await fh.readFile("utf8") };
  } finally {
    await fh.close();
  }
}

/** The key of a file's current version without reading it; "-" when it is missing. */
async function statKey(file: string): Promise<string> {
  const st = await stat(file, { bigint: true }).catch(() => undefined);
  return st ? `${st.ino}-${st.size}-${st.mtimeNs}` : "-";
}

/**
 * The web UI's view of each channel (`/api/packages/...`), kept between requests: a request only
 * stats `<subdir>/repodata.json` and `channeldata.json`, and parses again only the files whose
 * inode, size or mtime changed, i.e. after an upload, a delete or a `taipan index` run (the
 * indexer writes by rename). The merged, sorted build list and the package summary are rebuilt
 * only when one of their files changed.
 */
export class CatalogCache {
  private readonly subdirs = new Map<string, Parsed<CatalogBuild[]>>();
  private readonly channels = new Map<string, ChannelEntry>();
  private readonly data = new Map<string, Parsed<Map<string, Record<string, unknown>>>>();
  /** repodata.json files parsed so far (a test can tell a cache hit from a re-read). */
  repodataReads = 0;

  /** Every build of the channel, newest first; only those of `name` when given. */
  async builds(channelDir: string, name?: string): Promise<CatalogBuild[]> {
    const entry = await this.channel(channelDir);
    return name === undefined ? entry.builds : entry.builds.filter((b) => b.name === name);
  }

  /** channeldata.json's per-name entries. */
  async channelData(channelDir: string): Promise<Map<string, Record<string, unknown>>> {
    return (await this.channel(channelDir)).data;
  }

  /** One line per package name, as summarizePackages makes it. */
  async packages(channelDir: string): Promise<CatalogPackage[]> {
    const entry = await this.channel(channelDir);
    entry.packages ??= summarizePackages(entry.builds, entry.data);
    return entry.packages;
  }

  private async channel(channelDir: string): Promise<ChannelEntry> {
    const subdirs = await channelSubdirs(channelDir);
    const parts: Parsed<CatalogBuild[]>[] = [];
    for (const subdir of subdirs) parts.push(await this.subdir(channelDir, subdir));
    const data = await this.channelDataParsed(channelDir);
    const key = [...subdirs.map((s, i) => `${s}=${parts[i]!.key}`), `channeldata=${data.key}`].join(";");
    const cached = this.channels.get(channelDir);
    if (cached?.key === key) return cached;
    const entry: ChannelEntry = { key, builds: sortBuilds(parts.flatMap((p) => p.value)), data: data.value };
    this.channels.set(channelDir, entry);
    // Subdirs that went away (a removed platform) are forgotten with their channel's old entry.
    for (const k of this.subdirs.keys())
      if (k.startsWith(`${channelDir}\0`) && !subdirs.includes(k.slice(channelDir.length + 1)))
        this.subdirs.delete(k);
    return entry;
  }

  private async subdir(channelDir: string, subdir: string): Promise<Parsed<CatalogBuild[]>> {
    const file = join(channelDir, subdir, "repodata.json");
    const id = `${channelDir}\0${subdir}`;
    const cached = this.subdirs.get(id);
    if (cached && cached.key === (await statKey(file))) return cached;
    const read = await readKeyed(file);
    const doc = read && parseJsonObject(read.text);
    if (read) this.repodataReads++;
    const parsed = { key: read?.key ?? "-", value: doc ? await subdirBuilds(channelDir, subdir, doc) : [] };
    this.subdirs.set(id, parsed);
    return parsed;
  }

  private async channelDataParsed(channelDir: string): Promise<Parsed<Map<string, Record<string, unknown>>>> {
    const file = join(channelDir, "channeldata.json");
    const cached = this.data.get(channelDir);
    if (cached && cached.key === (await statKey(file))) return cached;
    const read = await readKeyed(file);
    const parsed = { key: read?.key ?? "-", value: channelDataEntries(read && parseJsonObject(read.text)) };
    this.data.set(channelDir, parsed);
    return parsed;
  }
}
