import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PackageRecord } from "../../src/conda/package-record.js";
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
});
