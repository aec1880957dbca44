import { randomBytes } from "node:crypto";
import { appendFile, lstat, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { TaipanError } from "../conda/errors.js";
import type { PackageRecord } from "../conda/package-record.js";
import { splitArchiveExtension } from "../conda/archive-name.js";
import { withArtifactLock } from "./artifact-lock.js";
import { ChecksumMismatchError, CorruptArchiveError } from "./errors.js";
import { extractPackage } from "./extract.js";
import { fetchArchive } from "./fetch-archive.js";
import { type FileDigest, hashFile } from "./hash.js";
import { isWritableDir, pkgsDirsFrom } from "./pkgs-dirs.js";
import { stripUrlCredentials } from "../conda/url-credentials.js";
import { hashTreeAgainstPaths, quickCheckAgainstPaths } from "./verify-extracted.js";

export type CachePhase = "cached" | "download" | "extract" | "done";

export interface CacheProgress {
  record: PackageRecord;
  phase: CachePhase;
  /** Bytes downloaded so far (phase "download"). */
  bytes?: number;
  total?: number;
}

export interface EnsureOptions {
  onProgress?: (p: CacheProgress) => void;
  /** Parallel downloads/extractions; default 4. */
  concurrency?: number;
  /**
   * How hard to check an entry already in the cache: "quick" (marker matches the record, every file of
   * paths.json present with its size) or "full" (also every file's sha256).
   */
  validate?: "quick" | "full";
  signal?: AbortSignal;
}

export class CacheNotWritableError extends TaipanError {
  constructor(dirs: string[]) {
    super("PKGS_DIRS_NOT_WRITABLE", `none of the package cache directories is writable: ${dirs.join(", ")}`, {
      hint: "Set CONDA_PKGS_DIRS (or pkgs_dirs in .condarc) to a directory you can write to.",
      exceptionName: "NotWritableError",
    });
  }
}

/** The file conda writes last into an extracted package: the record it was installed from. */
const MARKER = join("info", "repodata_record.json");

/** Does a cached repodata_record.json describe the same artifact as the record? */
function sameArtifact(cached: Record<string, unknown>, r: PackageRecord): boolean {
  if (r.sha256 && typeof cached.sha256 === "string") return cached.sha256 === r.sha256;
  if (r.md5 && typeof cached.md5 === "string") return cached.md5 === r.md5;
  // Without hashes fall back to identity by file name (conda does the same for hashless records).
  return cached.fn === r.fn && (r.size === undefined || cached.size === r.size);
}

/**
 * conda's `pkgs/` directory: `<fn>` (the archive), `<name-version-build>/` (extracted, with
 * `info/repodata_record.json` written last as the completeness marker) and `urls.txt`. Several
 * directories are searched; new entries go to the first writable one. Every artifact is populated
 * under its own waiting cross-process lock, via temp paths and atomic renames, so concurrent
 * processes sharing a cache never see half an entry and never fetch the same file twice.
 */
export class PackageCache {
  readonly dirs: string[];
  private writable: Promise<string> | undefined;

  constructor(dirs?: string[]) {
    this.dirs = dirs?.length ? dirs : pkgsDirsFrom(undefined);
  }

  /** The directory new packages go to: the first writable one. */
  writableDir(): Promise<string> {
    this.writable ??= (async () => {
      for (const d of this.dirs) if (await isWritableDir(d)) return d;
      throw new CacheNotWritableError(this.dirs);
    })();
    return this.writable;
  }

  /** The extracted directory for a record if a valid one exists in any cache dir, else undefined. */
  async lookup(record: PackageRecord, validate: "quick" | "full" = "quick"): Promise<string | undefined> {
    const [stem] = splitArchiveExtension(record.fn);
    for (const d of this.dirs) {
      const dir = join(d, stem);
      if (await this.isValidExtracted(dir, record, validate)) return dir;
    }
    return undefined;
  }

  /**
   * `lookup` for many records at once: each cache directory is listed once, and only the records
   * whose extracted directory is there are opened (a plan of 1,500 packages against an empty cache
   * was 1,500 failed opens one after another, ~100 ms).
   */
  async lookupAll(
    records: readonly PackageRecord[],
    validate: "quick" | "full" = "quick",
  ): Promise<(string | undefined)[]> {
    const listed = await Promise.all(
      this.dirs.map(async (d) => {
        try {
          return new Set(await readdir(d));
        } catch {
          return new Set<string>();
        }
      }),
    );
    const out = new Array<string | undefined>(records.length).fill(undefined);
    let next = 0;
    const worker = async () => {
      while (next < records.length) {
        const i = next++;
        const [stem] = splitArchiveExtension(records[i].fn);
        for (let k = 0; k < this.dirs.length; k++) {
          if (!listed[k].has(stem)) continue;
          const dir = join(this.dirs[k], stem);
          if (await this.isValidExtracted(dir, records[i], validate)) {
            out[i] = dir;
            break;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, records.length) }, worker));
    return out;
  }

  private async isValidExtracted(
    dir: string,
    record: PackageRecord,
    validate: "quick" | "full",
  ): Promise<boolean> {
    let cached: Record<string, unknown>;
    try {
      cached = JSON.parse(await readFile(join(dir, MARKER), "utf8"));
    } catch {
      return false;
    }
    if (!sameArtifact(cached, record)) return false;
    return validate === "full" ? hashTreeAgainstPaths(dir) : quickCheckAgainstPaths(dir);
  }

  /**
   * Makes sure every record is downloaded, verified and extracted; returns the extracted directory
   * of each record, in input order.
   */
  async ensure(records: PackageRecord[], opts: EnsureOptions = {}): Promise<string[]> {
    const results = new Array<string>(records.length);
    const byFn = new Map<string, Promise<string>>();
    let next = 0;
    const worker = async () => {
      while (next < records.length) {
        const i = next++;
        const r = records[i];
        let p = byFn.get(r.fn);
        if (!p) {
          p = this.ensureOne(r, opts);
          byFn.set(r.fn, p);
        }
        results[i] = await p;
      }
    };
    const n = Math.max(1, Math.min(opts.concurrency ?? 4, records.length));
    await Promise.all(Array.from({ length: n }, worker));
    return results;
  }

  private async ensureOne(record: PackageRecord, opts: EnsureOptions): Promise<string> {
    const validate = opts.validate ?? "quick";
    const hit = await this.lookup(record, validate);
    if (hit) {
      opts.onProgress?.({ record, phase: "cached" });
      return hit;
    }
    const dir = await this.writableDir();
    const [stem] = splitArchiveExtension(record.fn);
    const archive = join(dir, record.fn);
    const extracted = join(dir, stem);
    return withArtifactLock(archive, async () => {
      // Another process may have finished while we waited for the lock.
      if (await this.isValidExtracted(extracted, record, validate)) {
        opts.onProgress?.({ record, phase: "cached" });
        return extracted;
      }
      const digest = await this.ensureArchive(record, archive, opts);
      opts.onProgress?.({ record, phase: "extract" });
      try {
        // No second hash here: ensureArchive verified these exact bytes a moment ago, under the same lock.
        await extractPackage(archive, extracted, {
          beforeCommit: (tmp) => this.writeMarker(tmp, record, digest),
        });
      } catch (e) {
        // An archive that verified but does not extract is useless in the cache: drop it.
        if (e instanceof CorruptArchiveError || e instanceof ChecksumMismatchError)
          await rm(archive, { force: true });
        throw e;
      }
      opts.onProgress?.({ record, phase: "done" });
      return extracted;
    });
  }

  /** Uses the cached archive when it hashes to the record, else downloads a fresh one. */
  private async ensureArchive(
    record: PackageRecord,
    archive: string,
    opts: EnsureOptions,
  ): Promise<FileDigest> {
    const existing = await lstat(archive).catch(() => undefined);
    if (existing?.isFile()) {
      const d = await hashFile(archive);
      const ok =
        (record.sha256 ? d.sha256 === record.sha256 : true) &&
        (record.md5 ? d.md5 === record.md5 : true) &&
        (record.size === undefined || d.size === record.size) &&
        (record.sha256 !== undefined || record.md5 !== undefined);
      if (ok) return d;
    }
    if (!record.url)
      throw new TaipanError("NO_URL", `no download URL for ${record.fn}`, {
        hint: "The record came without a url; give the channel it belongs to.",
      });
    opts.onProgress?.({ record, phase: "download", bytes: 0, total: record.size });
    const tmp = `${archive}.partial-${process.pid}-${randomBytes(4).toString("hex")}`;
    const digest = await fetchArchive(record.url, tmp, {
      expectedSha256: record.sha256,
      expectedMd5: record.md5,
      expectedSize: record.size,
      signal: opts.signal,
      onBytes: (bytes, total) => opts.onProgress?.({ record, phase: "download", bytes, total }),
    });
    await rename(tmp, archive);
    // conda appends every fetched URL to urls.txt; O_APPEND keeps concurrent short lines whole.
    await appendFile(join(dirname(archive), "urls.txt"), `${stripUrlCredentials(record.url)}\n`);
    return digest;
  }

  private async writeMarker(tmp: string, record: PackageRecord, digest: FileDigest): Promise<void> {
    let index: Record<string, unknown> = {};
    try {
      index = JSON.parse(await readFile(join(tmp, "info", "index.json"), "utf8"));
    } catch {
      // Very old packages may lack index.json; the record alone is enough.
    }
    const rec = {
      ...index,
      ...record.toJson(),
      fn: record.fn,
      url: record.url === undefined ? undefined : stripUrlCredentials(record.url),
      channel: record.channel === undefined ? undefined : stripUrlCredentials(record.channel),
      md5: digest.md5,
      sha256: digest.sha256,
      size: digest.size,
    };
    await writeFile(join(tmp, MARKER), `${JSON.stringify(rec, null, 2)}\n`);
  }

  /** Full check of a cached record: marker, then every file's size and sha256 against paths.json. */
  async verify(record: PackageRecord): Promise<boolean> {
    return (await this.lookup(record, "full")) !== undefined;
  }
}
