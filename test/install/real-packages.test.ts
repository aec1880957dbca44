// Every real archive of ../shared/data/packages installs, relocates and unlinks: extracted by
// taipan's own extractor and by Debian's cph, linked into the same prefix path, the prefix trees
// (paths, types, sha256) agree, verifyPrefix is clean, and unlinking leaves the prefix empty.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { lstatSync, readdirSync, readlinkSync } from "node:fs";
import { join, relative } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { PackageRecord } from "../../src/conda/package-record.js";
import { writePrefixRecord } from "../../src/install/conda-meta.js";
import { linkPackage, unlinkPackage } from "../../src/install/link.js";
import { pythonInfoFor } from "../../src/install/noarch-python.js";
import { verifyPrefix } from "../../src/install/verify-prefix.js";
import { extractPackage } from "../../src/package/extract.js";
import { sharedData } from "../support/paths.js";
import { distOf, emptyDirs, listTree, removeDir, sha256Of, tempDir } from "./fixtures.js";

const run = promisify(execFile);
const PYTHON = pythonInfoFor(PackageRecord.fromJson({ name: "python", version: "3.11.7", build: "0" }));

function archives(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (lstatSync(full).isDirectory()) archives(full, out);
    else if (name.endsWith(".conda") || name.endsWith(".tar.bz2")) out.push(full);
  }
  return out;
}

/** path → "type:sha256" of everything a prefix holds outside conda-meta. */
function snapshot(prefix: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const rel of listTree(prefix, ["conda-meta"])) {
    const full = join(prefix, rel);
    const st = lstatSync(full);
    // executable bits only: cph keeps the archive's 0666 modes verbatim (Python tarfile), taipan's
    // extractor lets the umask drop group/other write, which is the extractor's choice to make
    out.set(
      rel,
      st.isSymbolicLink() ? `link:${readlinkSync(full)}` : `file:${sha256Of(full)}:${st.mode & 0o111}`,
    );
  }
  return out;
}

let root: string;
const all = archives(sharedData("packages"));
const ours = new Map<string, string>();
const theirs = new Map<string, string>();

before(async () => {
  root = tempDir("real");
  const jobs = all.map((a, i) => async () => {
    const key = `${i}-${distOf(a)}`;
    try {
      await extractPackage(a, join(root, "taipan", key));
      ours.set(a, join(root, "taipan", key));
    } catch {
      // archives taipan rejects are the extractor's tests' business
    }
    try {
      await run("/usr/bin/cph", ["extract", a, "--dest", join(root, "cph", key)]);
      theirs.set(a, join(root, "cph", key));
    } catch {
      // cph 2.0.1 cannot read a few of these archives (see the test below)
    }
  });
  // two at a time: cph is a Python start-up per archive
  const queue = [...jobs];
  await Promise.all(
    [0, 1].map(async () => {
      for (let job = queue.shift(); job; job = queue.shift()) await job();
    }),
  );
});
after(() => removeDir(root));

describe("real packages", () => {
  it("install, relocate and unlink the same way from taipan's and cph's extraction", () => {
    assert.ok(all.length >= 80, `${all.length} archives`);
    let compared = 0;
    for (const a of all) {
      const dirs = [ours.get(a), theirs.get(a)].filter((d): d is string => d !== undefined);
      const snaps: Map<string, string>[] = [];
      for (const dir of dirs) {
        const prefix = join(root, "prefix"); // the same path for both, so relocated bytes agree
        const { prefixRecord } = linkPackage(prefix, dir, { python: PYTHON });
        writePrefixRecord(prefix, prefixRecord);
        const v = verifyPrefix(prefix);
        assert.deepEqual(v.problems, [], `${relative(sharedData(), a)} from ${dir}`);
        assert.deepEqual(listTree(prefix, ["conda-meta"]), [...new Set(prefixRecord.files)].sort(), a);
        snaps.push(snapshot(prefix));
        unlinkPackage(prefix, prefixRecord);
        assert.deepEqual(listTree(prefix), [], `unlink of ${a} leaves nothing`);
        assert.deepEqual(emptyDirs(prefix, ["conda-meta"]), []);
        removeDir(prefix);
      }
      if (snaps.length === 2) {
        assert.deepEqual(
          [...snaps[0]].sort(),
          [...snaps[1]].sort(),
          `${a}: taipan and cph extractions link the same`,
        );
        compared++;
      }
    }
    assert.ok(compared >= 75, `compared ${compared} archives`);
    assert.ok(ours.size >= all.length - 2, `taipan extracted ${ours.size}/${all.length}`);
  });
});
