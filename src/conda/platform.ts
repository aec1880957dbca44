import { endianness } from "node:os";
import { TaipanError } from "./errors.js";

/** A conda subdir string such as `linux-64` or `noarch`. */
export type Subdir = string;

/** The operating-system half of a subdir (`noarch` has none). */
export type PlatformOs = "linux" | "osx" | "win" | "freebsd" | "emscripten" | "wasi" | "zos";

/**
 * Every subdir taipan recognises: the union of conda's `KNOWN_SUBDIRS` (conda 25.x:
 * conda/base/constants.py) and rattler's `Platform` enum (which adds `linux-riscv32`).
 * Kept sorted as conda sorts it so error hints read well.
 */
export const KNOWN_SUBDIRS: readonly Subdir[] = Object.freeze([
  "emscripten-wasm32",
  "freebsd-64",
  "linux-32",
  "linux-64",
  "linux-aarch64",
  "linux-armv6l",
  "linux-armv7l",
  "linux-ppc64",
  "linux-ppc64le",
  "linux-riscv32",
  "linux-riscv64",
  "linux-s390x",
  "noarch",
  "osx-64",
  "osx-arm64",
  "wasi-wasm32",
  "win-32",
  "win-64",
  "win-arm64",
  "zos-z",
]);

const KNOWN = new Set(KNOWN_SUBDIRS);

/** Thrown for a string that is not a known conda subdir. */
export class PlatformParseError extends TaipanError {
  readonly input: string;
  constructor(input: string, reason?: string, hint?: string) {
    super("INVALID_PLATFORM", `invalid platform '${input}': ${reason ?? "not a known conda subdir"}`, {
      hint: hint ?? `Use one of: ${KNOWN_SUBDIRS.join(", ")}.`,
      exceptionName: "CondaValueError",
    });
    this.input = input;
  }
}

/**
 * The machine name conda associates with a subdir's arch part. conda writes `64`/`32` for x86
 * (`_arch_names` in conda/base/context.py) and the raw `platform.machine()` for everything else.
 */
function machineFor(os: string, archPart: string): string {
  if (archPart === "64") return "x86_64";
  if (archPart === "32") return "x86";
  if (os === "zos") return "z";
  return archPart;
}

/**
 * A conda platform (subdir) with its os/arch split. Instances are interned, so `===` works and
 * `Platform.parse("linux-64") === Platform.parse("linux-64")`.
 */
export class Platform {
  /** The subdir string, e.g. `linux-64`. */
  readonly subdir: Subdir;
  /** `linux`, `osx`, `win`, … or `undefined` for `noarch`. */
  readonly os: PlatformOs | undefined;
  /** conda's machine name: `x86_64`, `x86`, `aarch64`, `arm64`, `ppc64le`, `wasm32`, `z`… (`undefined` for noarch). */
  readonly arch: string | undefined;

  private constructor(subdir: Subdir) {
    this.subdir = subdir;
    if (subdir === "noarch") {
      this.os = undefined;
      this.arch = undefined;
    } else {
      const dash = subdir.indexOf("-");
      const os = subdir.slice(0, dash) as PlatformOs;
      this.os = os;
      this.arch = machineFor(os, subdir.slice(dash + 1));
    }
  }

  private static readonly interned = new Map<string, Platform>();

  /** Parses a subdir; throws {@link PlatformParseError} for anything not in {@link KNOWN_SUBDIRS}. */
  static parse(s: string): Platform {
    const p = Platform.tryParse(s);
    if (p) return p;
    if (typeof s !== "string") throw new PlatformParseError(String(s), "expected a string");
    const lower = s.trim().toLowerCase();
    if (lower !== s && KNOWN.has(lower))
      throw new PlatformParseError(s, "subdirs are lowercase without spaces", `Did you mean '${lower}'?`);
    throw new PlatformParseError(s);
  }

  /** Like {@link parse} but returns `undefined` for unknown input. */
  static tryParse(s: string): Platform | undefined {
    if (typeof s !== "string" || !KNOWN.has(s)) return undefined;
    let p = Platform.interned.get(s);
    if (!p) {
      p = new Platform(s);
      Platform.interned.set(s, p);
    }
    return p;
  }

  /** Whether `s` is a subdir taipan knows. */
  static isKnown(s: string): boolean {
    return KNOWN.has(s);
  }

  /** Every known platform, `noarch` included. */
  static all(): Platform[] {
    return KNOWN_SUBDIRS.map((s) => Platform.parse(s));
  }

  /** The platform conda would target here: `CONDA_SUBDIR` when set, else the host (see {@link currentSubdir}). */
  static current(env: NodeJS.ProcessEnv = process.env): Platform {
    return Platform.parse(currentSubdir(env));
  }

  /** The host's own platform, ignoring `CONDA_SUBDIR`. */
  static native(): Platform {
    return Platform.parse(nativeSubdir());
  }

  get isNoarch(): boolean {
    return this.subdir === "noarch";
  }
  get isLinux(): boolean {
    return this.os === "linux";
  }
  get isOsx(): boolean {
    return this.os === "osx";
  }
  get isWindows(): boolean {
    return this.os === "win";
  }
  /**
   * The subdirs that get the `__unix` virtual package: CEP 30 names linux-*, osx-*, freebsd-* and
   * emscripten-* (rattler's `is_unix` agrees on emscripten; conda 25.x still leaves it out).
   */
  get isUnix(): boolean {
    return this.os === "linux" || this.os === "osx" || this.os === "freebsd" || this.os === "emscripten";
  }

  toString(): string {
    return this.subdir;
  }

  toJSON(): string {
    return this.subdir;
  }
}

/** The os/arch split of a subdir (the planned `subdirInfo` name for {@link Platform.parse}). */
export function subdirInfo(s: Subdir): Platform {
  return Platform.parse(s);
}

/** Node's `process.platform` → conda's platform word (conda's `_platform_map`). */
const NODE_OS: Record<string, PlatformOs> = {
  linux: "linux",
  darwin: "osx",
  win32: "win",
  freebsd: "freebsd",
  os390: "zos",
};

/**
 * Node's `process.arch` → conda's subdir arch. x86 becomes `64`/`32` as conda does; arm64 is
 * `aarch64` on Linux but `arm64` on macOS and Windows (the names `platform.machine()` reports there).
 */
function subdirArch(os: PlatformOs, arch: string, armVersion: string | undefined): string | undefined {
  switch (arch) {
    case "x64":
      return "64";
    case "ia32":
      return "32";
    case "arm64":
      return os === "linux" ? "aarch64" : "arm64";
    case "arm":
      return armVersion === "6" ? "armv6l" : "armv7l";
    case "ppc64":
      return endianness() === "LE" ? "ppc64le" : "ppc64";
    case "s390x":
      return os === "zos" ? "z" : "s390x";
    case "riscv64":
      return "riscv64";
    default:
      return undefined;
  }
}

/** Derives a subdir from Node's platform/arch names; `undefined` when conda has no such subdir. */
export function subdirFromNode(platform: string, arch: string, armVersion?: string): Subdir | undefined {
  const os = NODE_OS[platform];
  if (!os) return undefined;
  if (os === "zos") return "zos-z";
  const a = subdirArch(os, arch, armVersion);
  if (!a) return undefined;
  const s = `${os}-${a}`;
  return KNOWN.has(s) ? s : undefined;
}

let nativeCache: Subdir | undefined;

/** The host's subdir from `process.platform` / `process.arch`. Throws when the host has no conda subdir. */
export function nativeSubdir(): Subdir {
  if (nativeCache) return nativeCache;
  const armVersion = (process.config?.variables as Record<string, unknown> | undefined)?.arm_version;
  const s = subdirFromNode(
    process.platform,
    process.arch,
    armVersion === undefined ? undefined : String(armVersion),
  );
  if (!s)
    throw new PlatformParseError(
      `${process.platform}-${process.arch}`,
      "this host has no conda subdir",
      "Set CONDA_SUBDIR to the subdir you want to target (e.g. linux-64).",
    );
  nativeCache = s;
  return s;
}

/**
 * The subdir conda targets: `CONDA_SUBDIR` when set and non-empty (conda's `context.subdir`), else
 * the host's; `CONDA_FORCE_32BIT` turns an x86 host into `<os>-32` as conda's `context.bits` does.
 */
export function currentSubdir(env: NodeJS.ProcessEnv = process.env): Subdir {
  const override = env.CONDA_SUBDIR?.trim();
  if (override) {
    if (!KNOWN.has(override))
      throw new PlatformParseError(
        override,
        "CONDA_SUBDIR is not a known conda subdir",
        `Unset CONDA_SUBDIR or set it to one of: ${KNOWN_SUBDIRS.join(", ")}.`,
      );
    return override;
  }
  const native = nativeSubdir();
  const force32 = env.CONDA_FORCE_32BIT?.trim().toLowerCase();
  if (force32 && ["1", "true", "yes", "on", "y"].includes(force32) && native.endsWith("-64")) {
    const forced = native.replace(/-64$/, "-32");
    if (KNOWN.has(forced)) return forced;
  }
  return native;
}
