import { TaipanError } from "../conda/errors.js";

/** An archive or download whose bytes do not hash to what the record promises. */
export class ChecksumMismatchError extends TaipanError {
  readonly source: string;
  readonly algorithm: "sha256" | "md5";
  readonly expected: string;
  readonly actual: string;

  constructor(source: string, algorithm: "sha256" | "md5", expected: string, actual: string) {
    super("CHECKSUM_MISMATCH", `${algorithm} mismatch for ${source}: expected ${expected}, got ${actual}`, {
      hint:
        "The file is corrupt or was tampered with. Remove it (taipan clean --packages) and retry; " +
        "if it persists, the channel's repodata does not match its packages.",
      exceptionName: "ChecksumMismatchError",
    });
    this.source = source;
    this.algorithm = algorithm;
    this.expected = expected;
    this.actual = actual;
  }
}

/** A package URL that could not be fetched (network, HTTP status, missing file). */
export class DownloadError extends TaipanError {
  readonly url: string;
  readonly status: number | undefined;

  constructor(
    url: string,
    reason: string,
    options: { status?: number; cause?: unknown; hint?: string } = {},
  ) {
    super("DOWNLOAD_ERROR", `could not download ${url}: ${reason}`, {
      hint:
        options.hint ??
        "Check the channel URL and your network (proxy settings, HTTPS_PROXY), then retry; " +
          "offline, use a channel that is on disk.",
      exceptionName: "CondaHTTPError",
      cause: options.cause,
    });
    this.url = url;
    this.status = options.status;
  }
}

/** An archive that cannot be decoded: truncated, not a zip/tar, bad compression, missing parts. */
export class CorruptArchiveError extends TaipanError {
  readonly archive: string;
  readonly entry: string | undefined;

  constructor(archive: string, reason: string, options: { entry?: string; cause?: unknown } = {}) {
    const where = options.entry ? ` (entry '${options.entry}')` : "";
    super("CORRUPT_ARCHIVE", `corrupt package archive ${archive}${where}: ${reason}`, {
      hint: "Delete the file and download it again; if a fresh copy fails too, the channel serves a broken package.",
      exceptionName: "CorruptArchiveError",
      cause: options.cause,
    });
    this.archive = archive;
    this.entry = options.entry;
  }
}

/**
 * An archive that tries to do something a package must never do: write outside its directory,
 * link outside it, create device files, repeat an entry, or expand to an absurd size.
 */
export class UnsafeArchiveError extends TaipanError {
  readonly archive: string;
  readonly entry: string;
  readonly reason: string;

  constructor(archive: string, entry: string, reason: string) {
    super("UNSAFE_ARCHIVE", `refusing to extract ${archive}: entry '${entry}' ${reason}`, {
      hint:
        "The package is malformed or malicious; nothing was extracted. Do not install it; " +
        "report it to the channel owner.",
      exceptionName: "UnsafeArchiveError",
    });
    this.archive = archive;
    this.entry = entry;
    this.reason = reason;
  }
}
