import { MatchSpec } from "../../conda/match-spec.js";
import type { PackageRecord } from "../../conda/package-record.js";
import type { VersionSpec } from "../../conda/version-spec.js";

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

/** Parses a spec string for the solver with conda's full MatchSpec grammar. */
export function parseSolverSpec(text: string): VersionedSpec {
  return new TextSpec(text);
}
