import { randomBytes } from "node:crypto";
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";

/*
 * Whole-file replacement through a temporary file in the same directory and a rename, so a reader
 * (another taipan process, conda, a channel client) sees the old file or the new one, never half of
 * either, and a crash leaves at most a `.tmp` file behind. The temporary name carries the pid and
 * random bytes: two writers, even in one process, never share one. No fsync: these are caches,
 * settings and channel files that a crash may leave old but not torn; the install layer, which must
 * survive power loss, has its own durable writes (src/install/).
 */

export interface AtomicWriteOptions {
  /** File mode of the new file (e.g. 0o600 for secrets); the default is the process umask's. */
  mode?: number;
}

function tempName(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
}

/** Replaces `path` with `data` atomically (see above); the temporary file is removed on failure. */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  const tmp = tempName(path);
  try {
    await writeFile(tmp, data, opts.mode === undefined ? undefined : { mode: opts.mode });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** {@link writeFileAtomic} for synchronous callers (settings edits, exit handlers). */
export function writeFileAtomicSync(
  path: string,
  data: string | Uint8Array,
  opts: AtomicWriteOptions = {},
): void {
  const tmp = tempName(path);
  try {
    writeFileSync(tmp, data, opts.mode === undefined ? undefined : { mode: opts.mode });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
