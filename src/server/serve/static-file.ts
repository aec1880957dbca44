import { randomBytes } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Stats } from "node:fs";
import { pipeline } from "node:stream/promises";
import { type ByteRange, parseRange } from "./byte-ranges.js";

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
 * ranges (one range as a plain 206, several as multipart/byteranges). Returns the number of body
 * bytes written. The handle is closed.
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
    const type = contentType(name);
    headers["Content-Type"] = type;
    let start = 0;
    let end = st.size - 1;
    let status = 200;
    if (req.method === "GET" && ifRangeHolds(req, etag, st.mtimeMs)) {
      const r = parseRange(req.headers.range, st.size);
      if (r.kind === "unsatisfiable") {
        res.writeHead(416, { ...headers, "Content-Range": `bytes */${st.size}`, "Content-Length": 0 }).end();
        return 0;
      }
      if (r.kind === "ranges" && r.ranges.length > 1) {
        handedOff = true;
        return await sendMultipart(res, fh, headers, type, st.size, r.ranges);
      }
      if (r.kind === "ranges") {
        ({ start, end } = r.ranges[0]!);
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

/**
 * A 206 with a `multipart/byteranges` body (RFC 9110 §14.6): each part carries the file's
 * Content-Type and its own Content-Range. The length is known up front, so Content-Length is sent
 * and clients can show progress. Closes the handle.
 */
async function sendMultipart(
  res: ServerResponse,
  fh: FileHandle,
  headers: Record<string, string | number>,
  type: string,
  size: number,
  ranges: readonly ByteRange[],
): Promise<number> {
  // Random, so no file content can contain the delimiter by accident or by design.
  const boundary = `taipan-${randomBytes(12).toString("hex")}`;
  const partHead = (r: ByteRange) =>
    `\r\n--${boundary}\r\nContent-Type: ${type}\r\nContent-Range: bytes ${r.start}-${r.end}/${size}\r\n\r\n`;
  const closing = `\r\n--${boundary}--\r\n`;
  let length = Buffer.byteLength(closing);
  for (const r of ranges) length += Buffer.byteLength(partHead(r)) + r.end - r.start + 1;
  res.writeHead(206, {
    ...headers,
    "Content-Type": `multipart/byteranges; boundary=${boundary}`,
    "Content-Length": length,
  });
  let sent = 0;
  async function* body(): AsyncGenerator<Buffer> {
    const buf = Buffer.allocUnsafe(1 << 16);
    for (const r of ranges) {
      const head = Buffer.from(partHead(r));
      sent += head.length;
      yield head;
      for (let pos = r.start; pos <= r.end; ) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, r.end - pos + 1), pos);
        // The file shrank under us: the promised length cannot be kept, so cut the response.
        if (bytesRead === 0) throw new Error("file shrank while being sent");
        pos += bytesRead;
        sent += bytesRead;
        yield Buffer.from(buf.subarray(0, bytesRead));
      }
    }
    const tail = Buffer.from(closing);
    sent += tail.length;
    yield tail;
  }
  try {
    await pipeline(body, res);
  } catch {
    // The client went away (or the file shrank): the connection is cut, nothing else to say.
    res.destroy();
  } finally {
    await fh.close();
  }
  return sent;
}
