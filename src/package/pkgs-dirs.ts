import { constants } from "node:fs";
import { access, mkdir } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * The package cache directories in search order: `CONDA_PKGS_DIRS` (comma-separated, as conda reads
 * it) wins over the configured `pkgs_dirs`; with neither, `~/.taipan/pkgs`.
 */
export function pkgsDirsFrom(
  configured: string[] | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const fromEnv = env.CONDA_PKGS_DIRS?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (fromEnv?.length) return fromEnv.map(expandHome);
  if (configured?.length) return configured.map(expandHome);
  return [join(homedir(), ".taipan", "pkgs")];
}

function expandHome(p: string): string {
  return p === "~" || p.startsWith("~/") ? join(homedir(), p.slice(1)) : p;
}

/** True when the directory exists or can be created, and is writable by us. */
export async function isWritableDir(dir: string): Promise<boolean> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
