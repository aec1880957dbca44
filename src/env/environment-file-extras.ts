import { matchSpecName } from "../conda/spec-name.js";
import { readPrefixRecords } from "../install/conda-meta.js";
import type { EnvironmentFile } from "./environment-file.js";
import { isEnvironment } from "./environments.js";
import { installPipRequirements, PipNotAvailableError } from "./pip-section.js";
import { readStateEnvVars, writePrefixEnvVars } from "./prefix-env-vars.js";
import type { RunOptions } from "./run-in-environment.js";
import type { SpecInput } from "./spec-input.js";

// What an environment file adds besides conda packages: `variables:` and a `pip:` section.

/**
 * A `pip:` section needs pip in the environment. conda finds out only after installing the conda
 * packages; checking first leaves no half-made environment behind.
 */
export function checkPipAvailable(prefix: string, input: SpecInput): void {
  if (!input.environment?.pip.length) return;
  if (input.specs.some((s) => matchSpecName(s) === "pip")) return;
  if (isEnvironment(prefix) && readPrefixRecords(prefix).some((p) => p.record.name === "pip")) return;
  throw new PipNotAvailableError(prefix, "pip");
}

/**
 * After the conda packages: the file's variables (merged, as conda's set_environment_env_vars) and
 * its pip section, installed from `workdir` (the file's directory, so `-e .` resolves there).
 * `replace` (a replaced environment, create -y) keeps none of the old variables; update merges.
 */
export async function finishEnvironmentFromFile(
  prefix: string,
  env: EnvironmentFile,
  options: { replace: boolean; workdir: string; config: RunOptions["config"]; stdio?: RunOptions["stdio"] },
): Promise<void> {
  const current = readStateEnvVars(prefix);
  if (Object.keys(env.variables).length > 0 || (options.replace && Object.keys(current).length > 0))
    writePrefixEnvVars(prefix, { ...(options.replace ? {} : current), ...env.variables });
  if (env.pip.length > 0)
    await installPipRequirements(prefix, env.pip, {
      workdir: options.workdir,
      config: options.config,
      stdio: options.stdio,
    });
}
