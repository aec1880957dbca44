import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { LoadedConfig } from "../env/config.js";
import { registerEnvironment } from "../env/environments.js";
import { appendHistory } from "../install/history.js";
import { VERSION } from "../taipan-version.js";

/**
 * conda's `create` with nothing to install: the environment is just `conda-meta/history` (one
 * revision that adds nothing), registered in environments.txt like any other.
 */
export function createEmptyEnvironment(
  prefix: string,
  config: Pick<LoadedConfig, "home">,
  cmd: string,
): void {
  mkdirSync(join(prefix, "conda-meta"), { recursive: true });
  appendHistory(prefix, { cmd, version: VERSION, added: [], removed: [] });
  registerEnvironment(prefix, config);
}
