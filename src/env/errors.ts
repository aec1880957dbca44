import { TaipanError } from "../conda/errors.js";

/** A `.condarc` that cannot be read, is not YAML, or holds a value of the wrong type. */
export class CondarcError extends TaipanError {
  readonly file: string;
  readonly line: number | undefined;

  constructor(file: string, line: number | undefined, reason: string, hint?: string) {
    const where = line === undefined ? file : `${file}:${line}`;
    super("CONDARC_INVALID", `invalid configuration file ${where}: ${reason}`, {
      hint:
        hint ??
        `Fix or move ${file}; 'taipan config --show-sources' lists every configuration file taipan reads.`,
      exceptionName: "LoadError",
    });
    this.file = file;
    this.line = line;
  }
}

/** `config --set/--add/--remove…` asked for something the key or file cannot take. */
export class ConfigEditError extends TaipanError {
  constructor(message: string, hint?: string) {
    super("CONFIG_EDIT", message, { hint, exceptionName: "CondaKeyError" });
  }
}

/** `-n NAME` names no environment in any `envs_dirs` entry. */
export class EnvironmentNotFoundError extends TaipanError {
  readonly envName: string;

  constructor(name: string, known: string[]) {
    const list =
      known.length > 0 ? ` Known environments: ${known.join(", ")}.` : " No environments exist yet.";
    super("ENVIRONMENT_NOT_FOUND", `environment '${name}' not found.${list}`, {
      hint: `Run 'taipan env list' to see environments, or create it with 'taipan create -n ${name}'.`,
      exceptionName: "EnvironmentNameNotFound",
    });
    this.envName = name;
  }
}

/** An environment name conda would refuse (`/`, spaces, `:`, `#`…) or a prefix that is not one. */
export class InvalidEnvironmentError extends TaipanError {
  constructor(message: string, hint: string) {
    super("ENVIRONMENT_INVALID", message, { hint, exceptionName: "CondaValueError" });
  }
}

/** An environment.yml that is not YAML or whose keys have the wrong shape. */
export class EnvironmentFileError extends TaipanError {
  readonly file: string;
  readonly key: string | undefined;

  constructor(file: string, key: string | undefined, reason: string, hint?: string) {
    super(
      "ENVIRONMENT_FILE_INVALID",
      `invalid environment file ${file}${key ? ` (key '${key}')` : ""}: ${reason}`,
      {
        hint:
          hint ??
          "An environment.yml holds name, channels, dependencies (strings, or a pip: list) and variables.",
        exceptionName: "CondaEnvException",
      },
    );
    this.file = file;
    this.key = key;
  }
}

/** An `@EXPLICIT` file line that is not a package URL. */
export class ExplicitFileError extends TaipanError {
  readonly file: string;
  readonly line: number;

  constructor(file: string, line: number, reason: string, hint?: string) {
    super("EXPLICIT_FILE_INVALID", `invalid explicit file ${file}:${line}: ${reason}`, {
      hint:
        hint ??
        "An @EXPLICIT file lists one package URL per line (optionally with #sha256 or #md5), as 'taipan list --explicit' writes.",
      exceptionName: "CondaFileIOError",
    });
    this.file = file;
    this.line = line;
  }
}

/** Activation was asked for something impossible (unknown shell, not an environment). */
export class ActivationError extends TaipanError {
  constructor(message: string, hint: string) {
    super("ACTIVATION_FAILED", message, { hint, exceptionName: "ActivateError" });
  }
}
