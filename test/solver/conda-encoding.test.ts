import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PackageRecord } from "../../src/conda/package-record.js";
import { explainChoices } from "../../src/solver/conda/explain.js";
import { solve } from "../../src/solver/conda/solve.js";
import { PackagesNotFoundError, SolveAbortedError, UnsatisfiableError } from "../../src/solver/errors.js";
import { linuxVirtualPackages } from "./local-index.js";

type Spec = {
  n: string;
  v: string;
  b?: string;
  bn?: number;
  deps?: string[];
  cons?: string[];
  tf?: string;
  ch?: number;
  ts?: number;
  /** a noarch: python build (in the noarch subdir, where conda looks for noarch-ness) */
  na?: boolean;
};

/** An index over hand-written records: `ch` is the channel rank (0 = highest priority). */
function index(specs: Spec[]) {
  const byName = new Map<string, PackageRecord[]>();
  const rank = new Map<PackageRecord, number>();
  for (const s of specs) {
    const r = PackageRecord.fromJson(
      {
        name: s.n,
        version: s.v,
        build: s.b ?? `h_${s.bn ?? 0}`,
        build_number: s.bn ?? 0,
        depends: s.deps ?? [],
        constrains: s.cons ?? [],
        track_features: s.tf,
        timestamp: s.ts,
        ...(s.na ? { noarch: "python" } : {}),
      },
      { channel: `ch${s.ch ?? 0}`, subdir: s.na ? "noarch" : "linux-64" },
    );
    byName.set(s.n, [...(byName.get(s.n) ?? []), r]);
    rank.set(r, s.ch ?? 0);
  }
  for (const list of byName.values()) list.sort((a, b) => rank.get(a)! - rank.get(b)!);
  return { get: (n: string) => byName.get(n) ?? [], channelRank: (r: PackageRecord) => rank.get(r) ?? 0 };
}

const names = (rs: PackageRecord[]) => rs.map((r) => `${r.name}-${r.version}-${r.build}`).sort();
const vp = linuxVirtualPackages();

describe("conda encoding", () => {
  it("picks the highest version, then build number, and pulls in dependencies", () => {
    const idx = index([
      { n: "a", v: "1.0", deps: ["b"] },
      { n: "a", v: "2.0", bn: 0, deps: ["b >=2"] },
      { n: "a", v: "2.0", bn: 3, deps: ["b >=2"] },
      { n: "b", v: "1.0" },
      { n: "b", v: "2.5" },
    ]);
    assert.deepEqual(names(solve({ specs: ["a"], index: idx, virtualPackages: vp }).records), [
      "a-2.0-h_3",
      "b-2.5-h_0",
    ]);
    assert.deepEqual(names(solve({ specs: ["a <2"], index: idx, virtualPackages: vp }).records), [
      "a-1.0-h_0",
      "b-2.5-h_0",
    ]);
  });

  it("constrains restrict a name only when it is installed", () => {
    const idx = index([
      { n: "a", v: "1.0", cons: ["b <2"] },
      { n: "b", v: "1.0" },
      { n: "b", v: "3.0" },
    ]);
    assert.deepEqual(names(solve({ specs: ["a"], index: idx, virtualPackages: vp }).records), ["a-1.0-h_0"]);
    assert.deepEqual(names(solve({ specs: ["a", "b"], index: idx, virtualPackages: vp }).records), [
      "a-1.0-h_0",
      "b-1.0-h_0",
    ]);
    assert.throws(
      () => solve({ specs: ["a", "b >=3"], index: idx, virtualPackages: vp }),
      (e: unknown) => e instanceof UnsatisfiableError && /constrains b <2/.test(e.message),
    );
  });

  it("de-prioritises track_features builds", () => {
    const idx = index([
      { n: "blas", v: "1.0", b: "mkl", tf: "mkl" },
      { n: "blas", v: "1.0", b: "openblas" },
      { n: "np", v: "1.0", deps: ["blas"] },
    ]);
    assert.deepEqual(names(solve({ specs: ["np"], index: idx, virtualPackages: vp }).records), [
      "blas-1.0-openblas",
      "np-1.0-h_0",
    ]);
    assert.deepEqual(names(solve({ specs: ["np", "blas=*=mkl"], index: idx, virtualPackages: vp }).records), [
      "blas-1.0-mkl",
      "np-1.0-h_0",
    ]);
  });

  it("newest timestamp breaks remaining ties", () => {
    const idx = index([
      { n: "a", v: "1.0", b: "old", ts: 1000 },
      { n: "a", v: "1.0", b: "new", ts: 2000 },
    ]);
    assert.deepEqual(names(solve({ specs: ["a"], index: idx, virtualPackages: vp }).records), ["a-1.0-new"]);
  });

  it("channel priority: strict, flexible, disabled", () => {
    const idx = index([
      { n: "a", v: "1.0", ch: 0 },
      { n: "a", v: "2.0", ch: 1 },
      { n: "b", v: "1.0", ch: 1 },
    ]);
    const run = (specs: string[], channelPriority: "strict" | "flexible" | "disabled") =>
      names(solve({ specs, index: idx, virtualPackages: vp, channelPriority }).records);
    assert.deepEqual(run(["a"], "strict"), ["a-1.0-h_0"]);
    assert.deepEqual(run(["a"], "flexible"), ["a-1.0-h_0"]);
    assert.deepEqual(run(["a"], "disabled"), ["a-2.0-h_0"]);
    assert.deepEqual(run(["a >=2"], "flexible"), ["a-2.0-h_0"]);
    // a name only in a lower-priority channel is still found under strict priority
    assert.deepEqual(run(["b"], "strict"), ["b-1.0-h_0"]);
    assert.throws(
      () => run(["a >=2"], "strict"),
      (e: unknown) => e instanceof UnsatisfiableError && /strict channel priority/.test(e.message),
    );
  });

  it("virtual packages are facts; a missing one makes the request unsatisfiable", () => {
    const idx = index([
      { n: "a", v: "1.0", deps: ["__glibc >=2.17"] },
      { n: "c", v: "1.0", deps: ["__cuda >=11"] },
    ]);
    assert.deepEqual(names(solve({ specs: ["a"], index: idx, virtualPackages: vp }).records), ["a-1.0-h_0"]);
    assert.throws(
      () => solve({ specs: ["a"], index: idx, virtualPackages: [] }),
      (e: unknown) => e instanceof UnsatisfiableError && /__glibc/.test(e.message),
    );
    assert.throws(
      () => solve({ specs: ["c"], index: idx, virtualPackages: vp }),
      (e: unknown) => e instanceof UnsatisfiableError && /virtual package/.test(e.message),
    );
  });

  it("installed packages: kept (update_specs), updated (update_all), frozen with fallback", () => {
    const idx = index([
      { n: "a", v: "1.0", deps: ["b"] },
      { n: "a", v: "2.0", deps: ["b >=2"] },
      { n: "b", v: "1.0" },
      { n: "b", v: "2.0" },
      { n: "c", v: "1.0" },
      { n: "c", v: "2.0" },
    ]);
    const installed = [idx.get("b")[0], idx.get("c")[0]];
    const run = (specs: string[], updateModifier: "update_specs" | "update_all" | "freeze_installed") =>
      names(solve({ specs, index: idx, virtualPackages: vp, installed, updateModifier }).records);
    assert.deepEqual(run(["a <2"], "update_specs"), ["a-1.0-h_0", "b-1.0-h_0", "c-1.0-h_0"]);
    assert.deepEqual(run(["a <2"], "update_all"), ["a-1.0-h_0", "b-2.0-h_0", "c-2.0-h_0"]);
    // a 2.0 needs b >= 2: the request wins over keeping b, c stays
    assert.deepEqual(run(["a"], "update_specs"), ["a-2.0-h_0", "b-2.0-h_0", "c-1.0-h_0"]);
    // frozen: the best a that works with b 1.0 as installed
    assert.deepEqual(run(["a"], "freeze_installed"), ["a-1.0-h_0", "b-1.0-h_0", "c-1.0-h_0"]);
    // nothing works frozen: conda retries without freezing
    assert.deepEqual(run(["a >=2"], "freeze_installed"), ["a-2.0-h_0", "b-2.0-h_0", "c-1.0-h_0"]);
  });

  it("pins exclude other versions and are named in the explanation", () => {
    const idx = index([
      { n: "b", v: "1.0" },
      { n: "b", v: "2.0" },
      { n: "a", v: "1.0", deps: ["b >=2"] },
    ]);
    assert.deepEqual(
      names(solve({ specs: ["b"], index: idx, virtualPackages: vp, pinned: ["b 1.*"] }).records),
      ["b-1.0-h_0"],
    );
    assert.throws(
      () => solve({ specs: ["a"], index: idx, virtualPackages: vp, pinned: ["b 1.*"] }),
      (e: unknown) => e instanceof UnsatisfiableError && /pinned to b 1\.\*/.test(e.message),
    );
  });

  it("PackagesNotFoundError for requested specs that match nothing; UnsatisfiableError for missing dependencies", () => {
    const idx = index([{ n: "a", v: "1.0", deps: ["ghost"] }]);
    assert.throws(
      () => solve({ specs: ["nothere", "a 9.*"], index: idx, virtualPackages: vp }),
      (e: unknown) =>
        e instanceof PackagesNotFoundError &&
        e.exceptionName === "PackagesNotFoundError" &&
        e.packages.join() === "nothere,a 9.*",
    );
    assert.throws(
      () => solve({ specs: ["a"], index: idx, virtualPackages: vp }),
      (e: unknown) =>
        e instanceof UnsatisfiableError &&
        e.exceptionName === "UnsatisfiableError" &&
        /ghost is not in any channel/.test(e.message),
    );
  });

  it("explains a conflict through dependency chains with merged versions and a hint", () => {
    const idx = index([
      { n: "python", v: "2.7.1" },
      { n: "python", v: "2.7.2" },
      { n: "python", v: "3.12.0" },
      { n: "numpy", v: "1.19.0", b: "py27_0", deps: ["python 2.7.*"] },
      { n: "numpy", v: "1.19.0", b: "py27_1", bn: 1, deps: ["python 2.7.*"] },
    ]);
    try {
      solve({ specs: ["python 3.12.*", "numpy 1.19.*"], index: idx, virtualPackages: vp });
      assert.fail("expected UnsatisfiableError");
    } catch (e) {
      assert.ok(e instanceof UnsatisfiableError);
      assert.deepEqual(e.specs, ["python 3.12.*", "numpy 1.19.*"]);
      assert.match(e.message, /numpy 1\.19\.0 \(2 builds\)/);
      assert.match(e.message, /requires python 2\.7\.\*, which can be python 2\.7\.1 \| 2\.7\.2/);
      assert.match(e.message, /only one python can be installed/);
      assert.match(e.hint ?? "", /python 3\.12\.\*, numpy 1\.19\.\*/);
      assert.ok(e.tree.length >= 2);
    }
  });

  it("summarises many builds that need another version of a name in one line, requests first", () => {
    const idx = index([
      { n: "python", v: "2.7.1" },
      { n: "python", v: "3.6.0" },
      { n: "python", v: "3.7.0" },
      { n: "ipython", v: "6.1.0", b: "py36_0", deps: ["python >=3.6,<3.7.0a0"] },
      { n: "ipython", v: "6.2.0", b: "py36_0", deps: ["python >=3.6,<3.7.0a0"] },
      { n: "ipython", v: "6.2.0", b: "py37_0", deps: ["python >=3.7,<3.8.0a0"] },
      { n: "ipython", v: "6.3.0", b: "py37_0", deps: ["python >=3.7,<3.8.0a0"] },
    ]);
    try {
      solve({ specs: ["ipython 6.*", "python 2.7.*"], index: idx, virtualPackages: vp });
      assert.fail("expected UnsatisfiableError");
    } catch (e) {
      assert.ok(e instanceof UnsatisfiableError);
      const line = e.message.split("\n").find((l) => l.includes("only one python can be installed"));
      assert.equal(
        line,
        "  - python 2.7.* is requested, but ipython 6.1.0 | 6.2.0 | 6.3.0 require python >=3.6,<3.7.0a0 | >=3.7,<3.8.0a0; only one python can be installed",
      );
    }
  });

  it("minimises the sum of the requested packages' version ranks, as conda does (not request order)", () => {
    const idx = index([
      { n: "c", v: "3", deps: ["d <2"] },
      { n: "c", v: "2" },
      { n: "d", v: "1" },
      { n: "d", v: "2" },
      { n: "d", v: "3" },
    ]);
    // c first in request order would take c 3 and so d 1 (ranks 0 + 2); conda's eq_req_v sum
    // prefers c 2 with d 3 (ranks 1 + 0)
    const got = solve({ specs: ["c", "d"], index: idx, virtualPackages: vp }).records.map((r) => r.distName);
    assert.deepEqual(got.sort(), ["c-2-h_0", "d-3-h_0"]);
    // within the optimal sum, ties still go to the earlier request: c 3 + d 2 vs c 2 + d 3
    const tie = index([
      { n: "c", v: "3", deps: ["d <3"] },
      { n: "c", v: "2" },
      { n: "d", v: "2" },
      { n: "d", v: "3" },
    ]);
    const t = solve({ specs: ["c", "d"], index: tie, virtualPackages: vp }).records.map((r) => r.distName);
    assert.deepEqual(t.sort(), ["c-3-h_0", "d-2-h_0"]);
  });

  it("settles a tie in the requested versions' sum by the other packages' ranks, as conda does", () => {
    // found by bench/objective-gap.ts: b 3 + c 1 and b 1 + c 2 tie on the requested sum (0 + 2 and
    // 1 + 1); c 1 needs a (a 1, rank 1 of 2 versions) while c 2 needs nothing, so conda's next level
    // (other packages' rank sum, 1 vs 0) picks b 1 + c 2. Request order alone would keep b 3.
    const idx = index([
      { n: "b", v: "1", cons: ["e <3"] },
      { n: "c", v: "3", deps: ["b <2", "c 1.*"] },
      { n: "e", v: "3", deps: ["e !=2", "b !=2"] },
      { n: "a", v: "1" },
      { n: "c", v: "2", cons: ["b <3"] },
      { n: "d", v: "3", deps: ["b <3"], cons: ["b >=2"] },
      { n: "e", v: "1", cons: ["d 1.*"] },
      { n: "d", v: "2", deps: ["d <3"], cons: ["b <3"] },
      { n: "a", v: "3", deps: ["b <3", "e 1.*"], cons: ["a !=2"] },
      { n: "c", v: "1", deps: ["a <3"], cons: ["b >=2"] },
      { n: "b", v: "3", cons: ["a"] },
      { n: "d", v: "1", deps: ["d >=2", "d !=2"], cons: ["c <2"] },
    ]);
    const got = solve({ specs: ["b", "c"], index: idx, virtualPackages: vp }).records.map((r) => r.distName);
    assert.deepEqual(got.sort(), ["b-1-h_0", "c-2-h_0"]);
  });

  it("prefers an arch-specific build over an otherwise equal noarch one, as conda's eq_a does", () => {
    const idx = index([
      { n: "tool", v: "1.0", b: "pyh_0", na: true, ts: 2000 },
      { n: "tool", v: "1.0", b: "py311_0", ts: 1000 },
      { n: "tool", v: "0.9", b: "py311_0", ts: 500 },
    ]);
    const got = solve({ specs: ["tool"], index: idx, virtualPackages: vp }).records.map((r) => r.distName);
    assert.deepEqual(got, ["tool-1.0-py311_0"]);
    // a higher build number still wins over arch-ness (builds come first in conda's order)
    const idx2 = index([
      { n: "tool", v: "1.0", b: "pyh_1", bn: 1, na: true },
      { n: "tool", v: "1.0", b: "py311_0" },
    ]);
    assert.deepEqual(
      solve({ specs: ["tool"], index: idx2, virtualPackages: vp }).records.map((r) => r.distName),
      ["tool-1.0-pyh_1"],
    );
  });

  it("explainChoices gives the chain of requests that pulled each package in", () => {
    const idx = index([
      { n: "a", v: "1.0", deps: ["b >=1"] },
      { n: "b", v: "1.0", deps: ["c"] },
      { n: "c", v: "1.0" },
    ]);
    const res = solve({ specs: ["a"], index: idx, virtualPackages: vp });
    const c = explainChoices(res.problem).find((x) => x.record.name === "c")!;
    assert.deepEqual(
      c.chain.map((s) => `${s.by?.name ?? "request"}: ${s.spec}`),
      ["request: a", "a: b >=1", "b: c"],
    );
  });

  it("stops at the budget and on an aborted signal", () => {
    // pigeonhole-like: 6 packages each need one of 5 "slot" builds, every slot build can serve one
    const recs: Spec[] = [];
    for (let s = 0; s < 5; s++) recs.push({ n: `slot${s}`, v: "1.0" });
    for (let p = 0; p < 6; p++)
      for (let s = 0; s < 5; s++)
        recs.push({
          n: `p${p}`,
          v: `1.${s}`,
          deps: [`slot${s}`],
          cons: Array.from({ length: 6 }, (_, q) => q)
            .filter((q) => q !== p)
            .map((q) => `p${q} !=1.${s}`),
        });
    const idx = index(recs);
    const specs = Array.from({ length: 6 }, (_, p) => `p${p}`);
    assert.throws(
      () => solve({ specs, index: idx, virtualPackages: vp, budget: 3 }),
      (e: unknown) => e instanceof SolveAbortedError && e.code === "SOLVE_BUDGET_EXCEEDED",
    );
    const ac = new AbortController();
    ac.abort();
    assert.throws(
      () => solve({ specs, index: idx, virtualPackages: vp, signal: ac.signal }),
      (e: unknown) => e instanceof SolveAbortedError && e.code === "SOLVE_CANCELLED",
    );
    assert.throws(() => solve({ specs, index: idx, virtualPackages: vp }), UnsatisfiableError);
  });
});

describe("solveAsync", () => {
  it("solves like solve() and can be aborted from a timer while searching", async () => {
    const { solveAsync } = await import("../../src/solver/conda/solve.js");
    const idx = index([
      { n: "a", v: "1.0", deps: ["b"] },
      { n: "b", v: "1.0" },
    ]);
    const res = await solveAsync({ specs: ["a"], index: idx, virtualPackages: vp });
    assert.deepEqual(names(res.records), ["a-1.0-h_0", "b-1.0-h_0"]);
    // 12 pigeons, 11 holes: hard enough for CDCL to still be searching when the timer fires
    const recs: Spec[] = [];
    for (let p = 0; p < 12; p++)
      for (let h = 0; h < 11; h++)
        recs.push({
          n: `p${p}`,
          v: `1.${h}`,
          cons: Array.from({ length: 12 }, (_, q) => q)
            .filter((q) => q !== p)
            .map((q) => `p${q} !=1.${h}`),
        });
    const hard = index(recs);
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 20);
    await assert.rejects(
      solveAsync({
        specs: Array.from({ length: 12 }, (_, p) => `p${p}`),
        index: hard,
        virtualPackages: vp,
        signal: ac.signal,
      }),
      (e: unknown) => e instanceof SolveAbortedError && e.code === "SOLVE_CANCELLED",
    );
    clearTimeout(timer);
  });
});
