import { MatchSpec, plainSpecFields } from "../../conda/match-spec.js";
import type { PackageRecord } from "../../conda/package-record.js";
import type { Version } from "../../conda/version.js";
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

/** A parsed `MatchSpec` that prints as the user wrote it (explanations quote the request). */
class TextSpec implements VersionedSpec {
  readonly name: string;
  readonly version: VersionSpec | undefined;
  private readonly spec: MatchSpec;
  private readonly text: string;

  constructor(text: string) {
    this.spec = MatchSpec.parse(text);
    this.name = this.spec.name;
    this.version = this.spec.version;
    this.text = text.trim();
  }

  matches(r: PackageRecord): boolean {
    return this.spec.matches(r);
  }

  toString(): string {
    return this.text;
  }
}

/**
 * A spec of the plain shapes `name` / `name VERSION` (most dependency strings). It matches exactly
 * as the `MatchSpec` of the same text (name equal to the lower-cased name, version in the range)
 * without building that object: in a fresh process, constructing a full MatchSpec for every
 * dependency string was a sizeable part of a small solve.
 */
class PlainSpec implements VersionedSpec {
  readonly name: string;
  readonly version: VersionSpec | undefined;
  private readonly text: string;
  /** The range to test, undefined when any version matches. */
  private readonly range: VersionSpec | undefined;
  // Candidates arrive sorted by version, so builds of one version are usually adjacent: the
  // answer for the previous version string is reused without touching the record's version.
  private lastVersion: string | undefined;
  private lastResult = false;

  constructor(text: string, name: string, version: VersionSpec | undefined) {
    this.text = text;
    this.name = name;
    this.version = version;
    this.range = version === undefined || version.matchesAll ? undefined : version;
  }

  matches(r: PackageRecord): boolean {
    if (r.name !== this.name) return false;
    const range = this.range;
    if (range === undefined) return true;
    const vs = r.version;
    if (vs === this.lastVersion) return this.lastResult;
    let v: Version | undefined;
    try {
      v = r.parsedVersion;
    } catch {
      v = undefined;
    }
    // An unparsable record version can still satisfy a regex or '@' spec (as MatchSpec does).
    const ok = v === undefined ? range.matches(vs) : range.matches(v);
    this.lastVersion = vs;
    this.lastResult = ok;
    return ok;
  }

  toString(): string {
    return this.text;
  }
}

/** Parses a spec string for the solver with conda's full MatchSpec grammar. */
export function parseSolverSpec(text: string): VersionedSpec {
  const plain = plainSpecFields(text);
  if (plain !== undefined) {
    let version: VersionSpec | undefined;
    try {
      version = plain.version === undefined ? undefined : VersionSpec.parse(plain.version);
    } catch {
      // let MatchSpec raise its error, which names the whole spec
      return new TextSpec(text);
    }
    return new PlainSpec(text.trim(), plain.name.toLowerCase(), version);
  }
  return new TextSpec(text);
}
