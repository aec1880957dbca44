import { TaipanError } from "../conda/errors.js";
import { withFileLock } from "./file-lock.js";

/** How long a lock may go without its holder refreshing it before others treat it as abandoned. */
const STALE_MS = 20_000;

export class LockTimeoutError extends TaipanError {
  constructor(path: string, cause: unknown) {
    super("LOCK_TIMEOUT", `timed out waiting for the lock on ${path}`, {
      hint: "Another taipan process holds it; wait for it to finish. A lock older than 20 s without refresh is taken over.",
      cause,
    });
  }
}

/**
 * Runs `fn` while holding a cross-process lock on `target` (a `<target>.lock` directory), waiting
 * for a busy one up to `maxWaitMs`. A lock lost while `fn` ran is an error: another process may
 * have written the same artifact meanwhile.
 */
export async function withArtifactLock<T>(
  target: string,
  fn: () => Promise<T>,
  maxWaitMs = 15 * 60_000,
): Promise<T> {
  const lockfilePath = `${target}.lock`;
  return withFileLock(
    target,
    {
      lockfilePath,
      staleMs: STALE_MS,
      maxWaitMs,
      timeoutError: (cause) => new LockTimeoutError(lockfilePath, cause),
      failIfLost: true,
    },
    fn,
  );
}
