import { TaipanError } from "../conda/errors.js";

/** A node of a conflict explanation: a statement and the facts that lead to it. */
export interface ConflictNode {
  text: string;
  children: ConflictNode[];
}

/** The request cannot be satisfied; `tree` says why in terms of specs and dependency chains. */
export class UnsatisfiableError extends TaipanError {
  readonly specs: string[];
  readonly tree: ConflictNode[];

  constructor(message: string, specs: string[], tree: ConflictNode[], hint?: string) {
    super("UNSATISFIABLE", message, {
      hint:
        hint ??
        "Relax the version of one of the conflicting specs, or add a channel that has compatible builds.",
      exceptionName: "UnsatisfiableError",
    });
    this.specs = specs;
    this.tree = tree;
  }
}

/** A requested spec whose matching records all exist but are excluded (by a policy), grouped by reason. */
export interface ExcludedMatches {
  spec: string;
  groups: { records: string; reason: string }[];
}

/**
 * A requested spec matches no package in the channels searched (conda's PackagesNotFoundError),
 * or, with `excluded`, only packages a policy excludes.
 */
export class PackagesNotFoundError extends TaipanError {
  readonly packages: string[];
  readonly channels: string[];
  readonly excluded: ExcludedMatches[];

  constructor(packages: string[], channels: string[] = [], excluded: ExcludedMatches[] = []) {
    const where = channels.length
      ? `\n\nCurrent channels:\n${channels.map((c) => `  - ${c}`).join("\n")}`
      : "";
    const why = excluded.length
      ? `\n\nMatching packages exist, but every one of them is excluded by policy:\n${excluded
          .flatMap((x) => x.groups.map((g) => `  - ${x.spec}: ${g.records} is excluded (${g.reason})`))
          .join("\n")}`
      : "";
    super(
      "PACKAGES_NOT_FOUND",
      `The following packages are not available from current channels:\n\n${packages.map((p) => `  - ${p}`).join("\n")}${why}${where}`,
      {
        hint: excluded.length
          ? "Request a version the policy allows, or ask the policy's owner for an exception (`taipan audit --help` describes policies)."
          : "Check the spelling and version, search other channels (`-c conda-forge`), or relax the version.",
        exceptionName: "PackagesNotFoundError",
      },
    );
    this.packages = packages;
    this.channels = channels;
    this.excluded = excluded;
  }
}

/** The solve was stopped by its conflict/time budget or cancelled through an AbortSignal. */
export class SolveAbortedError extends TaipanError {
  constructor(reason: "budget" | "aborted", detail: string) {
    super(reason === "aborted" ? "SOLVE_CANCELLED" : "SOLVE_BUDGET_EXCEEDED", detail, {
      hint:
        reason === "aborted"
          ? "The solve was cancelled."
          : "Pin some packages to narrower versions to make the problem smaller, or raise the solver budget.",
    });
  }
}
