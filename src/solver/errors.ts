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

/** A requested spec matches no package in the channels searched (conda's PackagesNotFoundError). */
export class PackagesNotFoundError extends TaipanError {
  readonly packages: string[];
  readonly channels: string[];

  constructor(packages: string[], channels: string[] = []) {
    const where = channels.length
      ? `\n\nCurrent channels:\n${channels.map((c) => `  - ${c}`).join("\n")}`
      : "";
    super(
      "PACKAGES_NOT_FOUND",
      `The following packages are not available from current channels:\n\n${packages.map((p) => `  - ${p}`).join("\n")}${where}`,
      {
        hint: "Check the spelling and version, search other channels (`-c conda-forge`), or relax the version.",
        exceptionName: "PackagesNotFoundError",
      },
    );
    this.packages = packages;
    this.channels = channels;
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
