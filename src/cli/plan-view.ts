import type { PackageRecord } from "../conda/package-record.js";
import { Version } from "../conda/version.js";
import type { PrefixRecord } from "../install/conda-meta.js";
import type { TransactionPlan } from "../install/transaction.js";
import type { SolvedEnvironment } from "../ops/solve-environment.js";
import { formatBytes, table } from "./output.js";
import { channelDisplayName, listJsonEntry, publicUrl } from "./record-display.js";

/** A plan sorted into the groups conda's "Package Plan" shows. */
export interface PlanGroups {
  install: PackageRecord[];
  update: [PrefixRecord, PackageRecord][];
  downgrade: [PrefixRecord, PackageRecord][];
  /** Same version, different build or channel. */
  change: [PrefixRecord, PackageRecord][];
  /** The same build linked again (`--force-reinstall`). */
  reinstall: PackageRecord[];
  remove: PrefixRecord[];
}

function byName<T>(items: T[], name: (t: T) => string): T[] {
  return [...items].sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0));
}

export function groupPlan(plan: TransactionPlan): PlanGroups {
  const linkByName = new Map(plan.link.map((t) => [t.record.name, t.record]));
  const g: PlanGroups = { install: [], update: [], downgrade: [], change: [], reinstall: [], remove: [] };
  const replaced = new Set<string>();
  for (const old of plan.unlink) {
    const neu = linkByName.get(old.record.name);
    if (!neu) {
      g.remove.push(old);
      continue;
    }
    replaced.add(neu.name);
    if (neu.distName === old.record.distName && (neu.channel ?? "") === (old.record.channel ?? "")) {
      g.reinstall.push(neu);
      continue;
    }
    const c = Version.parse(neu.version).compare(Version.parse(old.record.version));
    const cmpBuild = c !== 0 ? c : Math.sign(neu.build_number - old.record.build_number);
    if (cmpBuild > 0) g.update.push([old, neu]);
    else if (cmpBuild < 0) g.downgrade.push([old, neu]);
    else g.change.push([old, neu]);
  }
  for (const t of plan.link) if (!replaced.has(t.record.name)) g.install.push(t.record);
  g.install = byName(g.install, (r) => r.name);
  g.reinstall = byName(g.reinstall, (r) => r.name);
  g.remove = byName(g.remove, (p) => p.record.name);
  for (const k of ["update", "downgrade", "change"] as const) g[k] = byName(g[k], (p) => p[0].record.name);
  return g;
}

function source(r: PackageRecord): string {
  const ch = channelDisplayName(r);
  return `${ch ? `${ch}/` : ""}${r.subdir}::${r.distName}`;
}

function versionBuild(r: PackageRecord): string {
  return `${r.version}-${r.build}`;
}

/** The human "Package Plan", as conda prints it before asking to proceed. */
export function renderPlan(solved: SolvedEnvironment, plan: TransactionPlan): string {
  const g = groupPlan(plan);
  const out: string[] = ["", "## Package Plan ##", "", `  environment location: ${solved.prefix}`, ""];
  if (solved.updateSpecs.length) {
    out.push("  added / updated specs:");
    for (const s of solved.updateSpecs) out.push(`    - ${s}`);
    out.push("");
  }
  if (solved.removeSpecs.length) {
    out.push("  removed specs:");
    for (const s of solved.removeSpecs) out.push(`    - ${s}`);
    out.push("");
  }
  const fetchSize = plan.link.reduce((n, t) => n + (t.record.size ?? 0), 0);
  if (plan.link.length) {
    out.push("", "The following packages will be downloaded or taken from the cache:", "");
    const rows = plan.link.map((t) => [
      t.record.distName,
      formatBytes(t.record.size),
      channelDisplayName(t.record),
    ]);
    rows.push(["Total:", formatBytes(fetchSize), ""]);
    out.push(table(rows, "    "), "");
  }
  const section = (title: string, rows: string[][]) => {
    if (rows.length === 0) return;
    out.push("", title, "", table(rows, "  "), "");
  };
  section(
    "The following NEW packages will be INSTALLED:",
    g.install.map((r) => [r.name, source(r)]),
  );
  section(
    "The following packages will be REINSTALLED:",
    g.reinstall.map((r) => [r.name, source(r)]),
  );
  section(
    "The following packages will be REMOVED:",
    g.remove.map((p) => [p.record.name, versionBuild(p.record)]),
  );
  section(
    "The following packages will be UPDATED:",
    g.update.map(([o, n]) => [o.record.name, `${versionBuild(o.record)} --> ${versionBuild(n)}`]),
  );
  section(
    "The following packages will be SUPERSEDED by a higher-priority channel or another build:",
    g.change.map(([o, n]) => [o.record.name, `${source(o.record)} --> ${source(n)}`]),
  );
  section(
    "The following packages will be DOWNGRADED:",
    g.downgrade.map(([o, n]) => [o.record.name, `${versionBuild(o.record)} --> ${versionBuild(n)}`]),
  );
  return out.join("\n");
}

function linkEntry(r: PackageRecord): Record<string, unknown> {
  return { ...listJsonEntry(r), url: publicUrl(r), sha256: r.sha256 ?? "", md5: r.md5 ?? "" };
}

/** conda's `--json` report of a transaction (`actions` with FETCH / LINK / UNLINK / PREFIX). */
export function planJson(
  solved: SolvedEnvironment,
  plan: TransactionPlan,
  fetch: PackageRecord[],
  dryRun: boolean,
): Record<string, unknown> {
  return {
    success: true,
    dry_run: dryRun,
    prefix: solved.prefix,
    actions: {
      FETCH: fetch.map((r) => ({
        ...r.toJson(),
        url: publicUrl(r),
        channel: channelDisplayName(r),
        fn: r.fn,
      })),
      LINK: plan.link.map((t) => linkEntry(t.record)),
      UNLINK: plan.unlink.map((p) => linkEntry(p.record)),
      PREFIX: solved.prefix,
    },
  };
}
