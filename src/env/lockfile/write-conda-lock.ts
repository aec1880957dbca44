import { createHash } from "node:crypto";
import { stringify } from "yaml";
import { stripUrlCredentials } from "../../conda/url-credentials.js";
import { channelOfPackageUrl, requireLockUrls } from "./lock-urls.js";

/** What a conda-lock entry needs of an installed record (a PackageRecord fits). */
export interface LockableRecord {
  name: string;
  version: string;
  build: string;
  subdir?: string;
  url?: string;
  md5?: string;
  sha256?: string;
  depends?: readonly string[];
  channel?: string;
}

export interface CondaLockWriteOptions {
  platform: string;
  /** Channel URLs for `metadata.channels`; taken from the records' URLs when not given. */
  channels?: readonly string[];
  /** `metadata.sources` (the files the lock was made from); an environment has none. */
  sources?: readonly string[];
}

/**
 * Writes conda-lock's unified format, version 1: one `package:` entry per record with url,
 * md5+sha256, dependencies as a name → constraint map, manager conda and category main, which is
 * what `conda-lock install` and pixi read. conda-lock hashes its input specs into
 * `content_hash`; an existing environment has no input, so this hashes the locked URLs+hashes.
 */
export function formatCondaLock(records: readonly LockableRecord[], options: CondaLockWriteOptions): string {
  const { platform } = options;
  requireLockUrls(records);
  const sorted = [...records].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const packages = sorted.map((r) => {
    const hash: Record<string, string> = {};
    if (r.md5) hash.md5 = r.md5;
    if (r.sha256) hash.sha256 = r.sha256;
    return {
      name: r.name,
      version: r.version,
      manager: "conda",
      platform,
      dependencies: dependencyMap(r.depends ?? []),
      url: stripUrlCredentials(r.url!),
      hash,
      category: "main",
      optional: false,
    };
  });
  const channels = options.channels ?? [
    ...new Set(sorted.map((r) => channelOfPackageUrl(stripUrlCredentials(r.url!)))),
  ];
  const digest = createHash("sha256");
  for (const p of packages) digest.update(`${p.url}#${p.hash.sha256 ?? p.hash.md5 ?? ""}\n`);
  const doc = {
    version: 1,
    metadata: {
      content_hash: { [platform]: digest.digest("hex") },
      channels: channels.map((url) => ({ url, used_env_vars: [] })),
      platforms: [platform],
      sources: [...(options.sources ?? [])],
    },
    package: packages,
  };
  const header = [
    "# This lock file was written by taipan (lock export). Install it with:",
    "#     taipan create -n ENV --file <this file>",
  ];
  return `${header.join("\n")}\n${stringify(doc, { lineWidth: 0 })}`;
}

/** conda-lock keeps dependencies as `name: constraint` (`*` for any); a name seen twice keeps both constraints. */
function dependencyMap(depends: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of depends) {
    const m = /^\s*([^\s=<>!~]+)\s*(.*)$/.exec(d);
    if (!m) continue;
    const name = m[1]!;
    const spec = m[2]!.trim() || "*";
    out[name] = out[name] && out[name] !== "*" ? `${out[name]},${spec}` : spec;
  }
  return out;
}
