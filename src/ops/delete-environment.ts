import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { TaipanError } from "../conda/errors.js";
import type { LoadedConfig } from "../env/config.js";
import { unregisterEnvironment } from "../env/environments.js";

/** conda refuses to remove the environment the shell has active (main_remove). */
export class ActiveEnvironmentError extends TaipanError {
  constructor(prefix: string) {
    super("ENV_ACTIVE", `cannot remove the active environment ${prefix}`, {
      hint: "Run `taipan deactivate` first, then remove it again.",
      exceptionName: "CondaEnvironmentError",
    });
  }
}

/** Throws ActiveEnvironmentError when `prefix` is the active environment (`CONDA_PREFIX`). */
export function checkNotActive(prefix: string, config: Pick<LoadedConfig, "activePrefix">): void {
  if (config.activePrefix && resolve(config.activePrefix) === resolve(prefix))
    throw new ActiveEnvironmentError(prefix);
}

/**
 * The last step of removing an environment, once its packages are unlinked: the directory and
 * its environments.txt entry go.
 */
export function deleteEnvironmentDir(prefix: string, config: Pick<LoadedConfig, "home">): void {
  rmSync(prefix, { recursive: true, force: true });
  unregisterEnvironment(prefix, config);
}
