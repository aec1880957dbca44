import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { coalesce, MAX_RANGES, parseRange } from "../../src/server/serve/byte-ranges.js";
import { ChannelServer } from "../../src/server/serve/channel-server.js";
import { loadServerConfig } from "../../src/server/serve/server-config.js";
import { makeRoot, rawRequest, tempDir } from "./serve-support.js";

let work: string;
let root: string;
let server: ChannelServer;
let url: string;
/** 1000 bytes where every byte differs from its neighbours, so an off-by-one shows. */
const DATA = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7 + 3) % 251));
let conda: Buffer;

before(async () => {
  work = await tempDir("serve-ranges");
  root = await makeRoot(work);
  await writeFile(join(root, "pub", "noarch", "data.txt"), DATA);
  conda = await readFile(join(root, "pub", "noarch", "pubpkg-1.0-0.conda"));
  server = new ChannelServer({ root, config: loadServerConfig({ root, stateDir: join(work, "state") }) });
  url = await server.listen(0, "127.0.0.1");
});

after(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});
const get = (path: string, headers: Record<string, string> = {}) => rawRequest(url, path, headers);

interface Part {
  headers: Map<string, string>;
  body: Buffer;
}

/**
 * A multipart/byteranges reader as a client would write one from RFC 2046 §5.1.1: the body is
 * split at CRLF "--" boundary; the preamble before the first delimiter and the epilogue after the
 * closing one are discarded. Binary-safe: works on Buffers.
 */
function parseMultipart(contentType: string, body: Buffer): Part[] {
  const m = /^multipart\/byteranges;\s*boundary=("?)([^";]+)\1$/i.exec(contentType);
  assert.ok(m, `a multipart/byteranges type with a boundary: ${contentType}`);
  const delim = Buffer.from(`--${m[2]}`);
  // Treat the body as if preceded by CRLF so a delimiter on the very first line is found too.
  const text = Buffer.concat([Buffer.from("\r\n"), body]);
  const marker = Buffer.concat([Buffer.from("\r\n"), delim]);
  const parts: Part[] = [];
  let at = text.indexOf(marker);
  assert.ok(at >= 0, "no delimiter");
  for (;;) {
    const after = at + marker.length;
    if (text.subarray(after, after + 2).toString() === "--") break; // closing delimiter
    const lineEnd = text.indexOf("\r\n", after);
    const headEnd = text.indexOf("\r\n\r\n", lineEnd);
    const headers = new Map<string, string>();
    for (const line of text
      .subarray(lineEnd + 2, headEnd)
      .toString("latin1")
      .split("\r\n")) {
      const c = line.indexOf(":");
      headers.set(line.slice(0, c).trim().toLowerCase(), line.slice(c + 1).trim());
    }
    const next = text.indexOf(marker, headEnd + 4);
    assert.ok(next >= 0, "unterminated part");
    parts.push({ headers, body: text.subarray(headEnd + 4, next) });
    at = next;
  }
  return parts;
}

/** Each part's Content-Range checked against its bytes; returns [start, end] pairs. */
function checkParts(parts: Part[], whole: Buffer, type: string): [number, number][] {
  return parts.map((p) => {
    assert.equal(p.headers.get("content-type"), type);
    const cr = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(p.headers.get("content-range") ?? "");
    assert.ok(cr, `Content-Range in every part: ${p.headers.get("content-range")}`);
    const [start, end, size] = [Number(cr[1]), Number(cr[2]), Number(cr[3])];
    assert.equal(size, whole.length);
    assert.deepEqual(p.body, whole.subarray(start, end + 1), `bytes ${start}-${end}`);
    return [start, end];
  });
}

describe("Range header parsing", () => {
  it("sorts and coalesces overlapping and adjacent ranges, keeps gaps", () => {
    assert.deepEqual(
      coalesce([
        { start: 50, end: 59 },
        { start: 0, end: 9 },
        { start: 10, end: 19 },
        { start: 55, end: 70 },
        { start: 30, end: 31 },
      ]),
      [
        { start: 0, end: 19 },
        { start: 30, end: 31 },
        { start: 50, end: 70 },
      ],
    );
  });

  it("parses suffix, open and clipped ranges; drops unsatisfiable ones; ignores malformed sets", () => {
    assert.deepEqual(parseRange("bytes=0-9, -5 ,990-", 1000), {
      kind: "ranges",
      ranges: [
        { start: 0, end: 9 },
        { start: 990, end: 999 },
      ],
    });
    assert.deepEqual(parseRange("bytes=0-1,,4-5", 10), {
      kind: "ranges",
      ranges: [
        { start: 0, end: 1 },
        { start: 4, end: 5 },
      ],
    });
    assert.deepEqual(parseRange("bytes=5-100", 10), { kind: "ranges", ranges: [{ start: 5, end: 9 }] });
    assert.deepEqual(parseRange("bytes=2-3,50-60", 10), { kind: "ranges", ranges: [{ start: 2, end: 3 }] });
    assert.deepEqual(parseRange("bytes=50-60,-0", 10), { kind: "unsatisfiable" });
    for (const bad of ["bytes=0-1,x", "bytes=5-1,7-8", "bytes=", "lines=0-1", "bytes=-", "bytes=0-1;2-3"])
      assert.deepEqual(parseRange(bad, 10), { kind: "none" }, bad);
  });

  it("ignores too many ranges and ranges adding up to more than the file", () => {
    const many = Array.from({ length: MAX_RANGES + 1 }, (_, i) => `${i * 2}-${i * 2}`).join(",");
    assert.deepEqual(parseRange(`bytes=${many}`, 10_000), { kind: "none" });
    const ok = Array.from({ length: MAX_RANGES }, (_, i) => `${i * 2}-${i * 2}`).join(",");
    const r = parseRange(`bytes=${ok}`, 10_000);
    assert.equal(r.kind === "ranges" && r.ranges.length, MAX_RANGES);
    assert.deepEqual(parseRange("bytes=0-,0-", 100), { kind: "none" });
    assert.deepEqual(parseRange("bytes=0-60,40-99", 100), { kind: "none" });
  });
});

describe("multipart/byteranges over HTTP", () => {
  it("answers two ranges with a 206 multipart body whose parts carry their own type and range", async () => {
    const r = await get("/pub/noarch/data.txt", { Range: "bytes=0-9,20-29" });
    assert.equal(r.status, 206);
    assert.equal(r.headers["content-range"], undefined, "no top-level Content-Range for multipart");
    assert.equal(Number(r.headers["content-length"]), r.body.length, "Content-Length is exact");
    assert.ok(r.headers.etag, "validators still sent");
    const parts = parseMultipart(String(r.headers["content-type"]), r.body);
    assert.deepEqual(checkParts(parts, DATA, "text/plain; charset=utf-8"), [
      [0, 9],
      [20, 29],
    ]);
  });

  it("serves binary packages in parts, sorted and coalesced, with suffix ranges", async () => {
    const size = conda.length;
    const r = await get("/pub/noarch/pubpkg-1.0-0.conda", {
      Range: `bytes=-22,100-149,0-9,10-19,120-159`,
    });
    assert.equal(r.status, 206);
    const parts = parseMultipart(String(r.headers["content-type"]), r.body);
    assert.deepEqual(checkParts(parts, conda, "application/octet-stream"), [
      [0, 19],
      [100, 159],
      [size - 22, size - 1],
    ]);
  });

  it("answers ranges that coalesce into one with a plain 206", async () => {
    const r = await get("/pub/noarch/data.txt", { Range: "bytes=0-9,10-19,5-12" });
    assert.equal(r.status, 206);
    assert.equal(r.headers["content-range"], "bytes 0-19/1000");
    assert.equal(r.headers["content-type"], "text/plain; charset=utf-8");
    assert.deepEqual(r.body, DATA.subarray(0, 20));
  });

  it("skips unsatisfiable ranges among satisfiable ones and 416s when none is satisfiable", async () => {
    const some = await get("/pub/noarch/data.txt", { Range: "bytes=990-999,5000-6000" });
    assert.equal(some.status, 206);
    assert.equal(some.headers["content-range"], "bytes 990-999/1000");
    const none = await get("/pub/noarch/data.txt", { Range: "bytes=1000-1001,5000-6000" });
    assert.equal(none.status, 416);
    assert.equal(none.headers["content-range"], "bytes */1000");
  });

  it("sends the whole file with 200 for abusive range sets", async () => {
    const many = Array.from({ length: MAX_RANGES + 1 }, (_, i) => `${i * 3}-${i * 3}`).join(",");
    for (const range of [`bytes=${many}`, "bytes=0-,0-,0-,0-", "bytes=0-999,1-998"]) {
      const r = await get("/pub/noarch/data.txt", { Range: range });
      assert.equal(r.status, 200, range.slice(0, 40));
      assert.deepEqual(r.body, DATA);
    }
  });

  it("honours If-Range: the parts with the current ETag, the whole file with a stale one", async () => {
    const etag = String((await get("/pub/noarch/data.txt")).headers.etag);
    const fresh = await get("/pub/noarch/data.txt", { Range: "bytes=1-2,7-8", "If-Range": etag });
    assert.equal(fresh.status, 206);
    checkParts(
      parseMultipart(String(fresh.headers["content-type"]), fresh.body),
      DATA,
      "text/plain; charset=utf-8",
    );
    const stale = await get("/pub/noarch/data.txt", { Range: "bytes=1-2,7-8", "If-Range": '"stale"' });
    assert.equal(stale.status, 200);
    assert.deepEqual(stale.body, DATA);
  });

  it("keeps HEAD free of a body and a multipart type", async () => {
    const r = await rawRequest(url, "/pub/noarch/data.txt", { Range: "bytes=0-1,5-6" }, "HEAD");
    assert.equal(r.status, 200);
    assert.equal(r.headers["content-type"], "text/plain; charset=utf-8");
    assert.equal(r.body.length, 0);
  });

  it("gives curl a multipart body it and our reader agree on", async (t) => {
    const run = promisify(execFile);
    const out = join(work, "curl-body");
    const hdr = join(work, "curl-headers");
    try {
      await run("curl", ["-sS", "-r", "0-9,20-29,500-", "-o", out, "-D", hdr, `${url}/pub/noarch/data.txt`]);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return t.skip("curl is not installed");
      throw e;
    }
    const headers = await readFile(hdr, "latin1");
    assert.match(headers, /^HTTP\/1\.1 206/);
    const type = /^content-type:\s*(.+?)\r?$/im.exec(headers)?.[1] ?? "";
    const parts = parseMultipart(type, await readFile(out));
    assert.deepEqual(checkParts(parts, DATA, "text/plain; charset=utf-8"), [
      [0, 9],
      [20, 29],
      [500, 999],
    ]);
  });
});
