import type { PackageRecord } from "../conda/package-record.js";
import { matchSpecName } from "../conda/spec-name.js";
import { isSpdxExpression, licenseToString, parseLicense } from "./license-expression.js";

/** Options shared by both SBOM formats. */
export interface SbomOptions {
  /** Name of the environment (the SBOM's subject). */
  name: string;
  /** Creation time (default now). */
  timestamp?: Date;
  /** Tool version written into the document. */
  toolVersion?: string;
  /** Document serial number / namespace UUID (default random). */
  uuid?: string;
  /** Names the user asked for (conda-meta requested specs); default: records nothing depends on. */
  roots?: readonly string[];
}

/** For every record, the records of the environment its `depends` name (by package name). */
export function dependencyEdges(records: readonly PackageRecord[]): Map<PackageRecord, PackageRecord[]> {
  const byName = new Map(records.map((r) => [r.name, r]));
  const edges = new Map<PackageRecord, PackageRecord[]>();
  for (const r of records) {
    const deps: PackageRecord[] = [];
    for (const d of r.depends) {
      const name = matchSpecName(d);
      const target = name === undefined ? undefined : byName.get(name);
      if (target && target !== r && !deps.includes(target)) deps.push(target);
    }
    edges.set(r, deps);
  }
  return edges;
}

/** The records the environment is "for": the requested names, else those nothing depends on. */
export function rootRecords(
  records: readonly PackageRecord[],
  edges: Map<PackageRecord, PackageRecord[]>,
  roots?: readonly string[],
): PackageRecord[] {
  if (roots?.length) {
    const want = new Set(roots);
    const picked = records.filter((r) => want.has(r.name));
    if (picked.length) return picked;
  }
  const needed = new Set<PackageRecord>();
  for (const deps of edges.values()) for (const d of deps) needed.add(d);
  const top = records.filter((r) => !needed.has(r));
  return top.length ? top : [...records];
}

/** A record's declared licence as an SPDX expression when it can be one, with the original text. */
export function declaredLicense(r: PackageRecord): { spdx?: string; text?: string } {
  const text = r.license?.trim() || undefined;
  if (!text) return {};
  const x = parseLicense(text);
  return isSpdxExpression(x) ? { spdx: licenseToString(x), text } : { text };
}
