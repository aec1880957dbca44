import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { isAbsolute } from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import type { Dispatcher } from "undici";
import { DownloadError } from "./errors.js";
import { checkDigest, type ExpectedDigest, type FileDigest } from "./hash.js";
import { redactUrl } from "../conda/url-credentials.js";

export interface ArchiveFetchOptions extends ExpectedDigest {
  /** Expected size in bytes (repodata `size`); a different length is refused. */
  expectedSize?: number | undefined;
  /** Called with the bytes received so far. */
  onBytes?: (received: number, total: number | undefined) => void;
  /** Attempts for transient failures (connection reset, 5xx); default 3. */
  attempts?: number;
  signal?: AbortSignal;
}

let dispatcher: Dispatcher | undefined;

/** One agent for all downloads: honours HTTP(S)_PROXY/NO_PROXY and follows redirects (channels use CDNs). */
function agent(undici: typeof import("undici")): Dispatcher {
  dispatcher ??= new undici.EnvHttpProxyAgent().compose(undici.interceptors.redirect({ maxRedirections: 5 }));
  return dispatcher;
}

class TransientError extends Error {}

async function openSource(url: string, signal?: AbortSignal): Promise<{ body: Readable; total?: number }> {
  if (/^https?:\/\//i.test(url)) {
    // Credentials in the URL (https://user:pass@host/...) become a Basic header; undici refuses them inline.
    const u = new URL(url);
    const headers: Record<string, string> = { "user-agent": "taipan" };
    if (u.username || u.password) {
      const cred = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
      headers.authorization = `Basic ${Buffer.from(cred).toString("base64")}`;
      u.username = "";
      u.password = "";
    }
    // loaded on the first download (see repodata/fetch.ts: local installs never need it)
    const undici = await import("undici");
    const res = await undici.request(u.href, { dispatcher: agent(undici), signal, headers });
    if (res.statusCode >= 500) {
      res.body.resume();
      throw new TransientError(`HTTP ${res.statusCode}`);
    }
    if (res.statusCode !== 200) {
      res.body.resume();
      throw new DownloadError(redactUrl(url), `HTTP ${res.statusCode}`, {
        status: res.statusCode,
        hint:
          res.statusCode === 404
            ? "The package is no longer on the channel; refresh the repodata (taipan clean --index-cache) and retry."
            : res.statusCode === 401 || res.statusCode === 403
              ? "The channel needs credentials: add a token to the channel URL or configure one."
              : undefined,
      });
    }
    const len = Number(res.headers["content-length"]);
    return { body: res.body as unknown as Readable, total: Number.isFinite(len) ? len : undefined };
  }
  const path = url.startsWith("file://") ? fileURLToPath(url) : url;
  if (!isAbsolute(path) && !url.startsWith("file:"))
    throw new DownloadError(url, "not an http(s) URL, file:// URL or absolute path");
  return { body: createReadStream(path) };
}

/**
 * Copies a package from an http(s) URL, file:// URL or plain path to `dest`, hashing while it
 * writes, and checks size, sha256 and md5 before returning. On any failure `dest` is removed.
 */
export async function fetchArchive(
  url: string,
  dest: string,
  opts: ArchiveFetchOptions = {},
): Promise<FileDigest> {
  const attempts = opts.attempts ?? 3;
  const shown = redactUrl(url);
  for (let attempt = 1; ; attempt++) {
    const sha = createHash("sha256");
    const md5 = createHash("md5");
    let size = 0;
    try {
      const { body, total } = await openSource(url, opts.signal);
      const counter = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          sha.update(chunk);
          md5.update(chunk);
          size += chunk.length;
          if (opts.expectedSize !== undefined && size > opts.expectedSize)
            return cb(new DownloadError(shown, `more bytes than the expected ${opts.expectedSize}`));
          opts.onBytes?.(size, total ?? opts.expectedSize);
          cb(null, chunk);
        },
      });
      await pipeline(body, counter, createWriteStream(dest));
      if (opts.expectedSize !== undefined && size !== opts.expectedSize)
        throw new DownloadError(
          shown,
          `got ${size} bytes, expected ${opts.expectedSize} (truncated download?)`,
        );
      const digest = { sha256: sha.digest("hex"), md5: md5.digest("hex"), size };
      checkDigest(shown, digest, opts);
      return digest;
    } catch (e) {
      await rm(dest, { force: true });
      const code = (e as NodeJS.ErrnoException).code;
      const transient =
        e instanceof TransientError ||
        code === "ECONNRESET" ||
        code === "UND_ERR_SOCKET" ||
        code === "ECONNREFUSED" ||
        code === "ETIMEDOUT" ||
        code === "UND_ERR_CONNECT_TIMEOUT" ||
        code === "UND_ERR_HEADERS_TIMEOUT" ||
        code === "UND_ERR_BODY_TIMEOUT";
      if (transient && attempt < attempts && !opts.signal?.aborted) {
        await new Promise((r) => setTimeout(r, 200 * 2 ** (attempt - 1)));
        continue;
      }
      if (e instanceof DownloadError || (e instanceof Error && e.name === "ChecksumMismatchError")) throw e;
      if (code === "ENOENT")
        throw new DownloadError(shown, "no such file", { cause: e, hint: "Check the channel path." });
      throw new DownloadError(shown, (e as Error).message || String(e), { cause: e });
    }
  }
}
