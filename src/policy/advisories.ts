import { readFileSync } from "node:fs";
import type { PackageRecord } from "../conda/package-record.js";
import { Version } from "../conda/version.js";
import { cvss3BaseScore } from "./cvss.js";
import { PolicyFileError } from "./errors.js";
import { SEVERITIES, type Severity } from "./policy-file.js";

/**
 * Security advisories in OSV format (https://ossf.github.io/osv-schema/). conda is not an OSV
 * ecosystem yet, so an `affected` entry applies to a conda record when its ecosystem is "conda"
 * (or a `pkg:conda/` purl) or, for any other ecosystem, when the package name is the record's
 * name: python packages keep their PyPI names on conda-forge, C libraries their upstream names.
 * Versions are compared with conda's version order.
 */
export interface Advisory {
  id: string;
  aliases: string[];
  summary?: string;
  severity?: Severity;
  /** CVSS base score when the advisory carries one. */
  score?: number;
  affected: AffectedPackage[];
}

interface AffectedPackage {
  name: string;
  ranges: { events: RangeEvent[] }[];
  versions: Set<string>;
}

type RangeEvent = { kind: "introduced" | "fixed" | "last_affected" | "limit"; version: Version | "0" };

/** One advisory that applies to one record. */
export interface AdvisoryMatch {
  advisory: Advisory;
  /** The lowest fixed version above the record's, when the advisory names one. */
  fixed?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function levelOf(text: unknown): Severity | undefined {
  if (typeof text !== "string") return undefined;
  const s = text.toLowerCase();
  if (s === "moderate") return "medium";
  return (SEVERITIES as readonly string[]).includes(s) ? (s as Severity) : undefined;
}

/** CVSS qualitative rating of a base score. */
export function severityOfScore(score: number): Severity | undefined {
  if (score <= 0) return undefined;
  return score < 4 ? "low" : score < 7 ? "medium" : score < 9 ? "high" : "critical";
}

function parseEvents(file: string, id: string, range: Obj): RangeEvent[] {
  const events: RangeEvent[] = [];
  for (const e of Array.isArray(range.events) ? range.events : []) {
    if (!isObj(e)) continue;
    for (const kind of ["introduced", "fixed", "last_affected", "limit"] as const) {
      const v = e[kind];
      if (typeof v !== "string") continue;
      if (v === "0") events.push({ kind, version: "0" });
      else {
        try {
          events.push({ kind, version: Version.parse(v) });
        } catch (err) {
          throw new PolicyFileError(file, `advisory ${id}: ${kind} version '${v}' is not a conda version`, {
            field: "affected.ranges.events",
            cause: err,
          });
        }
      }
    }
  }
  const cmp = (a: RangeEvent, b: RangeEvent) =>
    a.version === "0"
      ? b.version === "0"
        ? 0
        : -1
      : b.version === "0"
        ? 1
        : compareToBound(a.version, a.version.toString(), b.version);
  return events.sort(cmp);
}

function parseAdvisory(file: string, o: Obj): Advisory | undefined {
  if (typeof o.id !== "string") throw new PolicyFileError(file, "an OSV advisory has no id", { field: "id" });
  const id = o.id;
  let severity = levelOf(isObj(o.database_specific) ? o.database_specific.severity : undefined);
  let score: number | undefined;
  for (const s of Array.isArray(o.severity) ? o.severity : []) {
    if (!isObj(s) || typeof s.score !== "string") continue;
    const n = /^\d+(\.\d+)?$/.test(s.score) ? Number(s.score) : cvss3BaseScore(s.score);
    if (n !== undefined) score = Math.max(score ?? 0, n);
  }
  if (score !== undefined) severity = severityOfScore(score) ?? severity;
  const affected: AffectedPackage[] = [];
  for (const a of Array.isArray(o.affected) ? o.affected : []) {
    if (!isObj(a) || !isObj(a.package)) continue;
    const pkg = a.package;
    let name = typeof pkg.name === "string" ? pkg.name : undefined;
    if (typeof pkg.purl === "string") {
      const m = /^pkg:conda\/([^@?#]+)/.exec(pkg.purl);
      if (m) name = decodeURIComponent(m[1]);
    }
    if (!name) continue;
    severity ??= levelOf(isObj(a.ecosystem_specific) ? a.ecosystem_specific.severity : undefined);
    affected.push({
      name: name.toLowerCase(),
      ranges: (Array.isArray(a.ranges) ? a.ranges : [])
        .filter((r): r is Obj => isObj(r) && r.type !== "GIT")
        .map((r) => ({ events: parseEvents(file, id, r) })),
      versions: new Set(
        (Array.isArray(a.versions) ? a.versions : []).filter((v): v is string => typeof v === "string"),
      ),
    });
  }
  if (typeof o.withdrawn === "string") return undefined; // withdrawn advisories no longer apply
  return {
    id,
    aliases: Array.isArray(o.aliases) ? o.aliases.filter((x): x is string => typeof x === "string") : [],
    summary: typeof o.summary === "string" ? o.summary : undefined,
    severity,
    score,
    affected,
  };
}

/**
 * Reads an OSV file: one advisory, a list of them, or an OSV API answer (`{"vulns": [...]}`,
 * `{"results": [{"vulns": [...]}]}`).
 */
export function readAdvisoryFile(file: string): Advisory[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new PolicyFileError(file, `advisory file cannot be read as JSON (${why})`, { cause: e });
  }
  const items: unknown[] = Array.isArray(doc)
    ? doc
    : isObj(doc) && Array.isArray(doc.vulns)
      ? doc.vulns
      : isObj(doc) && Array.isArray(doc.results)
        ? doc.results.flatMap((r) => (isObj(r) && Array.isArray(r.vulns) ? r.vulns : []))
        : [doc];
  const out: Advisory[] = [];
  for (const it of items) {
    if (!isObj(it)) throw new PolicyFileError(file, "expected OSV advisory objects");
    const a = parseAdvisory(file, it);
    if (a) out.push(a);
  }
  return out;
}

// OpenSSL-style letter releases (1.0.2, 1.0.2a … 1.0.2z, 1.0.2za …) come after the bare number
// upstream, while conda's order puts a letter suffix before it (1.0.2l < 1.0.2). Advisories are
// written in upstream terms, so an advisory bound compares such versions the upstream way.
const LETTER_RELEASE = /^z?[a-z]$/;

function compareToBound(v: Version, text: string, bound: Version): number {
  const b = bound.toString();
  if (text !== b) {
    if (text.startsWith(b) && /\d$/.test(b) && LETTER_RELEASE.test(text.slice(b.length))) return 1;
    if (b.startsWith(text) && /\d$/.test(text) && LETTER_RELEASE.test(b.slice(text.length))) return -1;
  }
  return v.compare(bound);
}

function affects(pkg: AffectedPackage, v: Version, text: string): { hit: boolean; fixed?: string } {
  if (pkg.versions.has(text)) return { hit: true };
  for (const range of pkg.ranges) {
    let affected = false;
    let fixed: string | undefined;
    for (const e of range.events) {
      const c = e.version === "0" ? 1 : compareToBound(v, text, e.version);
      if (e.kind === "introduced" && c >= 0) affected = true;
      else if (e.kind === "fixed") {
        if (c >= 0) affected = false;
        else fixed ??= e.version === "0" ? undefined : e.version.toString();
      } else if (e.kind === "last_affected" && c > 0) affected = false;
      else if (e.kind === "limit" && c >= 0) affected = false;
    }
    if (affected) return { hit: true, fixed };
  }
  return { hit: false };
}

/** Advisories indexed by package name. */
export class AdvisoryIndex {
  private readonly byName = new Map<string, { advisory: Advisory; pkg: AffectedPackage }[]>();

  constructor(advisories: readonly Advisory[]) {
    for (const a of advisories)
      for (const p of a.affected) {
        const l = this.byName.get(p.name) ?? [];
        l.push({ advisory: a, pkg: p });
        this.byName.set(p.name, l);
      }
  }

  get size(): number {
    return this.byName.size;
  }

  /** The advisories that apply to a record's version. */
  match(record: PackageRecord): AdvisoryMatch[] {
    const list = this.byName.get(record.name.toLowerCase());
    if (!list) return [];
    let v: Version;
    try {
      v = record.parsedVersion;
    } catch {
      return [];
    }
    const out: AdvisoryMatch[] = [];
    for (const { advisory, pkg } of list) {
      const r = affects(pkg, v, record.version);
      if (r.hit && !out.some((m) => m.advisory === advisory)) out.push({ advisory, fixed: r.fixed });
    }
    return out;
  }
}
