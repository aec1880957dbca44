import type { PackageRecord } from "../conda/package-record.js";
import { PolicyViolationError } from "./errors.js";
import type { Policy } from "./policy.js";

/**
 * Throws `PolicyViolationError` naming every record the policy forbids, with each rule and reason.
 * For installs that do not go through the solver (an `@EXPLICIT` file, a lock file): the solver
 * already leaves forbidden candidates out, but an exact list has no alternatives to choose from.
 */
export function enforcePolicy(records: readonly PackageRecord[], policy: Policy): void {
  if (policy.isEmpty) return;
  const bad = records
    .map((r) => ({ r, e: policy.evaluate(r) }))
    .filter((x) => !x.e.allowed)
    .map((x) => ({ package: `${x.r.name}-${x.r.version}-${x.r.build}`, violations: x.e.violations }));
  if (bad.length) throw new PolicyViolationError(bad);
}
