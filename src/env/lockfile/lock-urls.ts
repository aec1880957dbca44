import { TaipanError } from "../../conda/errors.js";

/**
 * A lock file pins each package by its URL: conda-meta records of packages installed from a local
 * path may hold none (or `<unknown>`), and cannot be locked.
 */
export function requireLockUrls(records: readonly { name: string; url?: string | undefined }[]): void {
  const missing = records.filter((r) => !r.url || r.url.startsWith("<unknown>"));
  if (missing.length > 0)
    throw new TaipanError(
      "LOCK_NO_URL",
      `cannot lock packages without a URL: ${missing.map((r) => r.name).join(", ")}`,
      { hint: "Reinstall those packages from a channel; a lock file pins each package by its URL." },
    );
}

/** The channel of a package URL: the URL without its query, `/<subdir>/<file>` cut off. */
export function channelOfPackageUrl(url: string): string {
  return url.split(/[?#]/)[0]!.replace(/\/[^/]*\/[^/]*$/, "");
}
