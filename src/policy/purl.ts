import { Channel } from "../conda/channel.js";
import type { PackageRecord } from "../conda/package-record.js";

/** purl percent-encoding: everything but the unreserved characters (purl spec, "Character encoding"). */
function encode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The channel as a purl qualifier: its canonical name (`conda-forge`, `defaults`), else its URL. */
export function purlChannel(record: PackageRecord): string | undefined {
  if (!record.channel) return undefined;
  try {
    return Channel.parse(record.channel).canonicalName;
  } catch {
    return record.channel;
  }
}

/** `conda` or `tar.bz2`: the archive format, which the purl conda type calls `type`. */
export function archiveType(record: PackageRecord): string | undefined {
  const fn = record.fn || record.url || "";
  if (fn.endsWith(".conda")) return "conda";
  if (fn.endsWith(".tar.bz2")) return "tar.bz2";
  return undefined;
}

/**
 * The package URL of a conda record, per the purl spec's conda type: no namespace, the package
 * name and version, and the qualifiers build, channel, subdir and type (archive format), sorted by
 * key as the spec requires — e.g. `pkg:conda/absl-py@0.4.1?build=py36h06a4308_0&channel=main&subdir=linux-64&type=tar.bz2`.
 */
export function condaPurl(record: PackageRecord): string {
  const q: [string, string | undefined][] = [
    ["build", record.build || undefined],
    ["channel", purlChannel(record)],
    ["subdir", record.subdir || undefined],
    ["type", archiveType(record)],
  ];
  const qs = q
    .filter((x): x is [string, string] => x[1] !== undefined)
    .map(([k, v]) => `${k}=${encode(v)}`)
    .join("&");
  return `pkg:conda/${encode(record.name.toLowerCase())}@${encode(record.version)}${qs ? `?${qs}` : ""}`;
}
