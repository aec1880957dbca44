import { readFileSync } from "node:fs";
import { TaipanError } from "../conda/errors.js";
import { type EnvironmentFile, parseEnvironmentFile } from "./environment-file.js";
import { type ExplicitFile, isExplicitText, parseExplicitFile } from "./explicit-file.js";
import { isLockFileName, looksLikeLockText, parseLockFile } from "./lockfile/parse.js";
import { type LockSelection, type LockSelectOptions, selectLockedPackages } from "./lockfile/select.js";

/** What `--file` arguments hold: match specs, an @EXPLICIT list, or an environment.yml. */
export interface SpecInput {
  specs: string[];
  explicit?: ExplicitFile;
  environment?: EnvironmentFile;
  /** A conda-lock/pixi lock file's chosen environment+platform; its conda packages are `explicit`. */
  lock?: LockSelection;
  /** Things the user should see (pypi entries of a lock file that were skipped). */
  warnings?: string[];
}

export class SpecFileError extends TaipanError {
  constructor(file: string, reason: string) {
    super("SPEC_FILE", `cannot read spec file '${file}': ${reason}`, {
      hint: "Give a file with one match spec per line, an @EXPLICIT file, or an environment.yml.",
      exceptionName: "CondaFileIOError",
    });
  }
}

/** An environment file names an installer taipan has no plugin for (conda's InvalidInstaller). */
export class UnknownInstallerError extends TaipanError {
  constructor(file: string, installers: string[]) {
    super(
      "UNKNOWN_INSTALLER",
      `${file} lists packages for ${installers.map((i) => `'${i}:'`).join(", ")}, which taipan cannot install`,
      {
        hint: "Only conda packages and a 'pip:' section are supported; remove the other sections from the file.",
        exceptionName: "InvalidInstaller",
      },
    );
  }
}

/**
 * Reads `--file` arguments as conda does: an @EXPLICIT file installs exactly its URLs, a
 * `.yml`/`.yaml` file is an environment file, anything else is one spec per line (`#` comments).
 */
export function readSpecInput(
  files: readonly string[],
  specs: readonly string[],
  lockOptions: LockSelectOptions = {},
): SpecInput {
  const out: SpecInput = { specs: [...specs] };
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new SpecFileError(
        file,
        (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(e),
      );
    }
    if (isLockFileName(file) || looksLikeLockText(text)) {
      // A lock file is an explicit list once an environment and platform are chosen: installed
      // exactly, hashes verified, no solve (what `conda-lock install` and `pixi install` do).
      if (out.explicit) throw new SpecFileError(file, "only one @EXPLICIT or lock file can be given");
      out.lock = selectLockedPackages(parseLockFile(text, file), file, lockOptions);
      out.explicit = out.lock.explicit;
      if (out.lock.warnings.length > 0) out.warnings = [...(out.warnings ?? []), ...out.lock.warnings];
    } else if (isExplicitText(text)) {
      if (out.explicit) throw new SpecFileError(file, "only one @EXPLICIT or lock file can be given");
      out.explicit = parseExplicitFile(text, file);
    } else if (/\.ya?ml$/i.test(file)) {
      out.environment = parseEnvironmentFile(text, file);
      out.specs.push(...out.environment.dependencies);
    } else {
      for (const line of text.split(/\r?\n/)) {
        const s = line.replace(/#.*/, "").trim();
        if (s) out.specs.push(s);
      }
    }
  }
  if (out.explicit && out.specs.length > 0)
    throw new SpecFileError(files.join(", "), "an @EXPLICIT file cannot be combined with other specs");
  return out;
}

/**
 * Puts an environment file's channels after `-c` and before the configured ones, as conda does;
 * `nodefaults` in the file means "not the configured channels" (it is no channel name), and
 * `--override-channels` ignores the file's channels as well.
 */
export function applyFileChannels(
  opts: { channel?: string[]; overrideChannels?: boolean },
  input: SpecInput,
): void {
  const fileChannels = input.environment?.channels ?? [];
  if (opts.overrideChannels || fileChannels.length === 0) return;
  opts.channel = [...(opts.channel ?? []), ...fileChannels.filter((c) => c !== "nodefaults")];
  if (fileChannels.includes("nodefaults")) opts.overrideChannels = true;
}

/**
 * Reads the file `env create/update -f` takes (an environment.yml or @EXPLICIT file) and refuses
 * sections for installers other than conda and pip, before anything is installed.
 */
export function readEnvironmentSpecFile(file: string, lockOptions: LockSelectOptions = {}): SpecInput {
  const input = readSpecInput([file], [], lockOptions);
  const others = Object.keys(input.environment?.otherInstallers ?? {});
  if (others.length > 0) throw new UnknownInstallerError(file, others);
  return input;
}
