import { ParseError } from "../../conda/errors.js";
import type { PackageRecord } from "../../conda/package-record.js";
import { VersionSpec } from "../../conda/version-spec.js";

/**
 * What the solver needs from a match spec: the package name it constrains, a record predicate,
 * and its text for explanations. `MatchSpec` (src/conda/match-spec.ts) satisfies this shape, so
 * callers may pass parsed MatchSpecs; strings are parsed by {@link parseSolverSpec}.
 */
export interface SolverSpec {
  readonly name: string;
  matches(record: PackageRecord): boolean;
  toString(): string;
}

/** Parsed version constraint of a spec, when it has one (used to merge ranges in explanations). */
export interface VersionedSpec extends SolverSpec {
  readonly version?: VersionSpec;
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${body}$`);
}

/**
 * The subset of conda's MatchSpec grammar that appears in requests and repodata `depends` /
 * `constrains`: `name`, `name VERSION [BUILD]`, `name=VER[=BUILD]`, `name>=1,<2`, `channel::name`,
 * and bracket keys `[version=..., build=..., build_number=...]`. Kept small on purpose; it is
 * replaced by the full `MatchSpec` where available.
 */
class SimpleSpec implements VersionedSpec {
  readonly name: string;
  readonly version?: VersionSpec;
  readonly build?: RegExp;
  readonly buildNumber?: number;
  private readonly text: string;

  constructor(text: string) {
    this.text = text.trim();
    let s = this.text;
    const colons = s.lastIndexOf("::");
    if (colons >= 0) s = s.slice(colons + 2);
    let version: string | undefined;
    let build: string | undefined;
    let bn: string | undefined;
    const br = s.indexOf("[");
    if (br >= 0) {
      const inner = s.slice(br + 1, s.lastIndexOf("]"));
      s = s.slice(0, br);
      for (const m of inner.matchAll(/(\w+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^,]*))/g)) {
        const val = (m[2] ?? m[3] ?? m[4] ?? "").trim();
        if (m[1] === "version") version = val;
        else if (m[1] === "build") build = val;
        else if (m[1] === "build_number") bn = val;
      }
    }
    s = s.trim();
    const m = /^([^\s=<>!~]+)\s*(.*)$/.exec(s);
    if (!m) throw new ParseError(text, "MatchSpec", "no package name");
    this.name = m[1].toLowerCase();
    let rest = m[2].trim();
    if (rest) {
      if (rest.startsWith("=") && !rest.startsWith("==") && !/\s/.test(rest)) {
        // conda: name=1.5 is 1.5.* (fuzzy); name=1.5=build is exact 1.5 with a build
        const parts = rest.slice(1).split("=");
        if (parts.length >= 2 && parts[1] !== "") {
          version ??= parts[0];
          build ??= parts.slice(1).join("=");
        } else version ??= parts[0].endsWith("*") ? parts[0] : `${parts[0]}*`;
        rest = "";
      } else {
        const parts = rest.split(/\s+/);
        version ??= parts[0];
        if (parts[1]) build ??= parts[1];
      }
    }
    if (version !== undefined && version !== "*") this.version = VersionSpec.parse(version);
    if (build !== undefined && build !== "*") this.build = globToRegExp(build);
    if (bn !== undefined && /^\d+$/.test(bn)) this.buildNumber = Number(bn);
  }

  matches(r: PackageRecord): boolean {
    if (r.name !== this.name) return false;
    if (this.version && !this.version.matches(r.parsedVersion)) return false;
    if (this.build && !this.build.test(r.build)) return false;
    if (this.buildNumber !== undefined && r.build_number !== this.buildNumber) return false;
    return true;
  }

  toString(): string {
    return this.text;
  }
}

/** Parses a spec string for the solver. */
export function parseSolverSpec(text: string): VersionedSpec {
  return new SimpleSpec(text);
}
