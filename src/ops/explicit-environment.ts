import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Channel } from "../conda/channel.js";
import { PackageRecord } from "../conda/package-record.js";
import type { LoadedConfig } from "../env/config.js";
import type { ExplicitFile } from "../env/explicit-file.js";
import { readPrefixRecords } from "../install/conda-meta.js";
import { recoverPrefix } from "../install/transaction.js";
import { PackageCache } from "../package/cache.js";
import { channelConfigOf } from "./channels.js";
import type { SolvedEnvironment } from "./solve-environment.js";
import { enforcePolicy } from "../policy/enforce.js";
import { loadPolicy } from "../policy/load-policy.js";

/**
 * An `@EXPLICIT` file is the environment: no solve, the URLs are the records (conda's
 * `explicit()`). The archives are fetched and verified against the file's hashes, and each
 * record is completed from the package's own `info/index.json` (depends, license, …).
 */
export async function explicitEnvironment(
  prefix: string,
  file: ExplicitFile,
  config: LoadedConfig,
  kind: "create" | "install",
): Promise<SolvedEnvironment> {
  if (kind !== "create") recoverPrefix(prefix);
  const installed = kind === "create" ? [] : readPrefixRecords(prefix);
  const cfg = channelConfigOf(config);
  const partial = file.packages.map((e) => {
    const r = new PackageRecord({ name: e.name, version: e.version, build: e.build, subdir: e.subdir, fn: e.fn });
    r.url = e.url;
    r.md5 = e.md5;
    r.sha256 = e.sha256;
    try {
      r.channel = Channel.fromRecordUrl(e.url, cfg).channel.canonicalName;
    } catch {
      r.channel = e.subdirUrl.replace(/\/[^/]+$/, "");
    }
    return r;
  });
  const dirs = await new PackageCache(config.pkgs_dirs).ensure(partial);
  const records = partial.map((r, i) => {
    const index = JSON.parse(readFileSync(join(dirs[i]!, "info", "index.json"), "utf8"));
    const full = PackageRecord.fromJson(index, { fn: r.fn, channel: r.channel });
    full.url = r.url;
    full.md5 = r.md5 ?? full.md5;
    full.sha256 = r.sha256 ?? full.sha256;
    return full;
  });
  // No solver runs, so the policy is checked here: an exact list has no alternatives to fall back to.
  enforcePolicy(records, loadPolicy({ policyFile: config.policy_file, prefix }));
  // An explicit file lists the whole environment; what is installed but not listed stays (conda adds).
  const listed = new Set(records.map((r) => r.name));
  const kept = installed.filter((p) => !listed.has(p.record.name)).map((p) => p.record);
  return {
    prefix,
    subdir: records.find((r) => r.subdir !== "noarch")?.subdir ?? file.platform ?? "noarch",
    records: [...kept, ...records],
    installed,
    requestedSpecs: records.map((r) => `${r.name}==${r.version}=${r.build}`),
    updateSpecs: records.map((r) => `${r.name}==${r.version}=${r.build}`),
    removeSpecs: [],
    solve: undefined,
    index: undefined,
  };
}
