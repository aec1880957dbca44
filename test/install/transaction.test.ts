import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { PackageRecord } from "../../src/conda/package-record.js";
import { readPrefixRecords } from "../../src/install/conda-meta.js";
import { historyRevisions, readHistory } from "../../src/install/history.js";
import { LinkError } from "../../src/install/install-errors.js";
import { readPackageContents } from "../../src/install/package-contents.js";
import {
  executeTransaction,
  planTransaction,
  recoverPrefix,
  type TargetPackage,
} from "../../src/install/transaction.js";
import { verifyPrefix } from "../../src/install/verify-prefix.js";
import { emptyDirs, extractWithCph, listTree, packagePath, removeDir, tempDir } from "./fixtures.js";

let root: string;
let pkgs: string;
before(() => {
  root = tempDir("txn");
  pkgs = join(root, "pkgs");
});
after(() => removeDir(root));

function target(archive: string, channel = "https://conda.example.org/test"): TargetPackage {
  const dir = extractWithCph(archive, pkgs);
  const record = PackageRecord.fromJson(readPackageContents(dir).record.toJson(), { channel });
  return { record, extractedDir: dir, requestedSpec: record.name };
}

const ZLIB = () => target(packagePath("conda-format-repo", "linux-64", "zlib-1.2.11-h7b6447c_3.tar.bz2"));
const CLOBBER1_01 = () => target(packagePath("rattler", "clobber", "clobber-1-0.1.0-h4616a5c_0.tar.bz2"));
const CLOBBER1_02 = () => target(packagePath("rattler", "clobber", "clobber-1-0.2.0-h4616a5c_0.tar.bz2"));
const CLOBBER2 = () => target(packagePath("rattler", "clobber", "clobber-2-0.1.0-h4616a5c_0.tar.bz2"));
const LINK_SCRIPTS = () =>
  target(packagePath("rattler", "link-scripts", "link-scripts-0.1.0-h4616a5c_0.conda"));
const FAILING = () => target(packagePath("conda-test-recipes", "noarch", "failing_post_link-1.0-0.conda"));

/** The prefix holds exactly its records' files: nothing missing, modified or unlisted. */
function assertConsistent(prefix: string, extraAllowed: string[] = []): void {
  const v = verifyPrefix(prefix);
  assert.deepEqual(v.problems, []);
  const listed = new Set(readPrefixRecords(prefix).flatMap((pr) => pr.files));
  const present = listTree(prefix, ["conda-meta"]).filter((f) => !extraAllowed.includes(f));
  assert.deepEqual(present, [...listed].sort());
  assert.deepEqual(emptyDirs(prefix, ["conda-meta"]), []);
  const meta = readdirSync(join(prefix, "conda-meta")).filter((f) => !f.endsWith(".json") && f !== "history");
  assert.deepEqual(meta, [], "no journal or temp files left in conda-meta");
}

function names(prefix: string): string[] {
  return readPrefixRecords(prefix).map((p) => p.record.distName);
}

describe("transactions", () => {
  it("installs into an empty prefix, records history, lists skipped scripts", () => {
    const prefix = join(root, "env1");
    const plan = planTransaction(prefix, [ZLIB(), CLOBBER1_01(), LINK_SCRIPTS()]);
    assert.equal(plan.unlink.length, 0);
    assert.equal(plan.link.length, 3);
    const events: string[] = [];
    const res = executeTransaction(plan, {
      cmd: "taipan create -p env1 zlib clobber-1 link-scripts",
      updateSpecs: ["zlib", "clobber-1", "link-scripts"],
      onProgress: (e) => events.push(`${e.phase} ${e.dist}`),
    });
    assert.equal(events.length, 3);
    assert.deepEqual(names(prefix), [
      "clobber-1-0.1.0-h4616a5c_0",
      "link-scripts-0.1.0-h4616a5c_0",
      "zlib-1.2.11-h7b6447c_3",
    ]);
    assert.deepEqual(
      res.skippedScripts.map((s) => s.dist),
      ["link-scripts-0.1.0-h4616a5c_0"],
    );
    assert.ok(res.warnings.some((w) => w.includes("link-scripts-0.1.0-h4616a5c_0")));
    assert.ok(!existsSync(join(prefix, "i-was-post-linked")), "scripts are off by default");
    assertConsistent(prefix);
    const hist = readHistory(prefix);
    assert.equal(hist.length, 1);
    assert.equal(hist[0].cmd, "taipan create -p env1 zlib clobber-1 link-scripts");
    assert.deepEqual(hist[0].updateSpecs, ["zlib", "clobber-1", "link-scripts"]);
    assert.ok(hist[0].added.includes("https://conda.example.org/test::zlib-1.2.11-h7b6447c_3"));

    // a changed build is unlink + link, a removed name is unlinked, the rest is untouched
    const zlibMeta = readFileSync(join(prefix, "conda-meta", "zlib-1.2.11-h7b6447c_3.json"), "utf8");
    const plan2 = planTransaction(prefix, [ZLIB(), CLOBBER1_02()]);
    assert.deepEqual(
      plan2.unchanged.map((p) => p.record.name),
      ["zlib"],
    );
    assert.deepEqual(plan2.unlink.map((p) => p.record.distName).sort(), [
      "clobber-1-0.1.0-h4616a5c_0",
      "link-scripts-0.1.0-h4616a5c_0",
    ]);
    assert.deepEqual(
      plan2.link.map((t) => t.record.distName),
      ["clobber-1-0.2.0-h4616a5c_0"],
    );
    executeTransaction(plan2, { cmd: "taipan install clobber-1=0.2" });
    assert.deepEqual(names(prefix), ["clobber-1-0.2.0-h4616a5c_0", "zlib-1.2.11-h7b6447c_3"]);
    assert.ok(!existsSync(join(prefix, "another-clobber.txt")), "files only the old build had are gone");
    assert.ok(!existsSync(join(prefix, "bin", ".link-scripts-post-link.sh")));
    assert.equal(readFileSync(join(prefix, "conda-meta", "zlib-1.2.11-h7b6447c_3.json"), "utf8"), zlibMeta);
    assertConsistent(prefix);
    const revs = historyRevisions(readHistory(prefix));
    assert.equal(revs.length, 2);
    assert.deepEqual([...revs[1].packages].sort(), [
      "https://conda.example.org/test::clobber-1-0.2.0-h4616a5c_0",
      "https://conda.example.org/test::zlib-1.2.11-h7b6447c_3",
    ]);

    // nothing to do: no journal, no history line
    executeTransaction(planTransaction(prefix, [ZLIB(), CLOBBER1_02()]));
    assert.equal(readHistory(prefix).length, 2);
  });

  it("reports clobbering between packages of one transaction", () => {
    const prefix = join(root, "env-clobber");
    const res = executeTransaction(planTransaction(prefix, [CLOBBER1_01(), CLOBBER2()]));
    assert.deepEqual(res.clobbers.map((c) => c.path).sort(), ["another-clobber.txt", "clobber.txt"]);
    assert.ok(res.warnings.some((w) => w.includes("clobbers 'clobber.txt'")));
    // removing the package that lost keeps the file the winner now owns
    executeTransaction(planTransaction(prefix, [CLOBBER2()]));
    assert.ok(existsSync(join(prefix, "clobber.txt")));
    assert.deepEqual(verifyPrefix(prefix).problems, []);
  });

  it("runs link scripts when allowed", () => {
    const prefix = join(root, "env-scripts");
    const res = executeTransaction(planTransaction(prefix, [LINK_SCRIPTS()]), { allowScripts: true });
    assert.ok(existsSync(join(prefix, "i-was-post-linked")));
    assert.deepEqual(res.skippedScripts, []);
    assert.ok(res.messages.join("").includes("post-link script that just ran"));
    assert.ok(!existsSync(join(prefix, ".messages.txt")));
    // pre-unlink runs on removal
    rmSync(join(prefix, "i-was-post-linked"));
    executeTransaction(planTransaction(prefix, []), { allowScripts: true });
    assert.deepEqual(names(prefix), []);
  });

  it("rolls the whole transaction back when a post-link script fails", () => {
    const prefix = join(root, "env-fail");
    executeTransaction(planTransaction(prefix, [ZLIB(), CLOBBER1_01()]));
    const before = names(prefix);
    const beforeMeta = readdirSync(join(prefix, "conda-meta"))
      .filter((f) => f.endsWith(".json"))
      .map((f) => readFileSync(join(prefix, "conda-meta", f), "utf8"));
    const plan = planTransaction(prefix, [ZLIB(), CLOBBER1_02(), FAILING()]);
    assert.throws(
      () => executeTransaction(plan, { allowScripts: true }),
      (e: unknown) =>
        e instanceof LinkError && /failing_post_link-1\.0-0/.test(e.message) && /rolled back/.test(e.message),
    );
    assert.deepEqual(names(prefix), before);
    const afterMeta = readdirSync(join(prefix, "conda-meta"))
      .filter((f) => f.endsWith(".json"))
      .map((f) => readFileSync(join(prefix, "conda-meta", f), "utf8"));
    assert.deepEqual(afterMeta, beforeMeta, "conda-meta restored byte for byte");
    assertConsistent(prefix);
    assert.equal(readHistory(prefix).length, 1, "a rolled-back transaction leaves no history");
    // without permission the same package installs, with a warning
    const res = executeTransaction(planTransaction(prefix, [ZLIB(), FAILING()]));
    assert.equal(res.skippedScripts[0]?.dist, "failing_post_link-1.0-0");
  });

  it("recoverPrefix is a no-op on a clean prefix", () => {
    assert.deepEqual(recoverPrefix(join(root, "env1")), { action: "none" });
    assert.deepEqual(recoverPrefix(join(root, "does-not-exist")), { action: "none" });
  });

  it("verifyPrefix reports missing and modified files", () => {
    const prefix = join(root, "env-verify");
    executeTransaction(planTransaction(prefix, [ZLIB()]));
    rmSync(join(prefix, "include", "zlib.h"));
    // write through a hard link would also change the cache: replace the file instead
    rmSync(join(prefix, "include", "zconf.h"));
    writeFileSync(join(prefix, "include", "zconf.h"), "changed");
    const v = verifyPrefix(prefix);
    assert.equal(v.ok, false);
    assert.deepEqual(v.problems.map((p) => [p.path, p.kind]).sort(), [
      ["include/zconf.h", "modified"],
      ["include/zlib.h", "missing"],
    ]);
  });
});

describe("noarch python in transactions", () => {
  it("links python first, compiles pyc into conda-meta, relinks noarch packages when python's minor changes", async (t) => {
    const { realPython, pythonVersionOf, fakePythonPackage } = await import("./fixtures.js");
    const exe = realPython();
    if (!exe) {
      t.skip("no python3 on this machine");
      return;
    }
    const version = pythonVersionOf(exe);
    const mm = version.split(".").slice(0, 2).join(".");
    const pyDir = fakePythonPackage(join(root, "pkgs-py"), version, exe);
    const py: TargetPackage = { record: readPackageContents(pyDir).record, extractedDir: pyDir };
    const sample = target(packagePath("conda-test-recipes", "noarch", "sample_noarch_python-1.0-py_0.conda"));
    const pynoarch = target(
      packagePath("rattler", "clobber", "clobber-pynoarch-1-0.1.0-pyh4616a5c_0.tar.bz2"),
    );
    const prefix = join(root, "env-py");
    // sample is listed before python: the plan still links python first
    const plan = planTransaction(prefix, [sample, pynoarch, py]);
    assert.equal(plan.link[0].record.name, "python");
    executeTransaction(plan);
    const recs = readPrefixRecords(prefix);
    const sampleRec = recs.find((r) => r.record.name === "sample_noarch_python");
    const sp = `lib/python${mm}/site-packages`;
    assert.deepEqual(
      sampleRec?.paths.map((p) => [p._path, p.path_type]),
      [
        [`${sp}/sample.py`, "hardlink"],
        [`${sp}/__pycache__/sample.cpython-${mm.replace(".", "")}.pyc`, "pyc_file"],
      ],
    );
    assertConsistent(prefix);

    // a python with another minor version moves site-packages: noarch packages follow it
    const otherDir = fakePythonPackage(join(root, "pkgs-py2"), "3.99.0", exe);
    const other: TargetPackage = { record: readPackageContents(otherDir).record, extractedDir: otherDir };
    const plan2 = planTransaction(prefix, [sample, pynoarch, other]);
    assert.deepEqual(
      plan2.link.map((x) => x.record.name),
      ["python", "clobber-pynoarch-1", "sample_noarch_python"],
    );
    executeTransaction(plan2);
    assert.ok(existsSync(join(prefix, "lib/python3.99/site-packages/sample.py")));
    assert.ok(!existsSync(join(prefix, sp)), "the old site-packages is gone");
    assert.deepEqual(verifyPrefix(prefix).problems, []);
  });
});
