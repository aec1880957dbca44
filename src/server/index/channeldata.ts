import { Version } from "../../conda/version.js";
import type { IndexedPackage } from "./package-entry.js";

/**
 * channeldata.json (channeldata_version 1) as conda-index writes it: one entry per package name with
 * the newest version's about fields, every subdir it is built for, run_exports per version, and
 * flags for prefix files and link/activation scripts.
 */
export function buildChannelData(
  bySubdir: Map<string, Map<string, IndexedPackage>>,
): Record<string, unknown> {
  interface Acc {
    newest?: { version: string; pkg: IndexedPackage; subdir: string; fn: string };
    subdirs: Set<string>;
    runExports: Record<string, unknown>;
    timestamp: number;
    flags: Record<string, boolean>;
  }
  const names = new Map<string, Acc>();
  const parse = (v: string) => {
    try {
      return Version.parse(v);
    } catch {
      return undefined;
    }
  };
  for (const [subdir, pkgs] of bySubdir) {
    for (const [fn, pkg] of pkgs) {
      const name = String(pkg.record.name);
      const version = String(pkg.record.version);
      let a = names.get(name);
      if (!a) names.set(name, (a = { subdirs: new Set(), runExports: {}, timestamp: 0, flags: {} }));
      a.subdirs.add(subdir);
      if (pkg.runExports) a.runExports[version] = pkg.runExports;
      const ts = Number(pkg.record.timestamp ?? 0);
      if (ts > a.timestamp) a.timestamp = ts;
      for (const [k, v] of Object.entries(pkg.flags)) a.flags[k] = (a.flags[k] ?? false) || v;
      const nv = parse(version);
      const ov = a.newest ? parse(a.newest.version) : undefined;
      const newer = !a.newest || (nv && ov ? nv.compare(ov) > 0 : version > a.newest.version);
      if (newer) a.newest = { version, pkg, subdir, fn };
    }
  }
  const packages: Record<string, unknown> = {};
  for (const name of [...names.keys()].sort()) {
    const a = names.get(name)!;
    const about = a.newest?.pkg.about ?? {};
    const entry: Record<string, unknown> = {
      ...a.flags,
      description: about.description ?? null,
      dev_url: about.dev_url ?? null,
      doc_url: about.doc_url ?? null,
      home: about.home ?? null,
      license: about.license ?? a.newest?.pkg.record.license ?? null,
      reference_package: a.newest ? `${a.newest.subdir}/${a.newest.fn}` : null,
      run_exports: a.runExports,
      source_url: about.source_url ?? null,
      subdirs: [...a.subdirs].sort(),
      summary: about.summary ?? null,
      version: a.newest?.version ?? null,
    };
    if (a.timestamp) entry.timestamp = a.timestamp;
    packages[name] = entry;
  }
  const subdirs = [...bySubdir.keys()].sort();
  return { channeldata_version: 1, packages, subdirs };
}
