import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** `Foo_Bar` → `foo-bar`, as pip and conda normalize distribution names. */
export function normalizePipName(name: string): string {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}

/** Name and Version from a METADATA / PKG-INFO header. */
function readDistMetadata(file: string): { name: string; version: string } | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const head = text.split(/\r?\n\r?\n/, 1)[0] ?? "";
  const name = /^Name:\s*(.+)$/m.exec(head)?.[1]?.trim();
  const version = /^Version:\s*(.+)$/m.exec(head)?.[1]?.trim();
  return name && version ? { name, version } : undefined;
}

/**
 * Python distributions in the prefix's site-packages that no conda record owns: what pip installed.
 * conda's export lists them as `name==version` in a `pip:` section (its pip interoperability).
 */
export function pipInstalledPackages(prefix: string, owned: Iterable<string>): string[] {
  const ownedDirs = new Set<string>();
  for (const f of owned) {
    const m = /^(.*?\.(?:dist-info|egg-info))(?:\/|$)/.exec(f.replace(/\\/g, "/"));
    if (m) ownedDirs.add(m[1]!);
  }
  const sitePackages: string[] = [];
  const lib = join(prefix, "lib");
  if (existsSync(lib))
    for (const d of readdirSync(lib)) if (/^python\d/.test(d)) sitePackages.push(`lib/${d}/site-packages`);
  sitePackages.push("Lib/site-packages");
  const found = new Map<string, string>();
  for (const rel of sitePackages) {
    const dir = join(prefix, rel);
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir)) {
      const meta = entry.endsWith(".dist-info")
        ? join(dir, entry, "METADATA")
        : entry.endsWith(".egg-info")
          ? existsSync(join(dir, entry, "PKG-INFO"))
            ? join(dir, entry, "PKG-INFO")
            : join(dir, entry)
          : undefined;
      if (!meta || ownedDirs.has(`${rel}/${entry}`)) continue;
      const info = readDistMetadata(meta);
      if (info) found.set(normalizePipName(info.name), info.version);
    }
  }
  return [...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([n, v]) => `${n}==${v}`);
}
