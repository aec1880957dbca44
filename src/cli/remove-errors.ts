import { TaipanError } from "../conda/errors.js";

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
