import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { Policy, type PolicyOptions } from "./policy.js";

export interface PolicySources {
  /** `.condarc` `policy_file` ("" or undefined for none). */
  policyFile?: string;
  /** The target prefix: its `conda-meta/policy.yaml` applies too when present. */
  prefix?: string;
  /** Environment (for `TAIPAN_POLICY`); default `process.env`. */
  env?: Record<string, string | undefined>;
}

/**
 * The policy files that apply, in order: `TAIPAN_POLICY` when set (the environment overrides
 * `.condarc`, as conda's `CONDA_*` variables do), else the `.condarc` `policy_file`; then the
 * prefix's own `conda-meta/policy.yaml`. A file named by configuration must exist; the prefix
 * file is optional.
 */
export function policyFiles(src: PolicySources): string[] {
  const env = src.env ?? process.env;
  const files: string[] = [];
  const fromEnv = env.TAIPAN_POLICY?.trim();
  const main = fromEnv ? resolve(fromEnv) : src.policyFile ? resolve(src.policyFile) : undefined;
  if (main) files.push(main);
  if (src.prefix) {
    const own = join(src.prefix, "conda-meta", "policy.yaml");
    if (existsSync(own) && !files.includes(own)) files.push(own);
  }
  return files;
}

/** Loads the policy that applies to an operation (empty when no file applies). */
export function loadPolicy(src: PolicySources, opts: PolicyOptions = {}): Policy {
  return Policy.load(policyFiles(src), opts);
}
