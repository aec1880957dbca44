import { existsSync } from "node:fs";
import { join } from "node:path";
import { TaipanError } from "../conda/errors.js";
import { withFileLock } from "../package/file-lock.js";

/** A holder that stopped refreshing its lock this long ago (it died) is taken over. */
const STALE_MS = 10_000;

export class PrefixBusyError extends TaipanError {
  constructor(prefix: string, cause: unknown) {
    super("PREFIX_BUSY", `timed out waiting for another taipan process that is changing ${prefix}`, {
      hint: "Wait for that command to finish and run yours again.",
      exceptionName: "CondaError",
      cause,
    });
  }
}

/**
 * Runs `fn` (solve → fetch → link) while holding a cross-process lock on an existing environment,
 * so two commands on one prefix run one after the other: the second solves against what the first
 * installed instead of undoing it with a plan made from a stale view. A new prefix (create) has
 * nothing to protect yet and is not locked. The transaction journal separately refuses to recover
 * a prefix whose journal belongs to a live process.
 */
export async function withPrefixLock<T>(
  prefix: string,
  fn: () => Promise<T>,
  maxWaitMs = 10 * 60_000,
): Promise<T> {
  const meta = join(prefix, "conda-meta");
  if (!existsSync(meta)) return fn();
  return withFileLock(
    meta,
    {
      lockfilePath: join(meta, ".taipan-prefix.lock"),
      staleMs: STALE_MS,
      maxWaitMs,
      timeoutError: (cause) => new PrefixBusyError(prefix, cause),
      // A long synchronous link step can delay the refresh; the journal still guards the prefix,
      // so a lock taken over meanwhile is not turned into an error after the change succeeded.
      failIfLost: false,
    },
    fn,
  );
}
