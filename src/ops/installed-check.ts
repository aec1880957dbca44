import { TaipanError } from "../conda/errors.js";
import { matchSpecName } from "../conda/spec-name.js";
import { readPrefixRecords } from "../install/conda-meta.js";

/** conda's PackagesNotFoundError for `remove`: the names are not installed in the prefix. */
export class PackagesNotInstalledError extends TaipanError {
  constructor(prefix: string, names: string[]) {
    super(
      "PACKAGES_NOT_INSTALLED",
      `the following packages are missing from the target environment ${prefix}:\n${names.map((n) => `  - ${n}`).join("\n")}`,
      { hint: "See what is installed with `taipan list -p PREFIX`.", exceptionName: "PackagesNotFoundError" },
    );
  }
}

/**
 * `remove` takes only installed packages: the names (or specs, by their name) the prefix does not
 * have are refused before anything is solved.
 */
export function checkInstalled(prefix: string, specs: readonly string[]): void {
  const installed = new Set(readPrefixRecords(prefix).map((p) => p.record.name));
  const missing = specs.filter((s) => !installed.has(matchSpecName(s) ?? s));
  if (missing.length) throw new PackagesNotInstalledError(prefix, missing);
}
