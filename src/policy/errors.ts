import { TaipanError } from "../conda/errors.js";

/** A policy file (or advisory file) that cannot be read or does not have the expected shape. */
export class PolicyFileError extends TaipanError {
  readonly file: string;
  readonly rule: string | undefined;
  readonly field: string | undefined;

  constructor(file: string, problem: string, opts: { rule?: string; field?: string; cause?: unknown } = {}) {
    const where = [
      opts.rule === undefined ? "" : `rule '${opts.rule}'`,
      opts.field === undefined ? "" : `field '${opts.field}'`,
    ]
      .filter((s) => s)
      .join(", ");
    super("POLICY_INVALID", `invalid policy file ${file}${where ? ` (${where})` : ""}: ${problem}`, {
      hint: "Fix the policy file (see `taipan audit --help` for its format), or point policy_file / TAIPAN_POLICY elsewhere.",
      exceptionName: "PolicyFileError",
      cause: opts.cause,
    });
    this.file = file;
    this.rule = opts.rule;
    this.field = opts.field;
  }
}

/** One broken rule: which rule, and the reason shown to users. */
export interface Violation {
  ruleId: string;
  reason: string;
  /** Set for advisory violations. */
  advisory?: { id: string; severity?: string; score?: number; fixed?: string; summary?: string };
}

/** A request or environment breaks the policy: every offending package with the rules it breaks. */
export class PolicyViolationError extends TaipanError {
  readonly violations: { package: string; violations: Violation[] }[];

  constructor(violations: { package: string; violations: Violation[] }[], hint?: string) {
    const lines = violations.flatMap((v) =>
      v.violations.map((x) => `  - ${v.package}: ${x.reason} [rule ${x.ruleId}]`),
    );
    super("POLICY_VIOLATION", `The following packages are not allowed by policy:\n${lines.join("\n")}`, {
      hint: hint ?? "Choose other versions or channels, or ask the policy's owner for an exception.",
      exceptionName: "PolicyViolationError",
    });
    this.violations = violations;
  }
}
