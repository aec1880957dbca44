import lockfile from "proper-lockfile";

export interface FileLockOptions {
  /** The lock directory, created atomically (`mkdir`) and its mtime refreshed while held. */
  lockfilePath: string;
  /** How long a lock may go without its holder refreshing it before others take it over (holder died). */
  staleMs: number;
  /** How long to wait for a busy lock, with back-off, before giving up. */
  maxWaitMs: number;
  /** The typed error thrown when the lock was not had in time (or was lost, with `failIfLost`). */
  timeoutError: (cause: unknown) => Error;
  /** Whether a lock taken over while `fn` ran (its refresh fell behind) turns the result into an error. */
  failIfLost: boolean;
}

/**
 * Runs `fn` while holding a cross-process lock on `target`. Unlike mamba's lock, a busy lock makes
 * us *wait* (with back-off, up to `maxWaitMs`), and a holder that died is detected by its stale mtime.
 */
export async function withFileLock<T>(
  target: string,
  options: FileLockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  let lost: Error | undefined;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(target, {
      realpath: false,
      lockfilePath: options.lockfilePath,
      stale: options.staleMs,
      update: options.staleMs / 4,
      retries: {
        retries: Math.ceil(options.maxWaitMs / 500),
        factor: 1.3,
        minTimeout: 20,
        maxTimeout: 500,
        randomize: true,
      },
      onCompromised: (err) => {
        lost = err;
      },
    });
  } catch (e) {
    throw options.timeoutError(e);
  }
  try {
    const out = await fn();
    if (lost && options.failIfLost) throw options.timeoutError(lost);
    return out;
  } finally {
    await release().catch(() => {});
  }
}
