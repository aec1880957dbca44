import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { redactUrl } from "../conda/url-credentials.js";
import { writeFileAtomic } from "../fs/write-atomic.js";
import { readWholeFile } from "../fs/read-whole.js";

/** What we remember about one cached URL (a subdir's repodata, or a shard index). */
export interface CacheState {
  /** Redacted URL, for humans reading the cache directory. */
  url: string;
  /** Which file variant the body came from (e.g. `.json.zst`), when the entry covers several. */
  variant?: string;
  /** File name of the body in the cache directory, absent when nothing was downloaded. */
  body?: string;
  sha256?: string;
  size?: number;
  etag?: string;
  lastModified?: string;
  cacheControl?: string;
  /** When the body was last confirmed current by the server (200 or 304), ms since the epoch. */
  fetchedAt?: number;
  /** Variants known to exist or not, and when that was checked (conda remembers `has_zst`). */
  has?: Record<string, { ok: boolean; at: number }>;
}

/** Seconds from `Cache-Control: max-age=N`, 0 for `no-cache`/`no-store`/absent. */
export function maxAgeSeconds(cacheControl: string | undefined): number {
  if (!cacheControl) return 0;
  if (/no-cache|no-store/i.test(cacheControl)) return 0;
  const m = /max-age\s*=\s*(\d+)/i.exec(cacheControl);
  return m ? Number(m[1]) : 0;
}

function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * A directory of cached HTTP bodies. Each entry is `<key>.state.json` plus a body file whose name
 * includes the body's hash, so a state file always names a complete body: writers create the body
 * under a temporary name, rename it into place, then atomically rename the new state over the old.
 * Several processes may fetch the same URL at once; the last rename wins and readers never see a
 * half-written file. Bodies are verified (size + sha256) on every read; a mismatch is a miss.
 */
export class HttpCache {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Cache key of a URL: a hash, so tokens never appear in file names. */
  static key(url: string): string {
    return createHash("sha256").update(url).digest("hex").slice(0, 24);
  }

  async readState(key: string): Promise<CacheState | undefined> {
    try {
      const s = JSON.parse(await readFile(join(this.dir, `${key}.state.json`), "utf8")) as unknown;
      return s && typeof s === "object" && !Array.isArray(s) ? (s as CacheState) : undefined;
    } catch {
      return undefined;
    }
  }

  /** The body named by `state`, or undefined when missing or not matching its recorded hash. */
  async readBody(state: CacheState | undefined): Promise<Buffer | undefined> {
    if (!state?.body || !state.sha256) return undefined;
    let data: Buffer;
    try {
      data = await readWholeFile(join(this.dir, state.body));
    } catch {
      return undefined;
    }
    if (data.length !== state.size || sha256(data) !== state.sha256) return undefined;
    return data;
  }

  /** Replaces the entry's state; with `body`, stores it first and points the state at it. */
  async write(key: string, state: CacheState, body?: Buffer): Promise<CacheState> {
    await mkdir(this.dir, { recursive: true });
    const next: CacheState = { ...state, url: redactUrl(state.url) };
    if (body) {
      const hash = sha256(body);
      const name = `${key}-${hash.slice(0, 16)}.body`;
      await writeFileAtomic(join(this.dir, name), body);
      next.body = name;
      next.sha256 = hash;
      next.size = body.length;
    }
    await writeFileAtomic(join(this.dir, `${key}.state.json`), JSON.stringify(next, null, 1));
    if (body) await this.removeStaleBodies(key, next.body!);
    return next;
  }

  /** Drops an entry (e.g. its body turned out to be malformed): the next load re-fetches. */
  async invalidate(key: string): Promise<void> {
    await rm(join(this.dir, `${key}.state.json`), { force: true });
    await this.removeStaleBodies(key, undefined);
  }

  private async removeStaleBodies(key: string, keep: string | undefined): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    // A reader holding an old body open keeps it on POSIX; one that lost the race re-reads state.
    await Promise.all(
      names
        .filter((n) => n.startsWith(`${key}-`) && n.endsWith(".body") && n !== keep)
        .map((n) => rm(join(this.dir, n), { force: true })),
    );
  }
}
