import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PackageRecord } from "../../src/conda/package-record.js";
import { solve } from "../../src/solver/conda/solve.js";
import { LocalIndex, linuxVirtualPackages } from "./local-index.js";

// Multi-step cases from conda's tests/core/test_solve.py (channel-1 = conda-index1, channel-4 =
// conda-index4): the records a step ends with are the installed records of the next step.
const vp = linuxVirtualPackages();
const dists = (rs: PackageRecord[]) => rs.map((r) => r.distName).sort();
const sorted = (xs: string[]) => [...xs].sort();

describe("conda's test_solve.py cases with installed packages and pins", () => {
  const index = LocalIndex.shared(["conda-index1"]);

  it("test_pinned_1: pins hold for later installs; the installed build is kept", () => {
    const pinned = ["python=2.6", "iopro<=1.4.2"];
    const s1 = solve({ specs: ["system=5.8=0"], index, virtualPackages: vp, pinned }).records;
    assert.deepEqual(dists(s1), ["system-5.8-0"]);
    const base = [
      "openssl-1.0.1c-0",
      "readline-6.2-0",
      "sqlite-3.7.13-0",
      "system-5.8-0",
      "tk-8.5.13-0",
      "zlib-1.2.7-0",
    ];
    // ignore_pinned=True
    const free = solve({ specs: ["python"], index, virtualPackages: vp, installed: s1 }).records;
    assert.deepEqual(dists(free), sorted([...base, "python-3.3.2-0"]));
    const s2 = solve({ specs: ["python"], index, virtualPackages: vp, installed: s1, pinned }).records;
    assert.deepEqual(dists(s2), sorted([...base, "python-2.6.8-6"]));
    const s3 = solve({ specs: ["numba"], index, virtualPackages: vp, installed: s2, pinned }).records;
    assert.deepEqual(
      dists(s3),
      sorted([
        ...base,
        "llvm-3.2-0",
        "python-2.6.8-6",
        "argparse-1.2.1-py26_0",
        "llvmpy-0.11.2-py26_0",
        "numpy-1.7.1-py26_0",
        "numba-0.8.1-np17py26_0",
      ]),
    );
  });

  it("update_specs keeps installed packages read back from conda-meta (new objects, same builds)", () => {
    const s1 = solve({ specs: ["python=2.7.3"], index, virtualPackages: vp }).records;
    assert.ok(dists(s1).includes("python-2.7.3-7"));
    // What a later command sees: records parsed from conda-meta, not the index's own objects.
    const fromDisk = s1.map((r) => PackageRecord.fromJson(r.toJson(), { fn: r.fn, channel: r.channel }));
    const s2 = solve({
      specs: ["zlib"],
      index,
      virtualPackages: vp,
      installed: fromDisk,
      updateModifier: "update_specs",
    }).records;
    // python is not requested and not needed by zlib: it stays at 2.7.3 although 2.7.5 exists.
    assert.ok(dists(s2).includes("python-2.7.3-7"), dists(s2).join(" "));
  });

  it("test_no_update_deps_1: installing keeps python unless the request needs a newer one", () => {
    const base = [
      "openssl-1.0.1c-0",
      "readline-6.2-0",
      "sqlite-3.7.13-0",
      "system-5.8-1",
      "tk-8.5.13-0",
      "zlib-1.2.7-0",
    ];
    const s1 = solve({ specs: ["python=2"], index, virtualPackages: vp }).records;
    assert.deepEqual(dists(s1), sorted([...base, "python-2.7.5-0"]));
    const s2 = solve({ specs: ["zope.interface"], index, virtualPackages: vp, installed: s1 }).records;
    assert.deepEqual(
      dists(s2),
      sorted([...base, "python-2.7.5-0", "nose-1.3.0-py27_0", "zope.interface-4.0.5-py27_0"]),
    );
    const s3 = solve({ specs: ["zope.interface>4.1"], index, virtualPackages: vp, installed: s1 }).records;
    assert.deepEqual(
      dists(s3),
      sorted([...base, "python-3.3.2-0", "nose-1.3.0-py33_0", "zope.interface-4.1.1.1-py33_0"]),
    );
  });

  const index4 = LocalIndex.shared(["conda-index4"]);

  it("test_timestamps_1: the later timestamp wins between otherwise equal builds", () => {
    const rs = solve({ specs: ["python=3.6.2"], index: index4, virtualPackages: vp }).records;
    assert.ok(dists(rs).includes("python-3.6.2-hca45abc_19"), dists(rs).join(" "));
  });

  it("test_solve_1: asking for python=2 moves numpy along", () => {
    const s1 = solve({ specs: ["numpy"], index, virtualPackages: vp }).records;
    assert.ok(dists(s1).includes("numpy-1.7.1-py33_0"));
    const s2 = solve({ specs: ["python=2"], index, virtualPackages: vp, installed: s1 }).records;
    assert.deepEqual(
      dists(s2),
      sorted([
        "openssl-1.0.1c-0",
        "readline-6.2-0",
        "sqlite-3.7.13-0",
        "system-5.8-1",
        "tk-8.5.13-0",
        "zlib-1.2.7-0",
        "python-2.7.5-0",
        "numpy-1.7.1-py27_0",
      ]),
    );
  });

  it("test_no_deps_1: numba into a python 2.7 environment", () => {
    const s1 = solve({ specs: ["python=2"], index, virtualPackages: vp }).records;
    const s2 = solve({ specs: ["numba"], index, virtualPackages: vp, installed: s1 }).records;
    assert.deepEqual(
      dists(s2),
      sorted([
        "openssl-1.0.1c-0",
        "readline-6.2-0",
        "sqlite-3.7.13-0",
        "system-5.8-1",
        "tk-8.5.13-0",
        "zlib-1.2.7-0",
        "llvm-3.2-0",
        "python-2.7.5-0",
        "llvmpy-0.11.2-py27_0",
        "meta-0.4.2.dev-py27_0",
        "numpy-1.7.1-py27_0",
        "numba-0.8.1-np17py27_0",
      ]),
    );
  });

  it("test_solve_2: strict priority across channel-2 > channel-4", () => {
    const agg = LocalIndex.shared(["conda-index2", "conda-index4"]);
    const rs = solve({ specs: ["numpy"], index: agg, virtualPackages: vp }).records;
    assert.deepEqual(
      dists(rs),
      sorted([
        "mkl-2017.0.3-0",
        "openssl-1.0.2l-0",
        "readline-6.2-2",
        "sqlite-3.13.0-0",
        "tk-8.5.18-0",
        "xz-5.2.3-0",
        "zlib-1.2.11-0",
        "python-3.6.2-0",
        "numpy-1.13.1-py36_0",
      ]),
    );
    assert.ok(rs.every((r) => r.channel === "conda-index2"));
  });

  it("test_update_all_1: history specs keep python 2.6 even with update_all", () => {
    const history = ["numpy=1.5", "python=2.6", "system[version=*,build_number=0]"];
    const s1 = solve({ specs: history, index, virtualPackages: vp }).records;
    const base = ["openssl-1.0.1c-0", "readline-6.2-0", "sqlite-3.7.13-0", "tk-8.5.13-0", "zlib-1.2.7-0"];
    assert.deepEqual(dists(s1), sorted([...base, "system-5.8-0", "python-2.6.8-6", "numpy-1.5.1-py26_4"]));
    const added = [
      "llvm-3.2-0",
      "python-2.6.8-6",
      "llvmpy-0.10.2-py26_0",
      "nose-1.3.0-py26_0",
      "numpy-1.7.1-py26_0",
      "numba-0.6.0-np17py26_0",
    ];
    const s2 = solve({
      specs: ["numba=0.6", "numpy"],
      index,
      virtualPackages: vp,
      installed: s1,
      history,
    }).records;
    assert.deepEqual(dists(s2), sorted([...base, "system-5.8-0", ...added]));
    const s3 = solve({
      specs: ["numba=0.6"],
      index,
      virtualPackages: vp,
      installed: s1,
      history,
      updateModifier: "update_all",
    }).records;
    assert.deepEqual(dists(s3), sorted([...base, "system-5.8-1", ...added]));
  });

  it("update_specs changes as few installed packages as it can before it maximises the others", () => {
    // d's newest build needs b and c upgraded, its other build only a: conda's update count
    // (eq_u, before the other packages' builds) changes one installed package, not two
    const rec = (name: string, version: string, bn: number, depends: string[] = []) =>
      PackageRecord.fromJson(
        { name, version, build: `h_${bn}`, build_number: bn, depends },
        { channel: "c", subdir: "linux-64" },
      );
    const all = [
      ...["a", "b", "c"].flatMap((n) => [rec(n, "1", 0), rec(n, "2", 0)]),
      rec("d", "1", 0, ["a >=2"]),
      rec("d", "1", 1, ["b >=2", "c >=2"]),
      rec("x", "1", 0, ["d"]),
    ];
    const idx = { get: (n: string) => all.filter((r) => r.name === n) };
    const installed = all.filter((r) => ["a", "b", "c"].includes(r.name) && r.version === "1");
    const got = solve({
      specs: ["x"],
      index: idx,
      virtualPackages: vp,
      installed,
      updateModifier: "update_specs",
    }).records;
    assert.deepEqual(dists(got), ["a-2-h_0", "b-1-h_0", "c-1-h_0", "d-1-h_0", "x-1-h_0"]);
  });

  it("keeps an installed record of the channel it came from when another channel has the same build", () => {
    // conda-forge and a mirror both carry a-3-h_0: the installed one is the second channel's, and
    // keeping "a-3-h_0" from the first would be a change (flexible priority allows either)
    const rec = (channel: string, name: string, version: string, depends: string[] = []) =>
      PackageRecord.fromJson(
        { name, version, build: "h_0", build_number: 0, depends },
        { channel, subdir: "linux-64" },
      );
    const all = [rec("c0", "a", "3"), rec("c1", "a", "3"), rec("c0", "x", "1", ["a"])];
    const rank = (r: PackageRecord) => (r.channel === "c0" ? 0 : 1);
    const idx = {
      get: (n: string) => all.filter((r) => r.name === n).sort((p, q) => rank(p) - rank(q)),
      channelRank: rank,
    };
    const installed = [rec("c1", "a", "3")];
    for (const updateModifier of ["update_specs", "freeze_installed"] as const) {
      const got = solve({
        specs: ["x"],
        index: idx,
        virtualPackages: vp,
        installed,
        channelPriority: "flexible",
        updateModifier,
      }).records;
      assert.deepEqual(
        got.map((r) => `${r.channel}::${r.distName}`).sort(),
        ["c0::x-1-h_0", "c1::a-3-h_0"],
        updateModifier,
      );
    }
  });
});
