import type { PackageRecord } from "../../conda/package-record.js";
import { type ConflictNode, UnsatisfiableError } from "../errors.js";
import { compareVersions } from "./candidates.js";
import type { CondaProblem, Origin } from "./problem.js";
import type { SolverSpec, VersionedSpec } from "./spec.js";

/** "numpy 1.5.0|1.5.1" style summary of a set of records of one name (versions merged). */
export function describeRecords(records: PackageRecord[]): string {
  if (records.length === 0) return "(nothing)";
  const byName = new Map<string, PackageRecord[]>();
  for (const r of records) {
    const l = byName.get(r.name) ?? [];
    l.push(r);
    byName.set(r.name, l);
  }
  const parts: string[] = [];
  for (const [name, list] of byName) {
    const versions = [...new Set([...list].sort(compareVersions).map((r) => r.version))];
    const shown =
      versions.length <= 4
        ? versions.join(" | ")
        : `${versions[0]} … ${versions[versions.length - 1]} (${versions.length} versions)`;
    parts.push(`${name} ${shown}`);
  }
  return parts.join(", ");
}

const MAX_CHILDREN = 6;

interface CoreView {
  requires: Map<PackageRecord | "root", { spec: SolverSpec }[]>;
  constrains: Map<PackageRecord, { spec: SolverSpec; target: PackageRecord }[]>;
  onePerName: Set<string>;
  requested: SolverSpec[];
  /** every spec (by text) that some core clause requires, with who requires it */
  specUsers: Map<string, { spec: SolverSpec; by: PackageRecord | "root" }[]>;
}

function coreView(problem: CondaProblem): CoreView {
  const core = problem.sat.unsatCore();
  const view: CoreView = {
    requires: new Map(),
    constrains: new Map(),
    onePerName: new Set(),
    requested: [],
    specUsers: new Map(),
  };
  const add = (o: Origin) => {
    if (o.kind === "one-per-name") view.onePerName.add(o.name);
    else if (o.kind === "constrains") {
      const l = view.constrains.get(o.parent) ?? [];
      l.push({ spec: o.spec, target: o.target });
      view.constrains.set(o.parent, l);
    } else {
      const by = o.kind === "request" ? "root" : o.parent;
      if (o.kind === "request") view.requested.push(o.spec);
      const l = view.requires.get(by) ?? [];
      l.push({ spec: o.spec });
      view.requires.set(by, l);
      const key = o.spec.toString();
      const u = view.specUsers.get(key) ?? [];
      u.push({ spec: o.spec, by });
      view.specUsers.set(key, u);
    }
  };
  for (const o of core.clauseOrigins) add(problem.origins[o]);
  for (const o of core.amoOrigins) add(problem.origins[o]);
  return view;
}

function groupByVersion(records: PackageRecord[]): PackageRecord[][] {
  const m = new Map<string, PackageRecord[]>();
  for (const r of records) {
    const k = `${r.name} ${r.version}`;
    const l = m.get(k) ?? [];
    l.push(r);
    m.set(k, l);
  }
  return [...m.values()];
}

/** The requested specs whose request clauses the refutation used (in request order). */
export function requestsInCore(problem: CondaProblem): SolverSpec[] {
  return coreView(problem).requested;
}

/**
 * Turns the UNSAT core of a failed solve into a tree: each requested spec in the core, the
 * candidates it could use (builds of one version merged), what those need, down to the clash —
 * a name that would have to be installed twice, a constraint, or a dependency nothing satisfies.
 */
export function explainUnsat(problem: CondaProblem, specs: SolverSpec[]): UnsatisfiableError {
  const view = coreView(problem);
  const seen = new Set<string>();

  const specNode = (spec: SolverSpec, depth: number, label: string): ConflictNode => {
    const key = spec.toString();
    const e = problem.entry(spec.name);
    const cands = e.records.filter((r) => spec.matches(r));
    if (cands.length === 0) {
      const excluded = e.excluded.filter((x) => spec.matches(x.record));
      const why = excluded.length
        ? `; ${describeRecords(excluded.map((x) => x.record))} exists but is excluded: ${[...new Set(excluded.map((x) => x.reason))].join("; ")}`
        : problem.raw(spec.name).length
          ? `; no version of ${spec.name} matches`
          : `; ${spec.name} is not in any channel${spec.name.startsWith("__") ? " (a virtual package this system does not provide)" : ""}`;
      return { text: `${label}${key}: nothing provides it${why}`, children: [] };
    }
    if (seen.has(key) || depth > 5) return { text: `${label}${key} (see above)`, children: [] };
    seen.add(key);
    const inCore = cands.filter((r) => view.requires.has(r) || view.constrains.has(r));
    const children: ConflictNode[] = [];
    for (const group of groupByVersion(inCore)) {
      const deps = new Map<string, SolverSpec>();
      for (const r of group) for (const d of view.requires.get(r) ?? []) deps.set(d.spec.toString(), d.spec);
      const cons = new Map<string, { spec: SolverSpec; targets: PackageRecord[] }>();
      for (const r of group)
        for (const c of view.constrains.get(r) ?? []) {
          const k = c.spec.toString();
          const x = cons.get(k) ?? { spec: c.spec, targets: [] };
          if (!x.targets.includes(c.target)) x.targets.push(c.target);
          cons.set(k, x);
        }
      const sub: ConflictNode[] = [];
      for (const d of deps.values()) sub.push(specNode(d, depth + 1, "requires "));
      for (const c of cons.values())
        sub.push({
          text: `constrains ${c.spec}, which rules out ${describeRecords(c.targets)}`,
          children: [],
        });
      const builds = group.length > 1 ? ` (${group.length} builds)` : ` (${group[0].build})`;
      children.push({ text: `${describeRecords(group)}${builds}`, children: sub });
    }
    // keep the tree readable: the best versions first, the rest summarised
    const shown = children.length > MAX_CHILDREN ? children.slice(0, MAX_CHILDREN) : children;
    if (shown.length < children.length)
      shown.push({ text: `… and ${children.length - shown.length} more versions like these`, children: [] });
    return { text: `${label}${key}, which can be ${describeRecords(cands)}`, children: shown };
  };

  const tree: ConflictNode[] = [];
  const requested = view.requested.length ? view.requested : specs;
  for (const s of requested) tree.push(specNode(s, 0, ""));
  // Which requested spec leads to a record (through the core's dependency edges), for "(for X)".
  const reqOf = new Map<PackageRecord, string>();
  {
    const queue: { spec: SolverSpec; root: string; depth: number }[] = requested.map((sp) => ({
      spec: sp,
      root: sp.toString(),
      depth: 0,
    }));
    const seenSpec = new Set<string>();
    while (queue.length) {
      const { spec, root, depth } = queue.shift()!;
      if (seenSpec.has(spec.toString()) || depth > 6) continue;
      seenSpec.add(spec.toString());
      for (const r of problem.entry(spec.name).records) {
        if (!spec.matches(r) || reqOf.has(r) || !view.requires.has(r)) continue;
        reqOf.set(r, root);
        for (const d of view.requires.get(r) ?? []) queue.push({ spec: d.spec, root, depth: depth + 1 });
      }
    }
  }
  const versionPart = (sp: SolverSpec): string => {
    const v = (sp as VersionedSpec).version?.toString();
    return v ?? sp.toString();
  };
  // Names that would have to be installed more than once: who wants which versions of them. The
  // records that need the name are grouped by the request that pulled them in, so twenty builds
  // of ipython 6 read as one line with their version ranges merged, requests first.
  const summary: string[] = [];
  for (const name of view.onePerName) {
    const users = [...view.specUsers.values()].flat().filter((u) => u.spec.name === name);
    interface Group {
      requested?: SolverSpec;
      via?: string;
      records: PackageRecord[];
      specs: Map<string, SolverSpec>;
    }
    const groups = new Map<string, Group>();
    for (const u of users) {
      let key: string;
      let via: string | undefined;
      if (u.by === "root") key = `request ${u.spec}`;
      else {
        const root = reqOf.get(u.by);
        via = root && !root.startsWith(u.by.name) ? root : undefined;
        key = `${u.by.name} for ${via ?? ""}`;
      }
      let g = groups.get(key);
      if (!g) {
        g = { via, records: [], specs: new Map() };
        if (u.by === "root") g.requested = u.spec;
        groups.set(key, g);
      }
      if (u.by !== "root" && !g.records.includes(u.by)) g.records.push(u.by);
      g.specs.set(u.spec.toString(), u.spec);
    }
    if (groups.size < 2 && users.length < 2) continue;
    const ordered = [...groups.values()].sort((a, b) => Number(!a.requested) - Number(!b.requested));
    const parts = ordered.map((g) => {
      if (g.requested) return `${g.requested} is requested`;
      const versions = [...new Set([...g.specs.values()].map(versionPart))].sort();
      const verb = new Set(g.records.map((r) => `${r.name} ${r.version}`)).size > 1 ? "require" : "requires";
      return `${describeRecords(g.records)}${g.via ? ` (for ${g.via})` : ""} ${verb} ${name} ${versions.join(" | ")}`;
    });
    summary.push(`${parts.join(", but ")}; only one ${name} can be installed`);
    tree.push({ text: `only one ${name} can be installed: ${parts.join("; ")}`, children: [] });
  }
  // Dependencies nothing can satisfy.
  for (const [by, list] of view.requires) {
    for (const d of list) {
      const e = problem.entry(d.spec.name);
      if (e.records.some((r) => d.spec.matches(r))) continue;
      const who = by === "root" ? `${d.spec} is requested` : `${by.name} ${by.version} requires ${d.spec}`;
      const excluded = e.excluded.filter((x) => d.spec.matches(x.record));
      summary.push(
        `${who}, but ${
          excluded.length
            ? `${describeRecords(excluded.map((x) => x.record))} is excluded (${[...new Set(excluded.map((x) => x.reason))].join("; ")})`
            : problem.raw(d.spec.name).length
              ? `no ${d.spec.name} matches it`
              : `${d.spec.name} is not available${d.spec.name.startsWith("__") ? " on this system (virtual package)" : ""}`
        }`,
      );
    }
  }
  // Constraints that rule out what a chain needs.
  for (const [by, list] of view.constrains) {
    const seenC = new Set<string>();
    for (const c of list) {
      const k = c.spec.toString();
      if (seenC.has(k)) continue;
      seenC.add(k);
      summary.push(
        `${by.name} ${by.version} constrains ${k}, which rules out ${describeRecords(list.filter((x) => x.spec.toString() === k).map((x) => x.target))}`,
      );
    }
  }
  const names = requested.map(String);
  const render = (n: ConflictNode, indent: string): string =>
    [`${indent}${n.text}`, ...n.children.map((c) => render(c, `${indent}  `))].join("\n");
  const conflicting =
    names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}` : names[0];
  const lines = [...new Set(summary)].slice(0, 12).map((l) => `  - ${l}`);
  const message = `The following specifications were found to be incompatible with each other: ${conflicting}\n${lines.join("\n")}${
    lines.length ? "\nDetails:\n" : ""
  }${tree.map((n) => render(n, "  ")).join("\n")}`;
  const hint =
    names.length > 1
      ? `Relax or drop one of: ${names.join(", ")}.`
      : `No environment can contain ${names[0] ?? "the request"}; relax its version or add a channel that has compatible builds.`;
  return new UnsatisfiableError(message, names, tree, hint);
}

/** For one chosen record: the chain of specs from a request down to it. */
export interface ChoiceExplanation {
  record: PackageRecord;
  chain: { spec: string; by: PackageRecord | null }[];
}

/**
 * `--explain`: for each record of a solution, the shortest chain of requests and dependencies
 * that pulled it in (breadth-first from the requested specs over the chosen records).
 */
export function explainChoices(problem: CondaProblem): ChoiceExplanation[] {
  const chosen = new Set(problem.finalRecords ?? problem.solution());
  const via = new Map<PackageRecord, { spec: string; by: PackageRecord | null }>();
  const queue: (PackageRecord | null)[] = [null];
  const reqs = problem.requirements;
  const byParent = new Map<number, typeof reqs.deps>();
  for (const r of [...reqs.root, ...reqs.deps]) {
    const l = (byParent.get(r.parent) ?? []) as (typeof reqs.deps)[number][];
    l.push(r);
    byParent.set(r.parent, l);
  }
  while (queue.length) {
    const cur = queue.shift()!;
    const pv = cur === null ? problem.rootVar : problem.varOfRecord(cur);
    for (const req of byParent.get(pv) ?? []) {
      for (const v of req.vars) {
        const rec = problem.recordOf(v);
        if (!rec || !chosen.has(rec) || via.has(rec)) continue;
        via.set(rec, { spec: req.spec.toString(), by: cur });
        queue.push(rec);
      }
    }
  }
  const out: ChoiceExplanation[] = [];
  for (const r of chosen) {
    const chain: { spec: string; by: PackageRecord | null }[] = [];
    let cur: PackageRecord | null = r;
    const guard = new Set<PackageRecord>();
    while (cur && via.has(cur) && !guard.has(cur)) {
      guard.add(cur);
      const step: { spec: string; by: PackageRecord | null } = via.get(cur)!;
      chain.unshift(step);
      cur = step.by;
    }
    out.push({ record: r, chain });
  }
  return out.sort((a, b) => (a.record.name < b.record.name ? -1 : 1));
}
