import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PackageRecord } from "../../src/conda/package-record.js";
import { sharedData } from "../support/paths.js";

/**
 * A tiny in-memory index over file channels (`<dir>/<subdir>/repodata.json`) for the solver tests:
 * `packages` + `packages.conda` (a `.conda` entry replaces the `.tar.bz2` of the same dist), records
 * by name in channel-priority order, and the rank of each record's channel.
 */
export class LocalIndex {
  private readonly byName = new Map<string, PackageRecord[]>();
  private readonly ranks = new Map<PackageRecord, number>();
  readonly count: number;

  constructor(channelDirs: string[], subdirs: string[], opts: { dropNulls?: boolean } = {}) {
    let count = 0;
    channelDirs.forEach((dir, rank) => {
      const channel = dir.split("/").pop()!;
      for (const subdir of subdirs) {
        const file = join(dir, subdir, "repodata.json");
        if (!existsSync(file)) continue;
        const json = JSON.parse(readFileSync(file, "utf8")) as Record<string, Record<string, unknown>>;
        const dists = new Map<string, PackageRecord>();
        for (const key of ["packages", "packages.conda"]) {
          for (const [fn, obj] of Object.entries(json[key] ?? {})) {
            if (opts.dropNulls && obj && typeof obj === "object")
              for (const [k, v] of Object.entries(obj))
                if (v === null) delete (obj as Record<string, unknown>)[k];
            const r = PackageRecord.fromJson(obj, { fn, channel, subdir });
            dists.set(fn.replace(/\.(conda|tar\.bz2)$/, ""), r);
          }
        }
        for (const r of dists.values()) {
          const list = this.byName.get(r.name) ?? [];
          list.push(r);
          this.byName.set(r.name, list);
          this.ranks.set(r, rank);
          count++;
        }
      }
    });
    this.count = count;
  }

  static shared(channels: string[], platform = "linux-64"): LocalIndex {
    return new LocalIndex(
      channels.map((c) => sharedData("channels", c)),
      [platform, "noarch"],
    );
  }

  get(name: string): PackageRecord[] {
    return this.byName.get(name) ?? [];
  }

  channelRank(r: PackageRecord): number {
    return this.ranks.get(r) ?? 0;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}

/** Virtual packages of a typical linux-64 machine, as conda's tests use. */
export function linuxVirtualPackages(): PackageRecord[] {
  const v = (name: string, version: string, build = "0") =>
    new PackageRecord({
      name,
      version,
      build,
      subdir: "linux-64",
      fn: `${name}-${version}-${build}.virtual`,
    });
  return [v("__unix", "0"), v("__linux", "6.5"), v("__glibc", "2.35"), v("__archspec", "1", "x86_64")];
}
