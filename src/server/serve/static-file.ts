import type { FileHandle } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Stats } from "node:fs";
import { pipeline } from "node:stream/promises";

const CONTENT_TYPES: [suffix: string, type: string][] = [
  [".json", "application/json"],
  [".json.zst", "application/zstd"],
  [".msgpack.zst", "application/zstd"],
  [".zst", "application/zstd"],
  [".json.bz2", "application/x-bzip2"],
  [".bz2", "application/x-bzip2"],
  [".conda", "application/octet-stream"],
  [".html", "text/html; charset=utf-8"],
  [".txt", "text/plain; charset=utf-8"],
];

export function contentType(name: string): string {
  for (const [suffix, type] of CONTENT_TYPES) if (name.endsWith(suffix)) return type;
  return "application/octet-stream";
}

/** Package archives and CEP 16 shards are content-addressed by their name: they never change. */
export function isImmutable(relPath: string): boolean {
  return (
    relPath.endsWith(".conda") ||
    relPath.endsWith(".tar.bz2") ||
    /(^|\/)shards\/[0-9a-f]{64}\.msgpack\.zst$/.test(relPath)
  );
}

/**
 * Index files (repodata, channeldata, the shard index) change on every upload, so clients may reuse
 * them only briefly and then revalidate with If-None-Match; packages are cached for a year.
 */
export function cacheControl(relPath: string, opts: { private: boolean; maxAge: number }): string {
  const who = opts.private ? "private" : "public";
  if (isImmutable(relPath)) return `${who}, max-age=31536000, immutable`;
  return `${who}, max-age=${opts.maxAge}`;
}

/** Strong validator from inode, size and mtime: every atomic replace (rename) changes it. */
export function entityTag(st: Stats): string {
  return `"${st.ino.toString(36)}-${st.size.toString(36)}-${Math.round(st.mtimeMs * 1000).toString(36)}"`;
}

function etagList(header: string): string[] {
  return header.split(",").map((t) => t.trim().replace(/^W\//, ""));
}

/** HTTP dates have one-second precision; compare at that precision. */
function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** RFC 9110 §13.1.2/§13.1.3: If-None-Match wins over If-Modified-Since; weak comparison. */
function notModified(req: IncomingMessage, etag: string, mtimeMs: number): boolean {
  const inm = req.headers["if-none-match"];
  if (inm !== undefined) return inm.trim() === "*" || etagList(inm).includes(etag);
  const ims = req.headers["if-modified-since"];
  if (ims !== undefined) {
    const t = Date.parse(ims);
    if (!Number.isNaN(t)) return seconds(mtimeMs) <= seconds(t);
  }
  return false;
}

type RangeResult =
  | { kind: "none" }
  | { kind: "range"; start: number; end: number }
  | { kind: "unsatisfiable" };

/**
 * A single `bytes=` range (what conda, rattler and zip readers send). Several ranges or a malformed
 * header are ignored and the whole file is sent, which RFC 9110 §14.2 allows.
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (!header) return { kind: "none" };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === "" && m[2] === "")) return { kind: "none" };
  if (m[1] === "") {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "range", start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  let end = m[2] === "" ? size - 1 : Number(m[2]);
  if (m[2] !== "" && end < start) return { kind: "none" };
  if (start >= size) return { kind: "unsatisfiable" };
  end = Math.min(end, size - 1);
  return { kind: "range", start, end };
}

/** If-Range (§13.1.5): the range applies only while the representation is the one the client has. */
function ifRangeHolds(req: IncomingMessage, etag: string, mtimeMs: number): boolean {
  const h = req.headers["if-range"];
  if (h === undefined) return true;
  if (typeof h !== "string") return false;
  const v = h.trim();
  if (v.startsWith('"')) return v === etag;
  if (v.startsWith("W/")) return false;
  const t = Date.parse(v);
  return !Number.isNaN(t) && seconds(t) === seconds(mtimeMs);
}

export interface ServeFileOptions {
  cacheControl: string;
}

/**
 * Sends an already opened regular file for GET/HEAD with validators, conditional requests and
 * single ranges. Returns the number of body bytes written. The handle is closed.
 */
export async function serveFile(
  req: IncomingMessage,
  res: ServerResponse,
  fh: FileHandle,
  name: string,
  opts: ServeFileOptions,
): Promise<number> {
  let handedOff = false;
  try {
    const st = await fh.stat();
    const etag = entityTag(st);
    const headers: Record<string, string | number> = {
      ETag: etag,
      "Last-Modified": new Date(st.mtimeMs).toUTCString(),
      "Cache-Control": opts.cacheControl,
      "Accept-Ranges": "bytes",
    };
    if (notModified(req, etag, st.mtimeMs)) {
      res.writeHead(304, headers).end();
      return 0;
    }
    headers["Content-Type"] = contentType(name);
    let start = 0;
    let end = st.size - 1;
    let status = 200;
    if (req.method === "GET" && ifRangeHolds(req, etag, st.mtimeMs)) {
      const r = parseRange(req.headers.range, st.size);
      if (r.kind === "unsatisfiable") {
        res.writeHead(416, { ...headers, "Content-Range": `bytes */${st.size}`, "Content-Length": 0 }).end();
        return 0;
      }
      if (r.kind === "range") {
        ({ start, end } = r);
        status = 206;
        headers["Content-Range"] = `bytes ${start}-${end}/${st.size}`;
      }
    }
    const length = st.size === 0 ? 0 : end - start + 1;
    headers["Content-Length"] = length;
    res.writeHead(status, headers);
    if (req.method === "HEAD" || length === 0) {
      res.end();
      return 0;
    }
    handedOff = true;
    const stream = fh.createReadStream({ start, end, highWaterMark: 1 << 16 });
    let sent = 0;
    stream.on("data", (c: string | Buffer) => {
      sent += c.length;
    });
    await pipeline(stream, res).catch(() => {
      // The client went away mid-download (common with Range readers); nothing to report to it.
    });
    return sent;
  } finally {
    if (!handedOff) await fh.close();
  }
}
