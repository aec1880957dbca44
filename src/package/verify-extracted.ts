import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, readFile } from "node:fs/promises";
import { join } from "node:path";

interface PathRow {
  _path: string;
  path_type?: string;
  sha256?: string;
  size_in_bytes?: number;
}

async function pathRows(dir: string): Promise<PathRow[] | undefined> {
  try {
    const pj = JSON.parse(await readFile(join(dir, "info", "paths.json"), "utf8"));
    return Array.isArray(pj.paths) ? pj.paths : undefined;
  } catch {
    return undefined;
  }
}

/** Older packages list files in `info/files` only; then presence is all that can be checked. */
async function fileList(dir: string): Promise<string[] | undefined> {
  try {
    return (await readFile(join(dir, "info", "files"), "utf8")).split(/\r?\n/).filter(Boolean);
  } catch {
    return undefined;
  }
}

/** Every listed file exists (as file or symlink) and regular files have their recorded size. */
export async function quickCheckAgainstPaths(dir: string): Promise<boolean> {
  const rows = await pathRows(dir);
  if (!rows) {
    const files = await fileList(dir);
    if (!files) return true;
    for (const f of files) if (!(await lstat(join(dir, f)).catch(() => undefined))) return false;
    return true;
  }
  for (const r of rows) {
    const st = await lstat(join(dir, r._path)).catch(() => undefined);
    if (!st) return false;
    // Some real packages record links that were archived as plain files, so a softlink row only needs to exist.
    if (r.path_type === "softlink") continue;
    if (r.path_type === "directory") {
      if (!st.isDirectory()) return false;
    } else if (!st.isFile() || (r.size_in_bytes !== undefined && st.size !== r.size_in_bytes)) return false;
  }
  return true;
}

/** Quick check plus the sha256 of every regular file. */
export async function hashTreeAgainstPaths(dir: string): Promise<boolean> {
  if (!(await quickCheckAgainstPaths(dir))) return false;
  const rows = await pathRows(dir);
  for (const r of rows ?? []) {
    if (r.path_type !== "hardlink" || !r.sha256) continue;
    const h = createHash("sha256");
    for await (const c of createReadStream(join(dir, r._path))) h.update(c as Buffer);
    if (h.digest("hex") !== r.sha256) return false;
  }
  return true;
}
