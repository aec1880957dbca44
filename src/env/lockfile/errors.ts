import { TaipanError } from "../../conda/errors.js";

/** The file looks like a lock file but is not one taipan understands. */
export class LockFileError extends TaipanError {
  constructor(file: string, reason: string, hint?: string) {
    super("LOCK_FILE", `cannot read lock file '${file}': ${reason}`, {
      hint:
        hint ??
        "Give a conda-lock file (conda-lock.yml, *.lock.yml) or a pixi.lock written by conda-lock or pixi.",
      exceptionName: "CondaValueError",
    });
  }
}

/** The requested environment or platform is not in the lock file; the message lists what is. */
export class LockSelectionError extends TaipanError {
  constructor(file: string, what: "environment" | "platform", wanted: string, available: readonly string[]) {
    super(
      what === "environment" ? "LOCK_NO_ENVIRONMENT" : "LOCK_NO_PLATFORM",
      `lock file '${file}' has no ${what} '${wanted}'; it has: ${available.length ? available.join(", ") : "(none)"}`,
      {
        hint:
          what === "environment"
            ? "Choose one of the listed environments."
            : "Choose one of the listed platforms (CONDA_SUBDIR or --platform), or re-lock for this one.",
        exceptionName: "CondaValueError",
      },
    );
  }
}

/** Entries taipan has no installer for (pypi packages, packages built from source). */
export class LockUnsupportedPackagesError extends TaipanError {
  constructor(file: string, kind: "pypi" | "source", names: readonly string[]) {
    super(
      kind === "pypi" ? "LOCK_PYPI_UNSUPPORTED" : "LOCK_SOURCE_UNSUPPORTED",
      `lock file '${file}' lists ${kind === "pypi" ? "pypi" : "source-built conda"} packages, which are not installable by taipan yet: ${names.join(", ")}`,
      {
        hint:
          kind === "pypi"
            ? "Install the conda packages without them, then install the Python packages with pip inside the environment."
            : "Build those packages into a channel first and lock against it.",
        exceptionName: "CondaValueError",
      },
    );
  }
}
