import assert from "node:assert/strict";
import { release } from "node:os";
import { describe, it } from "node:test";
import { TaipanError } from "../../src/conda/errors.js";
import { PackageRecord } from "../../src/conda/package-record.js";
import { nativeSubdir } from "../../src/conda/platform.js";
import {
  cudaVersionForDriver,
  DEFAULT_CROSS_TARGET_GLIBC,
  detectArchspec,
  detectHost,
  detectVirtualPackages,
  type HostInfo,
  linuxKernelVersion,
  parseNvidiaSmiComputeCaps,
  parseNvidiaSmiCudaVersion,
  VirtualPackageOverrideError,
} from "../../src/conda/virtual-packages.js";

const linuxHost: HostInfo = {
  subdir: "linux-64",
  linuxKernel: "6.8.0-45-generic",
  glibc: "2.35",
  macosVersion: undefined,
  windowsVersion: undefined,
  archspec: "x86_64_v3",
  cudaVersion: undefined,
  cudaArch: undefined,
};
const macHost: HostInfo = {
  ...linuxHost,
  subdir: "osx-arm64",
  linuxKernel: undefined,
  glibc: undefined,
  macosVersion: "14.4.1",
  archspec: "m1",
};
const winHost: HostInfo = {
  ...linuxHost,
  subdir: "win-64",
  linuxKernel: undefined,
  glibc: undefined,
  windowsVersion: "10.0.22631",
  archspec: "x86_64",
};

/** `name=version=build` for each record, the way conda prints virtual packages. */
function vp(
  subdir: string,
  host: Partial<HostInfo>,
  env: NodeJS.ProcessEnv = {},
  crossTargetGlibc?: string,
): string[] {
  return detectVirtualPackages(subdir, env, { host, crossTargetGlibc }).map(
    (r) => `${r.name}=${r.version}=${r.build}`,
  );
}

describe("virtual packages for the host's own platform", () => {
  it("linux", () => {
    assert.deepEqual(vp("linux-64", linuxHost), [
      "__archspec=1=x86_64_v3",
      "__glibc=2.35=0",
      "__linux=6.8.0=0",
      "__unix=0=0",
    ]);
  });
  it("macOS keeps major.minor of the product version", () => {
    assert.deepEqual(vp("osx-arm64", macHost), ["__archspec=1=m1", "__osx=14.4=0", "__unix=0=0"]);
  });
  it("windows keeps major.minor.build", () => {
    assert.deepEqual(vp("win-64", winHost), ["__archspec=1=x86_64", "__win=10.0.22631=0"]);
  });
  it("records look like conda's virtual records", () => {
    for (const r of detectVirtualPackages(
      "linux-aarch64",
      {},
      { host: { ...linuxHost, subdir: "linux-aarch64" } },
    )) {
      assert.ok(r instanceof PackageRecord);
      assert.equal(r.channel, "@");
      assert.equal(r.subdir, "linux-aarch64");
      assert.equal(r.build_number, 0);
      assert.equal(r.fn, r.name);
      assert.equal(r.md5, "12345678901234567890123456789012");
      assert.deepEqual(r.depends, []);
      assert.equal(r.toJson().package_type, "virtual_system");
      if (r.name !== "__archspec") assert.equal(r.build, "0");
    }
  });
  it("a musl Linux host has no __glibc", () => {
    assert.deepEqual(vp("linux-64", { ...linuxHost, glibc: undefined }), [
      "__archspec=1=x86_64_v3",
      "__linux=6.8.0=0",
      "__unix=0=0",
    ]);
  });
  it("a Linux host targeting another Linux arch keeps kernel and glibc, names the target machine", () => {
    assert.deepEqual(vp("linux-aarch64", linuxHost), [
      "__archspec=1=aarch64",
      "__glibc=2.35=0",
      "__linux=6.8.0=0",
      "__unix=0=0",
    ]);
  });
});

describe("cross-OS targets", () => {
  it("linux from macOS: kernel 0, glibc default", () => {
    assert.equal(DEFAULT_CROSS_TARGET_GLIBC, "2.17");
    assert.deepEqual(vp("linux-64", macHost), [
      "__archspec=1=x86_64",
      "__glibc=2.17=0",
      "__linux=0=0",
      "__unix=0=0",
    ]);
    assert.ok(vp("linux-64", macHost, {}, "2.28").includes("__glibc=2.28=0"));
    assert.ok(vp("linux-64", macHost, { CONDA_OVERRIDE_GLIBC: "2.31" }).includes("__glibc=2.31=0"));
  });
  it("osx and win from Linux report version 0", () => {
    assert.deepEqual(vp("osx-arm64", linuxHost), ["__archspec=1=aarch64", "__osx=0=0", "__unix=0=0"]);
    assert.deepEqual(vp("osx-64", linuxHost), ["__archspec=1=x86_64", "__osx=0=0", "__unix=0=0"]);
    assert.deepEqual(vp("win-64", linuxHost), ["__archspec=1=x86_64", "__win=0=0"]);
    assert.deepEqual(vp("win-32", linuxHost), ["__archspec=1=x86", "__win=0=0"]);
  });

  // conda's tests/plugins/test_virtual_packages.py::test_subdir_override, with CEP 30's addition of
  // __unix for emscripten (conda 25 omits it) and __archspec hidden as that test hides it.
  const table: [string, string[]][] = [
    ["emscripten-wasm32", ["__unix"]],
    ["freebsd-64", ["__unix"]],
    ["linux-32", ["__linux", "__unix"]],
    ["linux-64", ["__linux", "__unix"]],
    ["linux-aarch64", ["__linux", "__unix"]],
    ["linux-armv6l", ["__linux", "__unix"]],
    ["linux-armv7l", ["__linux", "__unix"]],
    ["linux-ppc64", ["__linux", "__unix"]],
    ["linux-ppc64le", ["__linux", "__unix"]],
    ["linux-riscv64", ["__linux", "__unix"]],
    ["linux-s390x", ["__linux", "__unix"]],
    ["osx-64", ["__osx", "__unix"]],
    ["osx-arm64", ["__osx", "__unix"]],
    ["wasi-wasm32", []],
    ["win-32", ["__win"]],
    ["win-64", ["__win"]],
    ["win-arm64", ["__win"]],
    ["zos-z", []],
  ];
  const hide = { CONDA_OVERRIDE_ARCHSPEC: "", CONDA_OVERRIDE_CUDA: "", CONDA_OVERRIDE_GLIBC: "" };
  for (const [subdir, names] of table) {
    for (const [hostName, host] of [
      ["linux", linuxHost],
      ["osx", macHost],
      ["win", winHost],
    ] as const) {
      it(`${subdir} from a ${hostName} host`, () => {
        const recs = detectVirtualPackages(subdir, hide, { host: { ...host, cudaVersion: "12.4" } });
        assert.deepEqual(
          recs.map((r) => r.name),
          names,
        );
        assert.ok(recs.every((r) => r.subdir === subdir));
      });
    }
  }
  it("every non-noarch target gets __archspec; noarch gets nothing", () => {
    for (const [subdir] of table)
      assert.ok(
        detectVirtualPackages(subdir, {}, { host: linuxHost }).some(
          (r) => r.name === "__archspec" && r.version === "1",
        ),
        subdir,
      );
    assert.deepEqual(vp("noarch", linuxHost), []);
    assert.ok(vp("zos-z", linuxHost).includes("__archspec=1=z"));
    assert.ok(vp("emscripten-wasm32", linuxHost).includes("__archspec=1=wasm32"));
  });
});

describe("CONDA_OVERRIDE_*", () => {
  it("GLIBC: a value replaces, empty hides", () => {
    assert.ok(vp("linux-64", linuxHost, { CONDA_OVERRIDE_GLIBC: "2.17" }).includes("__glibc=2.17=0"));
    assert.ok(vp("linux-64", linuxHost, { CONDA_OVERRIDE_GLIBC: " 2.28 " }).includes("__glibc=2.28=0"));
    assert.ok(!vp("linux-64", linuxHost, { CONDA_OVERRIDE_GLIBC: "" }).some((s) => s.startsWith("__glibc")));
    assert.ok(
      !vp("linux-64", linuxHost, { CONDA_OVERRIDE_GLIBC: "   " }).some((s) => s.startsWith("__glibc")),
    );
    assert.ok(
      vp("linux-64", { ...linuxHost, glibc: undefined }, { CONDA_OVERRIDE_GLIBC: "2.5" }).includes(
        "__glibc=2.5=0",
      ),
    );
  });
  it("LINUX: numeric prefix of the value; empty or junk still gives __linux 0", () => {
    assert.ok(
      vp("linux-64", linuxHost, { CONDA_OVERRIDE_LINUX: "5.10.0-rc1-foo" }).includes("__linux=5.10.0=0"),
    );
    assert.ok(vp("linux-64", linuxHost, { CONDA_OVERRIDE_LINUX: "4.18" }).includes("__linux=4.18=0"));
    assert.ok(vp("linux-64", linuxHost, { CONDA_OVERRIDE_LINUX: "" }).includes("__linux=0=0"));
    assert.ok(vp("linux-64", linuxHost, { CONDA_OVERRIDE_LINUX: "abc" }).includes("__linux=0=0"));
    assert.ok(vp("linux-64", macHost, { CONDA_OVERRIDE_LINUX: "5.4" }).includes("__linux=5.4=0"));
  });
  it("OSX and WIN: a value replaces, empty hides", () => {
    assert.ok(vp("osx-64", linuxHost, { CONDA_OVERRIDE_OSX: "10.15" }).includes("__osx=10.15=0"));
    assert.ok(!vp("osx-64", macHost, { CONDA_OVERRIDE_OSX: "" }).some((s) => s.startsWith("__osx")));
    assert.ok(vp("win-64", linuxHost, { CONDA_OVERRIDE_WIN: "10.0.19045" }).includes("__win=10.0.19045=0"));
    assert.ok(!vp("win-64", winHost, { CONDA_OVERRIDE_WIN: "" }).some((s) => s.startsWith("__win")));
  });
  it("overrides for another OS are ignored", () => {
    const env = { CONDA_OVERRIDE_OSX: "12.0", CONDA_OVERRIDE_WIN: "10.0", CONDA_OVERRIDE_GLIBC: "2.40" };
    assert.deepEqual(vp("win-64", winHost, env), ["__archspec=1=x86_64", "__win=10.0=0"]);
    assert.ok(!vp("linux-64", linuxHost, env).some((s) => s.startsWith("__osx") || s.startsWith("__win")));
  });
  it("ARCHSPEC replaces the build; empty hides", () => {
    assert.ok(
      vp("linux-64", linuxHost, { CONDA_OVERRIDE_ARCHSPEC: "skylake" }).includes("__archspec=1=skylake"),
    );
    assert.ok(
      !vp("linux-64", linuxHost, { CONDA_OVERRIDE_ARCHSPEC: "" }).some((s) => s.startsWith("__archspec")),
    );
  });
  it("CUDA: shown with a driver, hidden without; override adds or hides", () => {
    const withDriver = {
      ...linuxHost,
      cudaVersion: "12.4",
      cudaArch: { version: "8.6", build: "GeForceRTX3090" },
    };
    assert.ok(vp("linux-64", withDriver).includes("__cuda=12.4=0"));
    assert.ok(vp("linux-64", withDriver).includes("__cuda_arch=8.6=GeForceRTX3090"));
    assert.ok(!vp("linux-64", linuxHost).some((s) => s.startsWith("__cuda")));
    assert.ok(vp("linux-64", linuxHost, { CONDA_OVERRIDE_CUDA: "11.8" }).includes("__cuda=11.8=0"));
    assert.ok(!vp("linux-64", withDriver, { CONDA_OVERRIDE_CUDA: "" }).some((s) => s.startsWith("__cuda")));
    assert.ok(vp("win-64", { ...winHost, cudaVersion: "12.2" }).includes("__cuda=12.2=0"));
  });
  it("CUDA_ARCH: version[=model], only alongside __cuda", () => {
    const env = { CONDA_OVERRIDE_CUDA: "12.0" };
    assert.ok(
      vp("linux-64", linuxHost, { ...env, CONDA_OVERRIDE_CUDA_ARCH: "7.5" }).includes("__cuda_arch=7.5=0"),
    );
    assert.ok(
      vp("linux-64", linuxHost, { ...env, CONDA_OVERRIDE_CUDA_ARCH: "9.0=H100" }).includes(
        "__cuda_arch=9.0=H100",
      ),
    );
    assert.ok(
      !vp("linux-64", linuxHost, { CONDA_OVERRIDE_CUDA_ARCH: "7.5" }).some((s) =>
        s.startsWith("__cuda_arch"),
      ),
    );
    assert.ok(
      !vp(
        "linux-64",
        { ...linuxHost, cudaVersion: "12.0", cudaArch: { version: "8.0", build: "A100" } },
        {
          CONDA_OVERRIDE_CUDA_ARCH: "",
        },
      ).some((s) => s.startsWith("__cuda_arch")),
    );
  });
  it("malformed overrides are typed errors naming the variable", () => {
    const bad: NodeJS.ProcessEnv[] = [
      { CONDA_OVERRIDE_GLIBC: "2.17 2.28" },
      { CONDA_OVERRIDE_CUDA: ">=12" },
      { CONDA_OVERRIDE_ARCHSPEC: "x86-64" },
      { CONDA_OVERRIDE_CUDA: "12.0", CONDA_OVERRIDE_CUDA_ARCH: "sm86" },
    ];
    for (const env of bad) {
      assert.throws(
        () => detectVirtualPackages("linux-64", env, { host: linuxHost }),
        (e: unknown) => {
          assert.ok(e instanceof VirtualPackageOverrideError);
          assert.ok(e instanceof TaipanError);
          assert.equal(e.code, "INVALID_VIRTUAL_PACKAGE_OVERRIDE");
          const variable = Object.keys(env).at(-1)!;
          assert.equal(e.variable, variable);
          assert.ok(e.message.includes(variable));
          assert.ok(e.hint?.includes(variable));
          return true;
        },
      );
    }
  });
  it("rejects an unknown target subdir", () => {
    assert.throws(() => detectVirtualPackages("linux-65", {}, { host: linuxHost }), TaipanError);
  });
});

describe("detection helpers", () => {
  it("kernel version keeps 2 to 4 numeric components", () => {
    assert.equal(linuxKernelVersion("6.8.0-45-generic"), "6.8.0");
    assert.equal(linuxKernelVersion("5.15.153.1-microsoft-standard-WSL2"), "5.15.153.1");
    assert.equal(linuxKernelVersion("4.18"), "4.18");
    assert.equal(linuxKernelVersion("6"), undefined);
    assert.equal(linuxKernelVersion("abc"), undefined);
  });

  it("archspec from /proc/cpuinfo flags", () => {
    const base = "cx16 lahf_lm popcnt sse4_1 sse4_2 ssse3 pni";
    const v3 = `${base} avx avx2 bmi1 bmi2 f16c fma abm movbe xsave`;
    const v4 = `${v3} avx512f avx512bw avx512cd avx512dq avx512vl`;
    assert.equal(detectArchspec("linux-64", "processor : 0\nflags : fpu sse sse2\n"), "x86_64");
    assert.equal(detectArchspec("linux-64", `flags\t\t: ${base}\n`), "x86_64_v2");
    assert.equal(detectArchspec("linux-64", `flags\t\t: ${v3}\n`), "x86_64_v3");
    assert.equal(detectArchspec("linux-64", `flags\t\t: ${v4}\n`), "x86_64_v4");
    assert.equal(
      detectArchspec("linux-ppc64le", "cpu\t\t: POWER9 (architected), altivec supported\n"),
      "power9le",
    );
    assert.equal(detectArchspec("linux-aarch64", "Features : fp asimd\n"), "aarch64");
    assert.equal(detectArchspec("osx-arm64", "", "Apple M2 Pro"), "m2");
    assert.equal(detectArchspec("osx-arm64", "", "Apple M4"), "aarch64");
    assert.equal(detectArchspec("win-64", ""), "x86_64");
    assert.equal(detectArchspec("noarch", ""), undefined);
  });

  it("CUDA version from nvidia-smi and from the driver table", () => {
    const banner =
      "| NVIDIA-SMI 535.104.05             Driver Version: 535.104.05   CUDA Version: 12.2     |\n";
    assert.equal(parseNvidiaSmiCudaVersion(banner), "12.2");
    assert.equal(parseNvidiaSmiCudaVersion("No devices were found"), undefined);
    assert.equal(cudaVersionForDriver("535.104.05"), "12.2");
    assert.equal(cudaVersionForDriver("550.54.14"), "12.4");
    assert.equal(cudaVersionForDriver("550.54.13"), "12.3");
    assert.equal(cudaVersionForDriver("470.42.01"), "11.4");
    assert.equal(cudaVersionForDriver("580.95.05"), "13.0");
    assert.equal(cudaVersionForDriver("390.1"), undefined);
    assert.equal(cudaVersionForDriver("x"), undefined);
  });

  it("__cuda_arch picks the lowest compute capability and cleans the model name", () => {
    const out = "8.6, NVIDIA GeForce RTX 3090\n7.5, Tesla T4\n9.0, NVIDIA H100 80GB HBM3\n";
    assert.deepEqual(parseNvidiaSmiComputeCaps(out), { version: "7.5", build: "TeslaT4" });
    assert.deepEqual(parseNvidiaSmiComputeCaps("12.0a, NVIDIA B200\n"), { version: "12.0", build: "B200" });
    assert.equal(parseNvidiaSmiComputeCaps("[N/A], x\n"), undefined);
  });

  it("detects this machine", () => {
    const host = detectHost();
    assert.equal(host.subdir, nativeSubdir());
    const recs = detectVirtualPackages(host.subdir, {});
    const names = recs.map((r) => r.name);
    assert.ok(names.includes("__archspec"));
    if (process.platform === "linux") {
      const linux = recs.find((r) => r.name === "__linux")!;
      assert.ok(release().startsWith(linux.version), `${release()} vs ${linux.version}`);
      const glibc = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header
        .glibcVersionRuntime;
      if (glibc)
        assert.equal(recs.find((r) => r.name === "__glibc")?.version, glibc.split(".").slice(0, 2).join("."));
      assert.ok(names.includes("__unix"));
    }
    assert.equal(names.includes("__cuda"), host.cudaVersion !== undefined);
    // A second call reuses the cached probes and agrees with the first.
    assert.deepEqual(
      detectVirtualPackages(host.subdir, {}).map((r) => r.toJson()),
      recs.map((r) => r.toJson()),
    );
  });
});
