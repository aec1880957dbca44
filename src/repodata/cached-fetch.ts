import { open } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { OfflineCacheMissError, RepodataFetchError } from "./errors.js";
import type { HttpClient } from "./fetch.js";
import { type CacheState, HttpCache, maxAgeSeconds } from "./http-cache.js";
import { redactUrl } from "../conda/url-credentials.js";
import { readWholeFile } from "../fs/read-whole.js";

/** conda re-checks whether a `.zst` appeared every 7 days (CHECK_ALTERNATE_FORMAT_INTERVAL). */
const ALTERNATE_FORMAT_TTL_MS = 7 * 24 * 3600 * 1000;

export interface CachedFetchContext {
  client: HttpClient;
  /** Absent: no HTTP cache (every load downloads). */
  cache?: HttpCache;
  /** Use only the cache; never touch the network. */
  offline?: boolean;
  /** Revalidate with the server even when the cached copy is within its max-age. */
  refresh?: boolean;
  now?: () => number;
}

/** Turns downloaded bytes of one variant into the bytes to keep (e.g. decompresses `.zst`). */
export type Decoder = (raw: Buffer, variant: string, shownUrl: string) => Promise<Buffer>;

export type CachedFetchResult =
  | {
      found: true;
      body: Buffer;
      source: string;
      variant: string;
      fromCache: boolean;
      cacheKey?: string;
      /**
       * Names these exact bytes, for caches derived from them (the per-name index): the body's
       * sha256 from the HTTP cache, or a local file's path, variant, size, mtime and inode.
       * Absent when nothing cheap identifies them (no HTTP cache).
       */
      identity?: string;
    }
  | { found: false; status: number | string };

const MISSING_STATUS = new Set([403, 404, 410]);

/**
 * Fetches the first existing variant of `base + variant` (variants in preference order), through
 * the HTTP cache: a cached body within its `max-age` is used as is, otherwise a conditional request
 * (`If-None-Match` / `If-Modified-Since`) lets a 304 reuse it. Variants the server lacked are
 * remembered and skipped for a week. `file://` URLs are read directly (no cache needed).
 */
export async function cachedFetch(
  base: string,
  variants: string[],
  ctx: CachedFetchContext,
  decode: Decoder,
): Promise<CachedFetchResult> {
  if (base.startsWith("file:")) return readLocal(base, variants, decode);
  const now = ctx.now ?? Date.now;
  const cache = ctx.cache;
  const key = HttpCache.key(`${base}|${variants.join("|")}`);
  const state = cache ? await cache.readState(key) : undefined;
  const cached = cache && state ? await cache.readBody(state) : undefined;
  const shownBase = redactUrl(base);
  /** The cached body as the result (its identity is the sha256 the cache verified it against). */
  const fromCache = (body: Buffer, st: CacheState, source: string, variant: string): CachedFetchResult => ({
    found: true,
    body,
    source,
    variant,
    fromCache: true,
    cacheKey: key,
    identity: st.sha256 && `sha256:${st.sha256}`,
  });

  if (ctx.offline) {
    if (cached && state?.variant) return fromCache(cached, state, shownBase + state.variant, state.variant);
    if (state?.has && variants.every((v) => state.has?.[v]?.ok === false))
      return { found: false, status: "offline" };
    throw new OfflineCacheMissError(shownBase + variants[variants.length - 1]);
  }
  if (
    cached &&
    state?.variant &&
    !ctx.refresh &&
    state.fetchedAt !== undefined &&
    now() < state.fetchedAt + maxAgeSeconds(state.cacheControl) * 1000
  ) {
    return fromCache(cached, state, shownBase + state.variant, state.variant);
  }

  const has: Record<string, { ok: boolean; at: number }> = { ...(state?.has ?? {}) };
  const recent = (v: string) => has[v] && now() - has[v].at < ALTERNATE_FORMAT_TTL_MS;
  let order = variants.filter((v) => !(recent(v) && has[v].ok === false));
  if (order.length === 0) order = variants;
  let lastStatus: number | string = 404;
  for (const variant of order) {
    const url = base + variant;
    const shown = redactUrl(url);
    const headers: Record<string, string> = {};
    if (cached && state?.variant === variant) {
      if (state.etag) headers["if-none-match"] = state.etag;
      if (state.lastModified) headers["if-modified-since"] = state.lastModified;
    }
    const res = await ctx.client.get(url, headers);
    if (res.status === 304 && cached && state) {
      const next: CacheState = {
        ...state,
        fetchedAt: now(),
        etag: res.headers.etag ?? state.etag,
        lastModified: res.headers["last-modified"] ?? state.lastModified,
        cacheControl: res.headers["cache-control"] ?? state.cacheControl,
        has,
      };
      if (cache) await cache.write(key, next);
      return fromCache(cached, state, shown, variant);
    }
    if (MISSING_STATUS.has(res.status)) {
      has[variant] = { ok: false, at: now() };
      lastStatus = res.status;
      continue;
    }
    if (res.status === 401) {
      throw new RepodataFetchError(shown, "HTTP 401 Unauthorized", {
        status: 401,
        hint: "The channel needs credentials: put a token in the URL (/t/<token>/), user:password@ in the URL, or a bearer token in the configuration.",
      });
    }
    if (res.status < 200 || res.status >= 300) {
      throw new RepodataFetchError(shown, `HTTP ${res.status}`, { status: res.status });
    }
    const body = await decode(res.body, variant, shown);
    has[variant] = { ok: true, at: now() };
    let identity: string | undefined;
    if (cache) {
      const stored = await cache.write(
        key,
        {
          url: base,
          variant,
          etag: res.headers.etag,
          lastModified: res.headers["last-modified"],
          cacheControl: res.headers["cache-control"],
          fetchedAt: now(),
          has,
        },
        body,
      );
      identity = stored.sha256 && `sha256:${stored.sha256}`;
    }
    return { found: true, body, source: shown, variant, fromCache: false, cacheKey: key, identity };
  }
  if (cache) await cache.write(key, { url: base, has });
  return { found: false, status: lastStatus };
}

async function readLocal(base: string, variants: string[], decode: Decoder): Promise<CachedFetchResult> {
  // Locally the uncompressed file is cheapest to read, so it goes first.
  const order = [...variants].sort(
    (a, b) => Number(b === ".json" || b === "") - Number(a === ".json" || a === ""),
  );
  for (const variant of order) {
    let path: string;
    try {
      path = fileURLToPath(base + variant);
    } catch (e) {
      throw new RepodataFetchError(base + variant, "not a valid file URL", { cause: e });
    }
    let raw: Buffer;
    let identity: string;
    try {
      // size, mtime and inode from the handle the bytes are read through (one file, no race)
      const fh = await open(path, "r");
      try {
        const st = await fh.stat({ bigint: true });
        identity = `file:${path}|${variant}|${st.size}|${st.mtimeNs}|${st.ino}|${st.dev}`;
        raw = await readWholeFile(fh);
      } finally {
        await fh.close();
      }
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === "ENOENT" || code === "ENOTDIR") continue;
      throw new RepodataFetchError(path, (e as Error).message, {
        hint: "Check that the channel directory is readable.",
        cause: e,
      });
    }
    return {
      found: true,
      body: await decode(raw, variant, path),
      source: path,
      variant,
      fromCache: false,
      identity,
    };
  }
  return { found: false, status: "not found" };
}
