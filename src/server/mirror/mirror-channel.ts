import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { TaipanError } from "../../conda/errors.js";
import { MatchSpec } from "../../conda/match-spec.js";
import type { PackageRecord } from "../../conda/package-record.js";
import { fetchArchive } from "../../package/fetch-archive.js";
import { hashFile } from "../../package/hash.js";
import { type GatewayOptions, RepodataGateway } from "../../repodata/gateway.js";
import type { RepodataIndex } from "../../repodata/gateway.js";
import { indexChannel } from "../index/index-channel.js";

export interface MirrorOptions {
  /** Channel URL, name or directory to copy from. */
  source: string;
  /** Channel directory to copy into (created; existing packages are kept). */
  dest: string;
  /** The platform subdir; noarch is always mirrored too. */
  platform: string;
  /** Specs whose dependency closure is copied; none means every package of the subdirs. */
  specs?: string[];
  /** Downloads in parallel; default 4. */
  concurrency?: number;
  /** Options for the repodata gateway (cache dir, proxies, tokens). */
  gateway?: GatewayOptions;
  onPackage?: (event: { subdir: string; fn: string; action: "copied" | "present" }) => void;
}

export interface MirrorResult {
  /** Packages in the closure, by `<subdir>/<fn>`. */
  packages: string[];
  copied: number;
  present: number;
  bytes: number;
  warnings: string[];
}

export class MirrorError extends TaipanError {
  constructor(message: string, hint: string) {
    super("MIRROR", message, { hint });
  }
}

/**
 * Every record that can take part in an environment built from `specs`: the records matching
 * each spec, then, transitively, every record matching one of their `depends`. This is wider
 * than one solution on purpose: a mirror must still solve after pins or other specs change.
 */
export function dependencyClosure(
  index: RepodataIndex,
  specs: string[],
  warnings: string[],
): PackageRecord[] {
  const out = new Map<string, PackageRecord>();
  const seen = new Set<string>();
  const queue: { spec: string; top: boolean }[] = specs.map((spec) => ({ spec, top: true }));
  while (queue.length > 0) {
    const { spec, top } = queue.shift()!;
    if (seen.has(spec)) continue;
    seen.add(spec);
    let ms: MatchSpec;
    try {
      ms = MatchSpec.parse(spec);
    } catch (e) {
      if (top) throw e;
      warnings.push(`dependency '${spec}' is not a valid spec; skipped (${(e as Error).message})`);
      continue;
    }
    // Virtual packages (__glibc, __cuda) come from the machine, not a channel.
    if (ms.name.startsWith("__")) continue;
    const matching = index.get(ms.name).filter((r) => ms.matches(r));
    if (matching.length === 0) {
      if (top)
        throw new MirrorError(
          `nothing in the source channel matches '${spec}'`,
          "Check the spelling and version, and that --platform names a subdir the channel has.",
        );
      warnings.push(`no package matches dependency '${spec}'`);
    }
    for (const r of matching) {
      const key = `${r.subdir}/${r.fn}`;
      if (out.has(key)) continue;
      out.set(key, r);
      for (const d of r.depends) if (!seen.has(d)) queue.push({ spec: d, top: false });
    }
  }
  return [...out.values()];
}

/** Runs `fn` over `items`, `n` at a time; after a failure no new item starts, and all settle first. */
async function mapLimit<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const workers = Array.from({ length: Math.max(1, Math.min(n, items.length)) }, async () => {
    while (!failed && next < items.length) {
      try {
        await fn(items[next++]!);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  });
  const results = await Promise.allSettled(workers);
  const error = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (error) throw error.reason;
}

/**
 * `taipan mirror`: copies packages from a channel into a channel directory, each download checked
 * against the sha256/md5/size its repodata promises (a mismatch fails the mirror and leaves no
 * file), then indexes the copy so it can be served at once.
 */
export async function mirrorChannel(opts: MirrorOptions): Promise<MirrorResult> {
  const dest = resolve(opts.dest);
  const subdirs = [...new Set([opts.platform, "noarch"])];
  const gateway = new RepodataGateway({ shards: "never", ...opts.gateway });
  const warnings: string[] = [];
  let records: PackageRecord[];
  try {
    const index = await gateway.load({ channels: [opts.source], subdirs });
    records =
      opts.specs && opts.specs.length > 0
        ? dependencyClosure(index, opts.specs, warnings)
        : [...index.names()].flatMap((n) => index.get(n));
  } finally {
    await gateway.close();
  }
  records.sort((a, b) => (`${a.subdir}/${a.fn}` < `${b.subdir}/${b.fn}` ? -1 : 1));
  const result: MirrorResult = {
    packages: records.map((r) => `${r.subdir}/${r.fn}`),
    copied: 0,
    present: 0,
    bytes: 0,
    warnings,
  };
  for (const s of subdirs) await mkdir(join(dest, s), { recursive: true });
  await mapLimit(records, opts.concurrency ?? 4, async (r) => {
    if (!r.url)
      throw new MirrorError(
        `${r.fn} has no URL in the source repodata`,
        "Mirror from a channel URL or directory.",
      );
    const target = join(dest, r.subdir, r.fn);
    const existing = await stat(target).catch(() => undefined);
    if (existing) {
      const digest = await hashFile(target);
      if ((!r.sha256 || digest.sha256 === r.sha256) && (!r.md5 || digest.md5 === r.md5)) {
        result.present++;
        opts.onPackage?.({ subdir: r.subdir, fn: r.fn, action: "present" });
        return;
      }
    }
    // Hidden temp name: never picked up by the indexer nor served.
    const tmp = join(dest, r.subdir, `.${r.fn}.${randomBytes(4).toString("hex")}.part`);
    try {
      const digest = await fetchArchive(r.url, tmp, {
        expectedSha256: r.sha256,
        expectedMd5: r.md5,
        expectedSize: r.size,
      });
      await rename(tmp, target);
      result.copied++;
      result.bytes += digest.size;
      opts.onPackage?.({ subdir: r.subdir, fn: r.fn, action: "copied" });
    } finally {
      await rm(tmp, { force: true });
    }
  });
  const indexed = await indexChannel(dest, { subdirs });
  result.warnings.push(...indexed.warnings);
  return result;
}
