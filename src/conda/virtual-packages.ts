import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpus, release } from "node:os";
import { join } from "node:path";
import { buildStringProblem, versionStringProblem } from "./archive-name.js";
import { TaipanError } from "./errors.js";
import { PackageRecord } from "./package-record.js";
import { currentSubdir, nativeSubdir, Platform } from "./platform.js";

/**
 * What the host offers, as far as virtual packages care. Every field is optional: a field left
 * out of an object passed to {@link detectVirtualPackages} is detected; a field present with
 * `undefined` means "the host does not have it" (tests use this to describe any machine).
 */
export interface HostInfo {
  /** The host's own subdir (ignores CONDA_SUBDIR). */
  subdir: string;
  /** `os.release()` on Linux, e.g. `6.8.0-45-generic`. */
  linuxKernel: string | undefined;
  /** GNU libc version (`2.36`); undefined on musl or non-Linux hosts. */
  glibc: string | undefined;
  /** macOS product version (`14.4.1`). */
  macosVersion: string | undefined;
  /** Windows version (`10.0.22631`). */
  windowsVersion: string | undefined;
  /** The host CPU's archspec-style microarchitecture name (see {@link detectArchspec}). */
  archspec: string | undefined;
  /** Latest CUDA version the installed NVIDIA driver supports (`12.4`); undefined without a driver. */
  cudaVersion: string | undefined;
  /** Lowest compute capability among CUDA devices and that device's model (CEP 30 `__cuda_arch`). */
  cudaArch: { version: string; build: string } | undefined;
}

export interface VirtualPackageOptions {
  /** Host facts to use instead of detecting them (fields left out are detected lazily). */
  host?: Partial<HostInfo>;
  /**
   * `__glibc` version for a linux-* target solved from a host that is not Linux. CEP 30 lets the
   * tool pick; conda 25 reports `0` (which no `__glibc >=x` dependency accepts), pixi assumes
   * 2.28. We default to 2.17, CEP 30's example and the oldest glibc conda-forge still targets.
   * `CONDA_OVERRIDE_GLIBC` always wins.
   */
  crossTargetGlibc?: string;
}

/** CEP 30's example default for `__glibc` when the target is Linux but the host is not. */
export const DEFAULT_CROSS_TARGET_GLIBC = "2.17";

/** conda stamps virtual records with this md5 so they never collide with real ones. */
const VIRTUAL_MD5 = "12345678901234567890123456789012";

/** A `CONDA_OVERRIDE_*` value that cannot be a version or build string. */
export class VirtualPackageOverrideError extends TaipanError {
  readonly variable: string;
  readonly value: string;
  constructor(variable: string, value: string, reason: string) {
    super("INVALID_VIRTUAL_PACKAGE_OVERRIDE", `invalid ${variable}='${value}': ${reason}`, {
      hint: `Set ${variable} to a version such as 2.28 (or to an empty string to hide the package), or unset it.`,
      exceptionName: "CondaValueError",
    });
    this.variable = variable;
    this.value = value;
  }
}

function virtualRecord(
  name: string,
  version: string | undefined,
  build: string | undefined,
  subdir: string,
): PackageRecord {
  const rec = new PackageRecord({
    name,
    version: version || "0",
    build: build || "0",
    build_number: 0,
    subdir,
    fn: name,
  });
  rec.channel = "@";
  rec.md5 = VIRTUAL_MD5;
  rec.extra.package_type = "virtual_system";
  return rec;
}

/**
 * Reads `CONDA_OVERRIDE_<NAME>` as conda does: unset → `undefined` (detect), set → its trimmed value
 * (`""` means "override to nothing"). Non-empty values must be valid version (or build) strings.
 */
function override(
  env: NodeJS.ProcessEnv,
  name: string,
  kind: "version" | "build" | "kernel",
): string | undefined {
  const variable = `CONDA_OVERRIDE_${name.toUpperCase()}`;
  const raw = env[variable];
  if (raw === undefined) return undefined;
  const v = raw.trim();
  // A kernel release is checked by linuxKernelVersion instead (conda keeps its numeric prefix).
  if (v && kind !== "kernel") {
    const problem = kind === "version" ? versionStringProblem(v.toLowerCase()) : buildStringProblem(v);
    if (problem) throw new VirtualPackageOverrideError(variable, raw, problem);
  }
  return v;
}

// --- host detection (each cached for the life of the process) ---------------------------------

const LINUX_VERSION_RE = /^\d+\.\d+(\.\d+)?(\.\d+)?/;

/** conda's kernel-version rule: the leading 2–4 numeric components of the release string. */
export function linuxKernelVersion(release: string): string | undefined {
  return LINUX_VERSION_RE.exec(release)?.[0];
}

function firstComponents(version: string, n: number): string {
  const m = /^\d+(\.\d+)*/.exec(version);
  if (!m) return version;
  return m[0].split(".").slice(0, n).join(".");
}

const cache = new Map<keyof HostInfo, unknown>();
function cached<K extends keyof HostInfo>(key: K, compute: () => HostInfo[K]): HostInfo[K] {
  if (!cache.has(key)) cache.set(key, compute());
  return cache.get(key) as HostInfo[K];
}

function detectGlibc(): string | undefined {
  if (process.platform !== "linux") return undefined;
  try {
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)
      ?.header;
    return header?.glibcVersionRuntime || undefined;
  } catch {
    return undefined;
  }
}

/** macOS product version from SystemVersion.plist, falling back to the Darwin kernel's major. */
function detectMacos(): string | undefined {
  if (process.platform !== "darwin") return undefined;
  try {
    const plist = readFileSync("/System/Library/CoreServices/SystemVersion.plist", "utf8");
    const m = /<key>ProductVersion<\/key>\s*<string>([^<]+)<\/string>/.exec(plist);
    if (m) return m[1].trim();
  } catch {
    // fall through
  }
  const major = Number.parseInt(release().split(".")[0] ?? "", 10);
  if (!Number.isFinite(major)) return undefined;
  // Darwin 20–24 are macOS 11–15; Darwin 25 is macOS 26 (the year-based numbering).
  if (major >= 25) return `${major + 1}.0`;
  if (major >= 20) return `${major - 9}.0`;
  return `10.${major - 4}`;
}

const X86_V2 = ["cx16", "lahf_lm", "popcnt", "sse4_1", "sse4_2", "ssse3", "pni"];
const X86_V3 = ["avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave"];
const X86_V4 = ["avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"];

/**
 * A cheap stand-in for `archspec.cpu.host()`, which needs archspec's JSON database. We read
 * `/proc/cpuinfo` once and report the generic level archspec also knows: `x86_64_v2/v3/v4` from
 * the psABI feature sets, `power8le/9le/10le` from the POWER generation, `m1`/`m2` for Apple
 * silicon, else the plain machine name. conda would report the exact model (`zen4`, `skylake`,
 * `neoverse_n1`), which is at least as specific; packages depend on `__archspec` by level, so the
 * generic name is what matters in practice.
 */
export function detectArchspec(
  subdir: string = nativeSubdir(),
  cpuinfo?: string,
  cpuModel?: string,
): string | undefined {
  const p = Platform.tryParse(subdir);
  if (!p || p.isNoarch) return undefined;
  const machine = archspecMachine(p);
  let info = cpuinfo;
  if (info === undefined && p.os === "linux") {
    try {
      info = readFileSync("/proc/cpuinfo", "utf8");
    } catch {
      info = "";
    }
  }
  if (machine === "x86_64" && info) {
    const flagsLine = /^flags\s*:\s*(.*)$/m.exec(info);
    if (flagsLine) {
      const flags = new Set(flagsLine[1].split(/\s+/));
      const has = (l: string[]) => l.every((f) => flags.has(f));
      if (has(X86_V2) && has(X86_V3) && has(X86_V4)) return "x86_64_v4";
      if (has(X86_V2) && has(X86_V3)) return "x86_64_v3";
      if (has(X86_V2)) return "x86_64_v2";
    }
    return "x86_64";
  }
  if ((machine === "ppc64le" || machine === "ppc64") && info) {
    const m = /^cpu\s*:\s*POWER(\d+)/im.exec(info);
    if (m) return `power${m[1]}${machine === "ppc64le" ? "le" : ""}`;
  }
  if (p.subdir === "osx-arm64") {
    const model = cpuModel ?? cpus()[0]?.model ?? "";
    const m = /Apple M([12])\b/.exec(model);
    if (m) return `m${m[1]}`;
  }
  return machine;
}

/** CEP 30 appendix A: the archspec name a target platform implies when the CPU cannot be probed. */
function archspecMachine(p: Platform): string | undefined {
  if (p.isNoarch) return undefined;
  if (p.arch === "arm64") return "aarch64";
  return p.arch;
}

function driverPresent(): boolean {
  if (process.platform === "linux") {
    if (existsSync("/proc/driver/nvidia/version")) return true;
    const libs = [
      "/usr/lib64/nvidia/libcuda.so",
      "/usr/lib/x86_64-linux-gnu/libcuda.so",
      "/usr/lib/aarch64-linux-gnu/libcuda.so",
      "/usr/lib/powerpc64le-linux-gnu/libcuda.so",
      "/usr/lib/wsl/lib/libcuda.so",
      "/usr/lib64/libcuda.so",
      "/usr/lib/libcuda.so",
    ];
    return libs.some((l) => existsSync(`${l}.1`) || existsSync(l));
  }
  if (process.platform === "win32") {
    const root = process.env.SystemRoot ?? "C:\\Windows";
    return existsSync(join(root, "System32", "nvcuda.dll"));
  }
  if (process.platform === "darwin") return existsSync("/usr/local/cuda/lib/libcuda.dylib");
  return false;
}

function nvidiaSmi(args: string[]): string | undefined {
  try {
    const r = spawnSync("nvidia-smi", args, { encoding: "utf8", timeout: 15_000, windowsHide: true });
    return r.status === 0 ? r.stdout : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Minimum Linux driver for each CUDA release (NVIDIA's CUDA toolkit release notes, table 3),
 * newest first. Used only when the driver exists but `nvidia-smi` cannot tell us the version.
 */
const CUDA_MIN_DRIVER: [string, number[]][] = [
  ["13.0", [580, 65, 6]],
  ["12.9", [575, 51, 3]],
  ["12.8", [570, 26]],
  ["12.6", [560, 28, 3]],
  ["12.5", [555, 42, 2]],
  ["12.4", [550, 54, 14]],
  ["12.3", [545, 23, 6]],
  ["12.2", [535, 54, 3]],
  ["12.1", [530, 30, 2]],
  ["12.0", [525, 60, 13]],
  ["11.8", [520, 61, 5]],
  ["11.7", [515, 43, 4]],
  ["11.6", [510, 39, 1]],
  ["11.5", [495, 29, 5]],
  ["11.4", [470, 42, 1]],
  ["11.3", [465, 19, 1]],
  ["11.2", [460, 27, 3]],
  ["11.1", [455, 23]],
  ["11.0", [450, 36, 6]],
  ["10.2", [440, 33]],
];

/** The newest CUDA version a Linux driver version (`535.104.05`) supports, per NVIDIA's table. */
export function cudaVersionForDriver(driver: string): string | undefined {
  const d = driver.split(".").map((x) => Number.parseInt(x, 10));
  if (d.some((x) => !Number.isFinite(x))) return undefined;
  for (const [cuda, min] of CUDA_MIN_DRIVER) {
    let ge = true;
    for (let i = 0; i < min.length; i++) {
      const a = d[i] ?? 0;
      if (a !== min[i]) {
        ge = a > min[i];
        break;
      }
    }
    if (ge) return cuda;
  }
  return undefined;
}

/** `CUDA Version: 12.4` from nvidia-smi's banner. */
export function parseNvidiaSmiCudaVersion(out: string): string | undefined {
  const m = /CUDA Version\s*:\s*(\d+)\.(\d+)/.exec(out);
  return m ? `${m[1]}.${m[2]}` : undefined;
}

/** CEP 30 `__cuda_arch` from `nvidia-smi --query-gpu=compute_cap,name --format=csv,noheader`. */
export function parseNvidiaSmiComputeCaps(out: string): { version: string; build: string } | undefined {
  let best: { major: number; minor: number; name: string } | undefined;
  for (const line of out.split(/\r?\n/)) {
    const m = /^\s*(\d+)\.(\d+)[a-z]?\s*,\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    const cur = { major: Number(m[1]), minor: Number(m[2]), name: m[3] };
    if (!best || cur.major < best.major || (cur.major === best.major && cur.minor < best.minor)) best = cur;
  }
  if (!best) return undefined;
  const build =
    best.name
      .replace(/[^a-zA-Z0-9]/g, "")
      .replace(/NVIDIA/g, "")
      .slice(0, 64) || "0";
  return { version: `${best.major}.${best.minor}`, build };
}

/**
 * The CUDA driver version, probed once per process: nothing is spawned unless a driver is
 * installed (the `/proc` entry or libcuda exists); then `nvidia-smi` reports the version, and
 * failing that the kernel module's driver version is mapped through NVIDIA's table.
 */
function detectCuda(): string | undefined {
  if (!driverPresent()) return undefined;
  const smi = nvidiaSmi([]);
  const v = smi ? parseNvidiaSmiCudaVersion(smi) : undefined;
  if (v) return v;
  try {
    const text = readFileSync("/proc/driver/nvidia/version", "utf8");
    const m =
      /Kernel Module\s+(?:for\s+\S+\s+)?(\d+(?:\.\d+)+)/.exec(text) ??
      /\s(\d{3}\.\d+(?:\.\d+)?)\s/.exec(text);
    return m ? cudaVersionForDriver(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function detectCudaArch(): { version: string; build: string } | undefined {
  if (!driverPresent()) return undefined;
  const out = nvidiaSmi(["--query-gpu=compute_cap,name", "--format=csv,noheader"]);
  return out ? parseNvidiaSmiComputeCaps(out) : undefined;
}

function hostValue<K extends keyof HostInfo>(
  given: Partial<HostInfo> | undefined,
  key: K,
  detect: () => HostInfo[K],
): HostInfo[K] {
  if (given && key in given) return given[key] as HostInfo[K];
  return cached(key, detect);
}

/** Host facts with nothing left to detect (fills every field; CUDA probing happens here). */
export function detectHost(): HostInfo {
  return {
    subdir: hostValue(undefined, "subdir", nativeSubdir),
    linuxKernel: hostValue(undefined, "linuxKernel", () =>
      process.platform === "linux" ? release() : undefined,
    ),
    glibc: hostValue(undefined, "glibc", detectGlibc),
    macosVersion: hostValue(undefined, "macosVersion", detectMacos),
    windowsVersion: hostValue(undefined, "windowsVersion", () =>
      process.platform === "win32" ? release() : undefined,
    ),
    archspec: hostValue(undefined, "archspec", () => detectArchspec()),
    cudaVersion: hostValue(undefined, "cudaVersion", detectCuda),
    cudaArch: hostValue(undefined, "cudaArch", detectCudaArch),
  };
}

/**
 * The virtual packages (CEP 30) for solving against `subdir`, as conda's plugins produce them:
 * `__unix` for linux/osx/freebsd/emscripten, `__linux` + `__glibc` for linux-*, `__osx` for osx-*,
 * `__win` for win-*, `__archspec` for every non-noarch target and `__cuda`/`__cuda_arch` when a
 * driver is present. `CONDA_OVERRIDE_<NAME>` replaces a detected value; an empty override hides
 * the package, except `__linux`, which then reports version 0 (conda's rule). When the target OS is
 * not the host's, host values are not used: `__linux`, `__osx` and `__win` report `0`, `__glibc`
 * {@link VirtualPackageOptions.crossTargetGlibc}, and `__archspec` the target's generic machine.
 * Records have build `0` (archspec: the microarchitecture), channel `@`, and the target subdir.
 */
export function detectVirtualPackages(
  subdir: string = currentSubdir(),
  env: NodeJS.ProcessEnv = process.env,
  options: VirtualPackageOptions = {},
): PackageRecord[] {
  const target = Platform.parse(subdir);
  const given = options.host;
  const host = <K extends keyof HostInfo>(key: K, detect: () => HostInfo[K]) => hostValue(given, key, detect);
  const hostSubdir = host("subdir", nativeSubdir);
  const hostPlatform = Platform.tryParse(hostSubdir);
  const sameOs = hostPlatform?.os === target.os;
  const out: PackageRecord[] = [];
  const add = (name: string, version?: string, build?: string) =>
    out.push(virtualRecord(name, version, build, subdir));

  if (target.isUnix) add("__unix");

  if (target.isLinux) {
    // __linux: the kernel's numeric prefix; an empty or malformed override gives 0, as in conda.
    const o = override(env, "linux", "kernel");
    const kernel = o !== undefined ? o : sameOs ? host("linuxKernel", () => release()) : undefined;
    add("__linux", kernel ? linuxKernelVersion(kernel) : undefined);

    const og = override(env, "glibc", "version");
    if (og !== undefined) {
      if (og) add("__glibc", og);
    } else if (sameOs) {
      const g = host("glibc", detectGlibc);
      // A Linux host without GNU libc (musl) gets no __glibc: nothing built against glibc runs there.
      if (g) add("__glibc", firstComponents(g, 2));
    } else {
      add("__glibc", options.crossTargetGlibc ?? DEFAULT_CROSS_TARGET_GLIBC);
    }
  }

  if (target.isOsx) {
    const o = override(env, "osx", "version");
    if (o !== undefined) {
      if (o) add("__osx", o);
    } else {
      const v = sameOs ? host("macosVersion", detectMacos) : undefined;
      add("__osx", v ? firstComponents(v, 2) : "0");
    }
  }

  if (target.isWindows) {
    const o = override(env, "win", "version");
    if (o !== undefined) {
      if (o) add("__win", o);
    } else {
      const v = sameOs ? host("windowsVersion", () => release()) : undefined;
      add("__win", v ? firstComponents(v, 3) : "0");
    }
  }

  if (!target.isNoarch) {
    const o = override(env, "archspec", "build");
    if (o !== undefined) {
      if (o) add("__archspec", "1", o);
    } else {
      // conda probes the CPU only when the target is the host itself; otherwise it names the target's machine.
      const name =
        hostSubdir === target.subdir
          ? host("archspec", () => detectArchspec(hostSubdir))
          : archspecMachine(target);
      if (name) add("__archspec", "1", name);
    }
  }

  const oc = override(env, "cuda", "version");
  const cuda = oc !== undefined ? oc || undefined : host("cudaVersion", detectCuda);
  if (cuda) {
    add("__cuda", cuda);
    const rawArch = env.CONDA_OVERRIDE_CUDA_ARCH;
    if (rawArch !== undefined) {
      const v = rawArch.trim();
      if (v) {
        const [ver, build] = v.split("=", 2);
        if (versionStringProblem(ver) || !/^\d+\.\d+$/.test(ver))
          throw new VirtualPackageOverrideError(
            "CONDA_OVERRIDE_CUDA_ARCH",
            rawArch,
            "expected <major>.<minor>[=<model>]",
          );
        if (build && buildStringProblem(build))
          throw new VirtualPackageOverrideError(
            "CONDA_OVERRIDE_CUDA_ARCH",
            rawArch,
            `bad model: ${buildStringProblem(build)}`,
          );
        add("__cuda_arch", ver, build);
      }
    } else {
      const arch = host("cudaArch", detectCudaArch);
      if (arch) add("__cuda_arch", arch.version, arch.build);
    }
  }

  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Forgets cached host facts (for tests that change the machine under them). */
export function resetVirtualPackageCache(): void {
  cache.clear();
}
