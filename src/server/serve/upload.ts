import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { copyFile, mkdir, rename, rm, stat, unlink } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { Transform } from "node:stream";
import { isValidSubdirName, parseArchiveFilename } from "../../conda/archive-name.js";
import { extractPackage } from "../../package/extract.js";
import { hashFile } from "../../package/hash.js";
import { readPackageInfo } from "../../package/package-info.js";
import { indexChannel } from "../index/index-channel.js";
import type { ChannelLocks } from "./channel-lock.js";
import { HttpError } from "./errors.js";

export interface UploadTarget {
  channel: string;
  subdir: string;
  fn: string;
}

export interface UploadResult {
  channel: string;
  subdir: string;
  fn: string;
  name: string;
  version: string;
  build: string;
  sha256: string;
  size: number;
  /** False when the same bytes were already there (an idempotent retry). */
  created: boolean;
}

/** Channel folder names this server creates: no dots first (hidden), nothing that needs escaping. */
const CHANNEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** Top-level names the URL space uses for itself. */
const RESERVED = new Set(["api", "t"]);

const badPackage = (message: string) => new HttpError(400, "INVALID_PACKAGE", message);

export function checkUploadTarget(channel: string, subdir: string, fn: string): void {
  if (!CHANNEL_NAME.test(channel) || RESERVED.has(channel))
    throw new HttpError(400, "BAD_CHANNEL", `'${channel}' cannot be a channel name`);
  if (!isValidSubdirName(subdir))
    throw new HttpError(400, "BAD_SUBDIR", `'${subdir}' is not a platform subdir (linux-64, noarch, ...)`);
  try {
    parseArchiveFilename(fn, { validate: true });
  } catch (e) {
    throw badPackage((e as Error).message);
  }
}

/** Streams the request body to `dest`, hashing it and stopping at `maxBytes` (413). */
async function receive(
  req: IncomingMessage,
  dest: string,
  maxBytes: number,
  accept: (() => void) | undefined,
): Promise<{ sha256: string; size: number }> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > maxBytes)
    throw new HttpError(
      413,
      "TOO_LARGE",
      `the upload is ${declared} bytes; this server accepts at most ${maxBytes}`,
    );
  // Only now, with access and target checked, may a client waiting on `Expect: 100-continue` send.
  accept?.();
  const hash = createHash("sha256");
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > maxBytes) {
        cb(new HttpError(413, "TOO_LARGE", `the upload exceeds ${maxBytes} bytes`));
        return;
      }
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  await pipeline(req, meter, createWriteStream(dest, { flags: "wx", mode: 0o644 }));
  return { sha256: hash.digest("hex"), size };
}

/**
 * Checks an uploaded archive the way a client would use it: its metadata must name the same
 * package, version, build and subdir as the URL, and the whole archive must extract under the
 * package layer's safety rules (no absolute paths, `..`, escaping links, bombs).
 */
async function verifyPackage(
  file: string,
  target: UploadTarget,
  scratch: string,
): Promise<{ name: string; version: string; build: string }> {
  const parsed = parseArchiveFilename(target.fn);
  let index: Record<string, unknown>;
  try {
    index = (await readPackageInfo(file)).index;
  } catch (e) {
    throw badPackage(`${target.fn} is not a readable conda package: ${describe(e)}`);
  }
  for (const key of ["name", "version", "build"] as const) {
    const want = parsed[key];
    if (String(index[key]) !== want)
      throw badPackage(
        `info/index.json of ${target.fn} says ${key} '${String(index[key])}', the file name says '${want}'`,
      );
  }
  const subdir = index.subdir === undefined ? undefined : String(index.subdir);
  if (subdir !== target.subdir)
    throw badPackage(
      `info/index.json of ${target.fn} says subdir '${subdir ?? "(none)"}', it was uploaded to '${target.subdir}'`,
    );
  try {
    await extractPackage(file, join(scratch, "extracted"));
  } catch (e) {
    throw badPackage(`${target.fn} does not extract safely: ${describe(e)}`);
  }
  return { name: parsed.name, version: parsed.version, build: parsed.build };
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Moves a verified file into the channel; across file systems it is copied next to the target first. */
async function place(src: string, dest: string): Promise<void> {
  try {
    await rename(src, dest);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EXDEV") throw e;
    const tmp = `${dest}.${randomBytes(4).toString("hex")}.partial`;
    await copyFile(src, tmp);
    await rename(tmp, dest);
  }
}

export interface UploadContext {
  root: string;
  stateDir: string;
  maxUploadBytes: number;
  locks: ChannelLocks;
  /** Called once the upload is accepted, just before its body is read (100 Continue). */
  acceptBody?: () => void;
}

/**
 * PUT of a package: body to a scratch file under the state dir, verified, then (under the channel
 * lock) renamed into `<root>/<channel>/<subdir>/` and that subdir re-indexed. Anything wrong
 * before the rename leaves the channel exactly as it was.
 */
export async function handleUpload(
  req: IncomingMessage,
  target: UploadTarget,
  ctx: UploadContext,
): Promise<UploadResult> {
  checkUploadTarget(target.channel, target.subdir, target.fn);
  const scratch = join(ctx.stateDir, "uploads", randomBytes(8).toString("hex"));
  await mkdir(scratch, { recursive: true });
  try {
    const tmp = join(scratch, target.fn);
    const { sha256, size } = await receive(req, tmp, ctx.maxUploadBytes, ctx.acceptBody);
    if (size === 0) throw badPackage("the upload is empty");
    const meta = await verifyPackage(tmp, target, scratch);
    const subdirDir = join(ctx.root, target.channel, target.subdir);
    const dest = join(subdirDir, target.fn);
    return await ctx.locks.run(target.channel, async () => {
      const existing = await stat(dest).catch(() => undefined);
      if (existing) {
        // Packages are served as immutable: replacing one would leave caches with other bytes.
        if ((await hashFile(dest)).sha256 === sha256)
          return { ...target, ...meta, sha256, size, created: false };
        throw new HttpError(
          409,
          "PACKAGE_EXISTS",
          `${target.channel}/${target.subdir}/${target.fn} already exists with other content`,
        );
      }
      await mkdir(subdirDir, { recursive: true });
      await place(tmp, dest);
      try {
        const result = await indexChannel(join(ctx.root, target.channel), { subdirs: [target.subdir] });
        const skipped = result.subdirs.flatMap((s) => s.skipped).find((s) => s.fn === target.fn);
        if (skipped) throw badPackage(`the indexer refused ${target.fn}: ${skipped.reason}`);
      } catch (e) {
        // Take the file back out and restore the previous index.
        await unlink(dest).catch(() => undefined);
        await indexChannel(join(ctx.root, target.channel), { subdirs: [target.subdir] }).catch(
          () => undefined,
        );
        if (e instanceof HttpError) throw e;
        throw new HttpError(500, "INDEX_FAILED", `re-indexing after the upload failed: ${describe(e)}`);
      }
      return { ...target, ...meta, sha256, size, created: true };
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** DELETE of a package (admin): removes the file and re-indexes its subdir. Returns its sha256. */
export async function handleDelete(target: UploadTarget, ctx: UploadContext): Promise<{ sha256: string }> {
  checkUploadTarget(target.channel, target.subdir, target.fn);
  const dest = join(ctx.root, target.channel, target.subdir, target.fn);
  return ctx.locks.run(target.channel, async () => {
    const st = await stat(dest).catch(() => undefined);
    if (!st?.isFile())
      throw new HttpError(404, "NOT_FOUND", `${target.channel}/${target.subdir}/${target.fn} does not exist`);
    const { sha256 } = await hashFile(dest);
    await unlink(dest);
    try {
      await indexChannel(join(ctx.root, target.channel), { subdirs: [target.subdir] });
    } catch (e) {
      throw new HttpError(500, "INDEX_FAILED", `re-indexing after the delete failed: ${describe(e)}`);
    }
    return { sha256 };
  });
}
