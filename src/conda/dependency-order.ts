import { matchSpecName } from "./spec-name.js";

/** What ordering needs of a record: its name and its `depends` match specs. */
export interface DependencyNode {
  name: string;
  depends?: readonly string[];
}

export interface DependencyOrderOptions {
  /**
   * Names that start the walk before all others (the rest go in name order). A transaction links
   * `python` first so noarch python packages can be compiled against it.
   */
  first?: readonly string[];
}

/**
 * Orders items so each comes after the items it depends on, as conda's `iter_records_sorted` does
 * for `@EXPLICIT` output and link order: a depth-first walk from each item in name order, visiting
 * its dependencies in name order, so the result does not depend on the input order or on how a
 * record lists its depends. Dependencies outside `items` are ignored; a cycle is broken where the
 * walk meets it (conda breaks cycles too). One item per name (the first in walk order).
 */
export function dependencyOrder<T extends DependencyNode>(
  records: readonly T[],
  options?: DependencyOrderOptions,
): T[];
/** The same for items that wrap a record (prefix records, link targets). */
export function dependencyOrder<T>(
  items: readonly T[],
  options: DependencyOrderOptions & { recordOf: (item: T) => DependencyNode },
): T[];
export function dependencyOrder<T>(
  items: readonly T[],
  options: DependencyOrderOptions & { recordOf?: (item: T) => DependencyNode } = {},
): T[] {
  const recordOf = options.recordOf ?? ((t: T) => t as DependencyNode);
  const rank = new Map((options.first ?? []).map((n, i) => [n, i]));
  const byName = new Map<string, T>();
  const roots = [...items].sort((a, b) => {
    const x = recordOf(a).name;
    const y = recordOf(b).name;
    const rx = rank.get(x) ?? rank.size;
    const ry = rank.get(y) ?? rank.size;
    return rx !== ry ? rx - ry : x < y ? -1 : x > y ? 1 : 0;
  });
  for (const t of roots) if (!byName.has(recordOf(t).name)) byName.set(recordOf(t).name, t);
  const out: T[] = [];
  const seen = new Set<string>();
  const visit = (t: T): void => {
    const r = recordOf(t);
    if (seen.has(r.name)) return; // done, or on the current path (a cycle)
    seen.add(r.name);
    const deps = (r.depends ?? []).map((d) => matchSpecName(d) ?? "").sort();
    for (const d of deps) {
      const dep = byName.get(d);
      if (dep !== undefined) visit(dep);
    }
    out.push(t);
  };
  for (const t of roots) visit(t);
  return out;
}
