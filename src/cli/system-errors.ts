import { TaipanError } from "../conda/errors.js";

/**
 * Turns the operating system's errors that a user can act on (full disk, quota, permissions,
 * read-only filesystem) into errors with a hint, named as conda names them (NoSpaceLeftError,
 * NotWritableError), instead of reporting them as bugs in taipan.
 */
export function fromSystemError(err: unknown): TaipanError | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as NodeJS.ErrnoException & { dest?: string };
  if (typeof e.code !== "string" || typeof e.syscall !== "string") return undefined;
  const target = e.dest ?? e.path;
  const where = target ? ` while writing ${target}` : "";
  const recover =
    "If an environment was being changed, the next taipan command on it (or `taipan doctor -p PREFIX`) finishes or rolls back that change.";
  switch (e.code) {
    case "ENOSPC":
    case "EDQUOT":
      return new TaipanError(
        "NO_SPACE",
        `${e.code === "ENOSPC" ? "no space left on the device" : "disk quota exceeded"}${where}`,
        {
          hint: `Free space on that filesystem (see \`df -h\`) or use another location, then run the command again. ${recover}`,
          exceptionName: "NoSpaceLeftError",
          cause: err,
        },
      );
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return new TaipanError(
        "NOT_WRITABLE",
        `${e.code === "EROFS" ? "read-only filesystem" : "permission denied"}${target ? `: ${target}` : ""} (${e.syscall})`,
        {
          hint: `Check the ownership and permissions of that path, or choose a prefix and package cache (pkgs_dirs) you can write. ${recover}`,
          exceptionName: "NotWritableError",
          cause: err,
        },
      );
    default:
      return undefined;
  }
}
