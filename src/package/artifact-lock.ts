import lockfile from "proper-lockfile";
import { TaipanError } from "../conda/errors.js";

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
 * Runs `fn` while holding a cross-process lock on `target` (a `<target>.lock` directory, created
 * atomically and refreshed while held). Unlike mamba's lock, a busy lock makes us *wait* (with
 * back-off, up to `maxWaitMs`), and a holder that died is detected by its stale mtime.
 */
export async function withArtifactLock<T>(
  target: string,
  fn: () => Promise<T>,
  maxWaitMs = 15 * 60_000,
): Promise<T> {
  const lockfilePath = `${target}.lock`;
  let compromised: Error | undefined;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(target, {
      realpath: false,
      lockfilePath,
      stale: STALE_MS,
      update: STALE_MS / 4,
      retries: {
        retries: Math.ceil(maxWaitMs / 500),
        factor: 1.3,
        minTimeout: 20,
        maxTimeout: 500,
        randomize: true,
      },
      onCompromised: (err) => {
        compromised = err;
      },
    });
  } catch (e) {
    throw new LockTimeoutError(lockfilePath, e);
  }
  try {
    const out = await fn();
    if (compromised) throw new LockTimeoutError(lockfilePath, compromised);
    return out;
  } finally {
    await release().catch(() => {});
  }
}
