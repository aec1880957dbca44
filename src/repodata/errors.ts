import { TaipanError } from "../conda/errors.js";

/** A repodata file (or shard) that is not valid JSON / msgpack / zstd, or not shaped like repodata. */
export class RepodataParseError extends TaipanError {
  readonly source: string;
  constructor(source: string, reason: string, options: { hint?: string; cause?: unknown } = {}) {
    super("REPODATA_PARSE_ERROR", `cannot read repodata from ${source}: ${reason}`, {
      hint:
        options.hint ??
        "The file is corrupt or not conda repodata. Re-index the channel, or delete the cached copy and retry.",
      exceptionName: "CondaError",
      cause: options.cause,
    });
    this.source = source;
  }
}

/** Network or file-system failure while fetching repodata; `url` is always redacted. */
export class RepodataFetchError extends TaipanError {
  readonly url: string;
  readonly status: number | undefined;
  constructor(
    url: string,
    reason: string,
    options: { hint?: string; status?: number; cause?: unknown } = {},
  ) {
    super("REPODATA_FETCH_ERROR", `failed to fetch ${url}: ${reason}`, {
      hint: options.hint ?? "Check the channel URL and your network or proxy settings, then retry.",
      exceptionName: "CondaHTTPError",
      cause: options.cause,
    });
    this.url = url;
    this.status = options.status;
  }
}

/**
 * A channel none of whose requested subdirs exists (typically a misspelt name or URL). conda
 * tolerates a missing platform subdir but raises `UnavailableInvalidChannel` for a missing
 * `noarch/` alone; taipan also accepts a channel that has the platform subdir but no `noarch/`
 * (local channels built by hand or by other tools often lack it; rattler reads them too), and
 * only fails when nothing at all is there.
 */
export class UnavailableChannelError extends TaipanError {
  readonly url: string;
  constructor(url: string, status: number | string) {
    super("UNAVAILABLE_INVALID_CHANNEL", `the channel is not accessible or is invalid: ${url} (${status})`, {
      hint: "Check the channel name or URL (and the token, if it needs one); a conda channel has <subdir>/repodata.json files.",
      exceptionName: "UnavailableInvalidChannel",
    });
    this.url = url;
  }
}

/** `--offline` and the cache has no copy of this repodata. */
export class OfflineCacheMissError extends TaipanError {
  readonly url: string;
  constructor(url: string) {
    super("OFFLINE_CACHE_MISS", `offline mode: no cached repodata for ${url}`, {
      hint: "Run once without --offline to fill the cache, or use a local (file://) channel.",
      exceptionName: "CondaError",
    });
    this.url = url;
  }
}
