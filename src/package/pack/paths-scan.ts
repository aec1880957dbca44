import { createHash } from "node:crypto";
import { lstat, readdir, readFile, readlink, stat } from "node:fs/promises";
import { isAbsolute, join, posix } from "node:path";
import { TaipanError } from "../../conda/errors.js";

/** conda's default prefix placeholder (conda-build's `PREFIX_PLACEHOLDER`). */
export const DEFAULT_PREFIX_PLACEHOLDER = "/opt/anaconda1anaconda2anaconda3";

/** One `info/paths.json` entry (paths_version 1). */
export interface PathsEntry {
  _path: string;
  path_type: "hardlink" | "softlink" | "directory";
  sha256?: string;
  size_in_bytes?: number;
  file_mode?: "text" | "binary";
  prefix_placeholder?: string;
}

/** A file of the package as it will go into the pkg tar. */
export interface ScannedFile {
  path: string;
  kind: "file" | "symlink" | "directory";
  data?: Buffer;
  linkname?: string;
  executable?: boolean;
  entry: PathsEntry;
}

export class PackSourceError extends TaipanError {
  constructor(source: string, reason: string, hint: string) {
    super("PACK_SOURCE", `cannot pack ${source}: ${reason}`, { hint });
  }
}

/** conda-build calls a file binary when it holds a NUL byte; text files get their placeholder replaced as text. */
function isBinary(data: Buffer): boolean {
  return data.includes(0);
}

/**
 * Walks the package directory and builds the pkg members and their paths.json entries, sorted
 * bytewise so the output does not depend on readdir order. `info/` is left to the caller.
 */
export async function scanPackageDir(root: string, placeholder: string): Promise<ScannedFile[]> {
  const out: ScannedFile[] = [];
  const needle = Buffer.from(placeholder);
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(root, rel));
    if (rel !== "" && entries.length === 0) {
      out.push({ path: rel, kind: "directory", entry: { _path: rel, path_type: "directory" } });
      return;
    }
    for (const name of entries) {
      const r = rel ? `${rel}/${name}` : name;
      if (r === "info") continue;
      const abs = join(root, r);
      const st = await lstat(abs);
      if (st.isSymbolicLink()) {
        const target = await readlink(abs);
        if (isAbsolute(target) || posix.normalize(posix.join(posix.dirname(r), target)).startsWith(".."))
          throw new PackSourceError(
            abs,
            `symlink to '${target}' points outside the package`,
            "Make the link relative and keep it inside the directory being packed.",
          );
        const entry: PathsEntry = { _path: r, path_type: "softlink" };
        // conda-build hashes what the link points to; a dangling link has no hash.
        const t = await stat(abs).catch(() => undefined);
        if (t?.isFile()) {
          const data = await readFile(abs);
          entry.sha256 = createHash("sha256").update(data).digest("hex");
          entry.size_in_bytes = data.length;
        }
        out.push({ path: r, kind: "symlink", linkname: target, entry });
      } else if (st.isDirectory()) {
        await walk(r);
      } else if (st.isFile()) {
        const data = await readFile(abs);
        const entry: PathsEntry = {
          _path: r,
          path_type: "hardlink",
          sha256: createHash("sha256").update(data).digest("hex"),
          size_in_bytes: data.length,
        };
        if (data.includes(needle)) {
          entry.file_mode = isBinary(data) ? "binary" : "text";
          entry.prefix_placeholder = placeholder;
        }
        out.push({ path: r, kind: "file", data, executable: (st.mode & 0o111) !== 0, entry });
      } else {
        throw new PackSourceError(
          abs,
          "is a device, FIFO or socket",
          "Packages may hold only files, directories and symlinks.",
        );
      }
    }
  };
  await walk("");
  return out.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}
