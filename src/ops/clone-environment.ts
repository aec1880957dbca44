import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { TaipanError } from "../conda/errors.js";
import type { LoadedConfig } from "../env/config.js";
import { isEnvPathArgument, resolvePrefix } from "../env/environments.js";
import { readPrefixRecords } from "../install/conda-meta.js";
import { recoverPrefix } from "../install/transaction.js";
import { PackageCache } from "../package/cache.js";
import { enforcePolicy } from "../policy/enforce.js";
import { loadPolicy } from "../policy/load-policy.js";
import { requestedSpecsOf } from "./requested-specs.js";
import type { SolvedEnvironment } from "./solve-environment.js";

/** The source of `create --clone` is not an environment. */
export class CloneSourceError extends TaipanError {
  constructor(source: string, detail: string, hint: string) {
    super("CLONE_SOURCE", `cannot clone '${source}': ${detail}`, {
      hint,
      exceptionName: "DirectoryNotACondaEnvironmentError",
    });
  }
}

/** conda's `--clone` takes a name or a path: a path has a separator or is `.`/`..`. */
export function cloneSourcePrefix(source: string, config: LoadedConfig): string {
  const prefix = isEnvPathArgument(source) ? resolve(source) : resolvePrefix({ name: source }, config);
  if (!existsSync(join(prefix, "conda-meta")))
    throw new CloneSourceError(
      source,
      `${prefix} is not a conda environment (no conda-meta directory)`,
      "Pass an environment name from 'taipan env list', or the path of an environment.",
    );
  return prefix;
}

/**
 * `create --clone SRC`: the new environment is exactly SRC's records (its conda-meta), no solve.
 * The archives come through the package cache (normally already there, from SRC's own install),
 * verified against the records' sha256/md5. SRC's requested specs carry over, so later solves in
 * the clone behave as they would in SRC.
 */
export async function cloneEnvironment(
  source: string,
  prefix: string,
  config: LoadedConfig,
): Promise<SolvedEnvironment> {
  if (resolve(source) === resolve(prefix))
    throw new CloneSourceError(
      source,
      "it is the destination itself",
      "Choose another name (-n) or path (-p).",
    );
  // A crash in the source's last command must not be copied as its state.
  recoverPrefix(source);
  const records = readPrefixRecords(source).map((p) => p.record);
  const noUrl = records.filter((r) => !r.url);
  if (noUrl.length > 0)
    throw new TaipanError(
      "CLONE_NO_URL",
      `cannot clone ${source}: ${noUrl.length} package record(s) have no URL to fetch them from: ${noUrl
        .map((r) => r.distName)
        .sort()
        .join(", ")}`,
      {
        hint: "These were installed from local files or by a tool that left no URL. Create the environment from specs (taipan env export --from-history) or install those packages from their archives (taipan install PATH.conda), then clone.",
        exceptionName: "CondaError",
      },
    );
  enforcePolicy(records, loadPolicy({ policyFile: config.policy_file, prefix }));
  // Fetch (and verify) now, so a missing archive fails before the plan is shown.
  await new PackageCache(config.pkgs_dirs).ensure(records);
  const requested = [...requestedSpecsOf(source).values()];
  return {
    prefix,
    subdir: records.find((r) => r.subdir !== "noarch")?.subdir ?? records[0]?.subdir ?? "noarch",
    records,
    installed: [],
    requestedSpecs: requested,
    updateSpecs: requested,
    removeSpecs: [],
    solve: undefined,
    index: undefined,
  };
}
