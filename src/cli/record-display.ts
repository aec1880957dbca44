import { Channel } from "../conda/channel.js";
import type { PackageRecord } from "../conda/package-record.js";
import { stripUrlCredentials } from "../conda/url-credentials.js";

/** conda shows a channel's canonical name (`conda-forge`, `pkgs/main`), or the URL for channels elsewhere. */
export function channelDisplayName(r: PackageRecord): string {
  const ch = r.channel ?? "";
  if (!ch) return "";
  try {
    return Channel.parse(ch).canonicalName;
  } catch {
    return ch;
  }
}

/** A record's package URL as shown or exported: never with a token or password in it. */
export function publicUrl(r: PackageRecord): string {
  return r.url ? stripUrlCredentials(r.url) : "";
}

/** The URL of the channel's subdir (conda's `base_url` + subdir is the `url` minus the filename). */
function baseUrlOf(r: PackageRecord): string | undefined {
  if (!r.url) return undefined;
  const url = publicUrl(r);
  const i = url.lastIndexOf("/");
  const subdirUrl = url.slice(0, i);
  const j = subdirUrl.lastIndexOf("/");
  return subdirUrl.slice(0, j);
}

/** One package as `conda list --json` and dry-run `actions.LINK` print it. */
export function listJsonEntry(r: PackageRecord): Record<string, unknown> {
  return {
    base_url: baseUrlOf(r) ?? r.channel ?? "",
    build_number: r.build_number,
    build_string: r.build,
    channel: channelDisplayName(r),
    dist_name: r.distName,
    name: r.name,
    platform: r.subdir,
    version: r.version,
  };
}
