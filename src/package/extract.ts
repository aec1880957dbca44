import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { splitArchiveExtension } from "../conda/archive-name.js";
import { bzip2Decode } from "./bzip2-decode.js";
import { openCondaZip } from "./conda-zip.js";
import { ChecksumMismatchError, CorruptArchiveError } from "./errors.js";
import { checkDigest, type ExpectedDigest, type FileDigest, hashFile } from "./hash.js";
import { defaultLimits, type ExtractLimits, SafeTarWriter } from "./safe-extract.js";
import { walkTar } from "./tar-walk.js";
import { zstdDecode } from "./zstd-decode.js";

export interface ExtractOptions extends ExpectedDigest {
  limits?: Partial<ExtractLimits>;
  /** Runs on the complete temporary directory just before it is renamed into place (e.g. to add a marker file). */
  beforeCommit?: (tmpDir: string) => Promise<void>;
}

export interface ExtractResult {
  /** The final directory. */
  path: string;
  /** Relative paths of files and symlinks, in archive order. */
  files: string[];
  unpackedBytes: number;
  /** Digests of the archive, when it was verified (an expected hash was given). */
  sha256?: string;
  md5?: string;
  size: number;
}

/** Streams every part of an archive into a SafeTarWriter. */
async function writeArchive(archive: string, writer: SafeTarWriter, limit: number): Promise<void> {
  const [, ext] = splitArchiveExtension(archive);
  if (ext === ".tar.bz2") {
    await walkTar(archive, "tar.bz2 payload", bzip2Decode(archive, limit), (h, body) => writer.add(h, body));
    return;
  }
  if (ext !== ".conda")
    throw new CorruptArchiveError(archive, "unknown archive type (expected .conda or .tar.bz2)");
  const cz = await openCondaZip(archive);
  try {
    for (const entry of [cz.pkg, cz.info]) {
      if (!entry) continue;
      const raw = await cz.open(entry);
      await walkTar(archive, entry.fileName, zstdDecode(raw, limit), (h, body) => writer.add(h, body));
    }
  } finally {
    cz.close();
  }
}

/**
 * Verifies an archive against the expected hashes, then extracts it to `destDir`. Extraction goes to
 * a temporary sibling directory that is renamed into place only when everything succeeded, so a
 * reader sees either the old directory, the complete new one, or nothing; on any error the
 * temporary directory is removed and `destDir` is untouched.
 */
export async function extractPackage(
  archivePath: string,
  destDir: string,
  options: ExtractOptions = {},
): Promise<ExtractResult> {
  const archive = resolve(archivePath);
  const dest = resolve(destDir);
  let digest: FileDigest | undefined;
  let size: number;
  try {
    // Hash only when there is something to compare with: it is a full extra read of the archive.
    if (options.expectedSha256 || options.expectedMd5) {
      digest = await hashFile(archive);
      checkDigest(archive, digest, options);
      size = digest.size;
    } else size = (await stat(archive)).size;
  } catch (e) {
    if (e instanceof ChecksumMismatchError) throw e;
    throw new CorruptArchiveError(archive, `cannot read the archive (${(e as Error).message})`, { cause: e });
  }
  const limits = { ...defaultLimits(size), ...options.limits };
  const parent = dirname(dest);
  await mkdir(parent, { recursive: true });
  const tmp = join(parent, `.${basename(dest)}.extract-${process.pid}-${randomBytes(4).toString("hex")}`);
  await mkdir(tmp);
  try {
    const writer = new SafeTarWriter(archive, tmp, limits);
    await writeArchive(archive, writer, limits.maxUnpackedBytes);
    await writer.finish();
    await options.beforeCommit?.(tmp);
    await replaceDir(tmp, dest);
    return {
      path: dest,
      files: writer.files,
      unpackedBytes: writer.unpackedBytes,
      sha256: digest?.sha256,
      md5: digest?.md5,
      size,
    };
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Renames `tmp` onto `dest`, moving an existing `dest` aside first (rename cannot replace a non-empty dir). */
export async function replaceDir(tmp: string, dest: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(tmp, dest);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (
        (code !== "ENOTEMPTY" && code !== "EEXIST" && code !== "EISDIR" && code !== "ENOTDIR") ||
        attempt > 5
      )
        throw e;
      const old = `${tmp}.old-${attempt}`;
      try {
        await rename(dest, old);
      } catch (e2) {
        if ((e2 as NodeJS.ErrnoException).code !== "ENOENT") throw e2;
      }
      await rm(old, { recursive: true, force: true });
    }
  }
}
