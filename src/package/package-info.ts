import { stat } from "node:fs/promises";
import { splitArchiveExtension } from "../conda/archive-name.js";
import { bzip2Decode } from "./bzip2-decode.js";
import { openCondaZip } from "./conda-zip.js";
import { CorruptArchiveError, UnsafeArchiveError } from "./errors.js";
import { defaultLimits, safeComponents } from "./safe-extract.js";
import { walkTar } from "./tar-walk.js";
import { zstdDecode } from "./zstd-decode.js";

type Json = Record<string, unknown>;

/** The metadata of a package, read from its `info/` directory without extracting the payload. */
export interface PackageInfo {
  /** `info/index.json`. */
  index: Json;
  /** `info/paths.json` (newer packages). */
  paths?: Json;
  /** `info/about.json`. */
  about?: Json;
  /** `info/run_exports.json`. */
  runExports?: Json;
  /** `info/link.json` (noarch python entry points). */
  linkJson?: Json;
  /** `info/files`, one path per line (older packages have no paths.json). */
  files?: string[];
  /** `info/has_prefix` lines. */
  hasPrefix?: string[];
  /** `info/no_link` lines. */
  noLink?: string[];
  /** Every regular file under `info/`, keyed by path relative to the package root (e.g. `info/recipe/meta.yaml`). */
  raw: Map<string, Buffer>;
}

/** info/ holds small text files; anything beyond this in total is not a sane package. */
const MAX_INFO_BYTES = 256 * 2 ** 20;

function lines(buf: Buffer | undefined): string[] | undefined {
  if (!buf) return undefined;
  return buf
    .toString("utf8")
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "");
}

function json(archive: string, entry: string, buf: Buffer | undefined): Json | undefined {
  if (!buf) return undefined;
  try {
    const v = JSON.parse(buf.toString("utf8"));
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error("not a JSON object");
    return v as Json;
  } catch (e) {
    throw new CorruptArchiveError(archive, `invalid JSON (${(e as Error).message})`, { entry, cause: e });
  }
}

/**
 * Reads a package's metadata. For `.conda` only the small `info-*.tar.zst` part is decoded (CEP 35's
 * reason for splitting); a `.tar.bz2` has to be decompressed in full, keeping only `info/` entries.
 */
export async function readPackageInfo(archivePath: string): Promise<PackageInfo> {
  const st = await stat(archivePath).catch((e: NodeJS.ErrnoException) => {
    throw new CorruptArchiveError(archivePath, `cannot read it (${e.code ?? e.message})`, { cause: e });
  });
  const raw = new Map<string, Buffer>();
  let total = 0;
  const collect = async (
    header: { name: string; type?: string | null; size?: number },
    body: AsyncIterable<unknown>,
  ) => {
    const parts = safeComponents(header.name);
    if (typeof parts === "string") throw new UnsafeArchiveError(archivePath, header.name, parts);
    if (parts[0] !== "info" || (header.type ?? "file") !== "file") return;
    total += header.size ?? 0;
    if (total > MAX_INFO_BYTES)
      throw new UnsafeArchiveError(archivePath, header.name, "makes info/ larger than 256 MiB");
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    const rel = parts.join("/");
    if (raw.has(rel)) throw new UnsafeArchiveError(archivePath, header.name, "is a duplicate entry");
    raw.set(rel, Buffer.concat(chunks));
  };
  const [, ext] = splitArchiveExtension(archivePath);
  if (ext === ".conda") {
    const cz = await openCondaZip(archivePath);
    try {
      const stream = await cz.open(cz.info);
      await walkTar(archivePath, cz.info.fileName, zstdDecode(stream, MAX_INFO_BYTES * 2), collect);
    } finally {
      cz.close();
    }
  } else if (ext === ".tar.bz2") {
    // The whole payload is decoded to find info/; bound it like extraction so a bomb cannot run away.
    const limit = defaultLimits(st.size).maxUnpackedBytes;
    await walkTar(archivePath, "tar.bz2 payload", bzip2Decode(archivePath, limit), collect);
  } else {
    throw new CorruptArchiveError(archivePath, "unknown archive type (expected .conda or .tar.bz2)");
  }
  const index = json(archivePath, "info/index.json", raw.get("info/index.json"));
  if (!index) throw new CorruptArchiveError(archivePath, "no info/index.json", { entry: "info/index.json" });
  const info: PackageInfo = { index, raw };
  const opt = <K extends keyof PackageInfo>(key: K, value: PackageInfo[K] | undefined) => {
    if (value !== undefined) info[key] = value;
  };
  opt("paths", json(archivePath, "info/paths.json", raw.get("info/paths.json")));
  opt("about", json(archivePath, "info/about.json", raw.get("info/about.json")));
  opt("runExports", json(archivePath, "info/run_exports.json", raw.get("info/run_exports.json")));
  opt("linkJson", json(archivePath, "info/link.json", raw.get("info/link.json")));
  opt("files", lines(raw.get("info/files")));
  opt("hasPrefix", lines(raw.get("info/has_prefix")));
  opt("noLink", lines(raw.get("info/no_link")));
  return info;
}
