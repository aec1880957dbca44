import { TaipanError } from "./errors.js";

/** The two artifact extensions conda knows (CEP 26: `tar.bz2` is v1, `conda` is v2). */
export type ArchiveExtension = ".conda" | ".tar.bz2";

export const ARCHIVE_EXTENSIONS: readonly ArchiveExtension[] = Object.freeze([".conda", ".tar.bz2"]);

/** A package filename split into its parts. */
export interface ArchiveName {
  name: string;
  version: string;
  build: string;
  ext: ArchiveExtension;
  /** `name-version-build` (the package-cache directory name). */
  distName: string;
  /** The filename itself: `name-version-build.ext`. */
  fn: string;
}

/** A package filename, package name, version or build string that breaks the conda grammar. */
export class InvalidPackageNameError extends TaipanError {
  readonly input: string;
  readonly expected: string;
  constructor(input: string, expected: string, reason: string, hint?: string) {
    super("INVALID_PACKAGE_NAME", `invalid ${expected} '${input}': ${reason}`, {
      hint,
      exceptionName: "CondaValueError",
    });
    this.input = input;
    this.expected = expected;
  }
}

/** Splits off `.conda` / `.tar.bz2`: `[stem, ext]`, or `[fn, undefined]` when neither ends it. */
export function splitArchiveExtension(fn: string): [string, ArchiveExtension | undefined] {
  for (const ext of ARCHIVE_EXTENSIONS) if (fn.endsWith(ext)) return [fn.slice(0, -ext.length), ext];
  return [fn, undefined];
}

/**
 * Parses `name-version-build.conda|.tar.bz2`. Like conda, the stem is split at its last two dashes,
 * so names may contain dashes but versions and builds may not. A path or URL is reduced to its last
 * segment first. With `validate`, each part must also satisfy CEP 26.
 */
export function parseArchiveFilename(fn: string, options: { validate?: boolean } = {}): ArchiveName {
  if (typeof fn !== "string")
    throw new InvalidPackageNameError(String(fn), "package filename", "expected a string");
  const base = fn.slice(Math.max(fn.lastIndexOf("/"), fn.lastIndexOf("\\")) + 1);
  const [stem, ext] = splitArchiveExtension(base);
  if (!ext)
    throw new InvalidPackageNameError(
      fn,
      "package filename",
      "it does not end in .conda or .tar.bz2",
      "conda packages are named <name>-<version>-<build>.conda or .tar.bz2.",
    );
  const b = stem.lastIndexOf("-");
  const v = b > 0 ? stem.lastIndexOf("-", b - 1) : -1;
  if (b < 0 || v <= 0)
    throw new InvalidPackageNameError(
      fn,
      "package filename",
      "expected <name>-<version>-<build> before the extension",
      "conda packages are named <name>-<version>-<build>.conda or .tar.bz2.",
    );
  const name = stem.slice(0, v);
  const version = stem.slice(v + 1, b);
  const build = stem.slice(b + 1);
  if (!version || !build)
    throw new InvalidPackageNameError(fn, "package filename", `empty ${version ? "build" : "version"} part`);
  if (options.validate) {
    assertValidPackageName(name);
    assertValidVersionString(version);
    assertValidBuildString(build);
    if (base.length > 211)
      throw new InvalidPackageNameError(fn, "package filename", "longer than 211 characters (CEP 26)");
  }
  return { name, version, build, ext, distName: stem, fn: base };
}

/** Like {@link parseArchiveFilename} but returns `undefined` instead of throwing. */
export function tryParseArchiveFilename(fn: string): ArchiveName | undefined {
  try {
    return parseArchiveFilename(fn);
  } catch {
    return undefined;
  }
}

// CEP 26 grammar. The regexes are the CEP's own; the CEP's prose asks for lowercase names, so the
// case-insensitive flag it mentions is not used for names (conda's own repodata has no uppercase names).
const NAME_RE = /^(([a-z0-9])|([a-z0-9_](?!_)))[._-]?([a-z0-9]+(\.|-|_|$))*$/;
const VIRTUAL_NAME_RE = /^__[a-z0-9][._-]?([a-z0-9]+(\.|-|_|$))*$/;
const VERSION_CHARS_RE = /^[0-9a-z._+!]+$/;
const BUILD_RE = /^[a-zA-Z0-9_.+]+$/;
const SUBDIR_RE = /^[a-z0-9]+-[a-z0-9]+$/;
const EXTENSION_RE = /^[a-z0-9](\.?[a-z0-9])*$/;
const LABEL_RE = /^[a-zA-Z][0-9a-zA-Z_\-./]*$/;

/** Why `name` is not a CEP 26 package name, or `undefined` when it is one. Virtual names start with `__`. */
export function packageNameProblem(name: string): string | undefined {
  if (!name) return "empty";
  if (name.length > 64) return "longer than 64 characters";
  if (/[A-Z]/.test(name)) return "package names are lowercase";
  if (name.startsWith("__")) {
    return VIRTUAL_NAME_RE.test(name)
      ? undefined
      : "virtual package names are __ followed by lowercase letters, digits and single . _ - separators";
  }
  if (!/^[a-z0-9._-]+$/.test(name)) return "only lowercase letters, digits, '.', '_' and '-' are allowed";
  if (/[._-]{2}/.test(name)) return "two separators in a row";
  if (!NAME_RE.test(name)) return "must start with a letter, a digit or a single '_'";
  return undefined;
}

/** Why `version` is not a CEP 26 version string, or `undefined`. */
export function versionStringProblem(version: string): string | undefined {
  if (!version) return "empty";
  if (version.length > 64) return "longer than 64 characters";
  if (!VERSION_CHARS_RE.test(version))
    return "only lowercase letters, digits, '.', '_', '+' and '!' are allowed";
  return undefined;
}

/** Why `build` is not a CEP 26 build string, or `undefined`. */
export function buildStringProblem(build: string): string | undefined {
  if (!build) return "empty";
  if (build.length > 64) return "longer than 64 characters";
  if (!BUILD_RE.test(build)) return "only letters, digits, '.', '_' and '+' are allowed";
  return undefined;
}

export const isValidPackageName = (name: string): boolean => packageNameProblem(name) === undefined;
export const isValidVersionString = (v: string): boolean => versionStringProblem(v) === undefined;
export const isValidBuildString = (b: string): boolean => buildStringProblem(b) === undefined;

/** CEP 26 subdir names: `noarch` or `<os>-<arch>` of lowercase letters and digits, at most 32 characters. */
export function isValidSubdirName(s: string): boolean {
  return s === "noarch" || (s.length <= 32 && SUBDIR_RE.test(s));
}

/** CEP 26 artifact extensions (without the leading dot): `conda`, `tar.bz2`. */
export function isValidArtifactExtension(ext: string): boolean {
  return ext.length <= 16 && EXTENSION_RE.test(ext);
}

/** CEP 26 channel label names (`main`, `dev`, `gcc7/rc`…), at most 128 characters. */
export function isValidLabelName(label: string): boolean {
  return label.length <= 128 && LABEL_RE.test(label);
}

export function assertValidPackageName(name: string): void {
  const p = packageNameProblem(name);
  if (p)
    throw new InvalidPackageNameError(
      name,
      "package name",
      p,
      "Package names use lowercase letters, digits and single '.', '_' or '-' separators (CEP 26).",
    );
}

export function assertValidVersionString(version: string): void {
  const p = versionStringProblem(version);
  if (p)
    throw new InvalidPackageNameError(version, "version string", p, "See CEP 26 for the allowed characters.");
}

export function assertValidBuildString(build: string): void {
  const p = buildStringProblem(build);
  if (p)
    throw new InvalidPackageNameError(build, "build string", p, "See CEP 26 for the allowed characters.");
}
