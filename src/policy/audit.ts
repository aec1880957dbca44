import type { PackageRecord } from "../conda/package-record.js";
import type { Violation } from "./errors.js";
import type { Policy } from "./policy.js";

/** One installed package that breaks at least one rule. */
export interface AuditFinding {
  record: PackageRecord;
  violations: Violation[];
}

export interface AuditReport {
  /** Number of records checked. */
  checked: number;
  /** Ids of the rules in force. */
  rules: string[];
  findings: AuditFinding[];
  ok: boolean;
}

/**
 * Checks an environment's records (its conda-meta) against a policy: the same verdicts the solver
 * would reach for these records today, so an environment made before a rule (or an advisory)
 * existed shows what now breaks it. Findings are sorted by package name.
 */
export function auditRecords(records: readonly PackageRecord[], policy: Policy): AuditReport {
  const findings: AuditFinding[] = [];
  for (const record of records) {
    const e = policy.evaluate(record);
    if (!e.allowed) findings.push({ record, violations: e.violations });
  }
  findings.sort((a, b) => (a.record.name < b.record.name ? -1 : a.record.name > b.record.name ? 1 : 0));
  return {
    checked: records.length,
    rules: policy.rules.map((r) => r.id),
    findings,
    ok: findings.length === 0,
  };
}

/** A finding as plain JSON (for `taipan audit --json`). */
export function auditFindingToJson(f: AuditFinding): Record<string, unknown> {
  return {
    name: f.record.name,
    version: f.record.version,
    build: f.record.build,
    channel: f.record.channel,
    subdir: f.record.subdir,
    license: f.record.license,
    violations: f.violations.map((v) => ({
      rule: v.ruleId,
      reason: v.reason,
      ...(v.advisory ? { advisory: v.advisory } : {}),
    })),
  };
}
