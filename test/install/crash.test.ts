import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { PackageRecord } from "../../src/conda/package-record.js";
import { readPrefixRecords } from "../../src/install/conda-meta.js";
import { readHistory } from "../../src/install/history.js";
import { readPackageContents } from "../../src/install/package-contents.js";
import { executeTransaction, planTransaction, recoverPrefix } from "../../src/install/transaction.js";
import { verifyPrefix } from "../../src/install/verify-prefix.js";
import { REPO_ROOT } from "../support/paths.js";
import { distOf, emptyDirs, extractWithCph, listTree, packagePath, removeDir, tempDir } from "./fixtures.js";

// A real upgrade: packages removed, one replaced by a new build, a directory that becomes a file
// (clobber-directory-upgrade), a placeholder file to relocate (zlib), link scripts (not run).
const OLD = [
  packagePath("rattler", "clobber", "clobber-1-0.1.0-h4616a5c_0.tar.bz2"),
  packagePath("rattler", "clobber", "clobber-nested-1-0.1.0-h4616a5c_0.tar.bz2"),
  packagePath("rattler", "clobber", "clobber-directory-upgrade-0.1.0-h4616a5c_0.conda"),
  packagePath("rattler", "link-scripts", "link-scripts-0.1.0-h4616a5c_0.conda"),
];
const NEW = [
  packagePath("conda-format-repo", "linux-64", "zlib-1.2.11-h7b6447c_3.tar.bz2"),
  packagePath("rattler", "clobber", "clobber-1-0.2.0-h4616a5c_0.tar.bz2"),
  packagePath("rattler", "clobber", "clobber-nested-2-0.1.0-h4616a5c_0.tar.bz2"),
  packagePath("rattler", "clobber", "clobber-directory-upgrade-0.2.0-h4616a5c_0.conda"),
  packagePath("conda-test-recipes", "noarch", "small-executable-1.0-0.conda"),
  packagePath("rattler", "clobber", "clobber-with-dir-0.1.0-h4616a5c_0.conda"),
];
const CHANNEL = "https://conda.example.org/crash";

const here = fileURLToPath(import.meta.url);
const compiled = here.endsWith(".js");
const child = here.replace(/crash\.test\.(ts|js)$/, `crash-child.$1`);
const childArgs = compiled ? [child] : ["--import", "tsx", child];

let root: string;
let pkgs: string;
before(() => {
  root = tempDir("crash");
  pkgs = join(root, "pkgs");
  for (const a of [...OLD, ...NEW]) extractWithCph(a, pkgs);
});
after(() => removeDir(root));

function targetsFor(archives: string[], pkgsDir = pkgs) {
  return archives.map((a) => ({ extractedDir: join(pkgsDir, distOf(a)), channel: CHANNEL }));
}

function installOld(prefix: string): void {
  const targets = targetsFor(OLD).map((t) => ({
    record: PackageRecord.fromJson(readPackageContents(t.extractedDir).record.toJson(), { channel: CHANNEL }),
    extractedDir: t.extractedDir,
  }));
  executeTransaction(planTransaction(prefix, targets), { cmd: "setup" });
}

interface ChildRun {
  paused: boolean;
  completed: boolean;
  stderr: string;
  points?: number;
}

/** Runs the child; kills it with SIGKILL when it pauses at a fault point or after `killAfterMs`. */
function runChild(
  prefix: string,
  targetsFile: string,
  env: NodeJS.ProcessEnv,
  killAfterMs?: number,
): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...childArgs, prefix, targetsFile], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let stdout = "";
    let paused = false;
    let timer: NodeJS.Timeout | undefined;
    if (killAfterMs !== undefined) timer = setTimeout(() => p.kill("SIGKILL"), killAfterMs);
    p.stdout.on("data", (d) => {
      stdout += d;
    });
    p.stderr.on("data", (d) => {
      stderr += d;
      if (!paused && stderr.includes("TAIPAN_FAULT_PAUSED")) {
        paused = true;
        p.kill("SIGKILL");
      }
    });
    p.on("error", reject);
    p.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal !== "SIGKILL" && code !== 0) {
        reject(new Error(`crash child failed (${code}): ${stderr}`));
        return;
      }
      const m = /TAIPAN_FAULT_POINTS (\d+)/.exec(stderr);
      resolve({ paused, completed: stdout.includes("DONE"), stderr, points: m ? Number(m[1]) : undefined });
    });
  });
}

const dists = (archives: string[]) => archives.map(distOf).sort();

/** Exactly the old or the new state: records, files with their hashes, nothing unlisted, history. */
function assertOldOrNew(prefix: string): "old" | "new" {
  const names = readPrefixRecords(prefix)
    .map((p) => p.record.distName)
    .sort();
  const state = JSON.stringify(names) === JSON.stringify(dists(OLD)) ? "old" : "new";
  assert.deepEqual(names, state === "old" ? dists(OLD) : dists(NEW), "records are the old or the new set");
  assert.deepEqual(verifyPrefix(prefix).problems, [], "every listed file present with its recorded hash");
  const listed = new Set(readPrefixRecords(prefix).flatMap((p) => p.files));
  assert.deepEqual(listTree(prefix, ["conda-meta"]), [...listed].sort(), "nothing unlisted left behind");
  assert.deepEqual(emptyDirs(prefix, ["conda-meta"]), [], "no empty directories left behind");
  const meta = readdirSync(join(prefix, "conda-meta")).filter((f) => !f.endsWith(".json") && f !== "history");
  assert.deepEqual(meta, [], "no journal or temp files in conda-meta");
  assert.equal(readHistory(prefix).length, state === "old" ? 1 : 2, "history matches the state");
  return state;
}

describe("crash safety (SIGKILL during a transaction)", () => {
  it("every interrupted install recovers to exactly the old or the new state", async () => {
    const targetsFile = join(root, "new-targets.json");
    writeFileSync(targetsFile, JSON.stringify(targetsFor(NEW)));

    // calibrate: how many fault points does the whole transaction pass?
    const calib = join(root, "calib");
    installOld(calib);
    const full = await runChild(calib, targetsFile, { TAIPAN_FAULT_COUNT: "1" });
    assert.ok(full.completed && full.points, full.stderr);
    assert.equal(assertOldOrNew(calib), "new");
    const points = full.points as number;
    assert.ok(points > 30, `only ${points} fault points`);

    const outcomes = { old: 0, new: 0 };
    let kills = 0;
    // 30 kills at fault points spread over the whole transaction (a random point inside each
    // of 30 equal slices, so every phase is hit), plus 6 kills after random delays
    const trials: { at?: number; delay?: number }[] = [];
    for (let i = 0; i < 30; i++) {
      const lo = Math.floor((i * points) / 30) + 1;
      const hi = Math.max(lo, Math.floor(((i + 1) * points) / 30));
      trials.push({ at: lo + Math.floor(Math.random() * (hi - lo + 1)) });
    }
    for (let i = 0; i < 6; i++) trials.push({ delay: Math.floor(Math.random() * 400) });

    for (const [i, t] of trials.entries()) {
      const prefix = join(root, `p${i}`);
      installOld(prefix);
      const run =
        t.at !== undefined
          ? await runChild(prefix, targetsFile, { TAIPAN_FAULT_PAUSE_AT: String(t.at) })
          : await runChild(prefix, targetsFile, {}, t.delay);
      if (!run.completed) kills++;
      if (t.at !== undefined) assert.ok(run.paused, `child paused at point ${t.at}: ${run.stderr}`);
      const rec = recoverPrefix(prefix);
      if (run.completed) assert.equal(rec.action, "none");
      const state = assertOldOrNew(prefix);
      outcomes[state]++;
      // the prefix is usable afterwards: a normal transaction on it works
      if (i % 10 === 0) {
        installOld(prefix);
        assert.deepEqual(verifyPrefix(prefix).problems, []);
        assert.deepEqual(
          readPrefixRecords(prefix)
            .map((p) => p.record.distName)
            .sort(),
          dists(OLD),
        );
      }
    }
    assert.ok(kills >= 30, `${kills} kills`);
    // with the extracted packages still in the cache, recovery rolls forward
    assert.ok(outcomes.new >= 29, JSON.stringify(outcomes));
  });

  it("rolls back when a package still to be linked has left the cache", async () => {
    let rolledBack = 0;
    for (const frac of [0.5, 0.7, 0.85]) {
      const prefix = join(root, `rb-${frac}`);
      installOld(prefix);
      // the new packages come from a private cache this trial can delete from
      const cache = join(root, `cache-${frac}`);
      for (const a of NEW) cpSync(join(pkgs, distOf(a)), join(cache, distOf(a)), { recursive: true });
      const targetsFile = join(root, `targets-${frac}.json`);
      writeFileSync(targetsFile, JSON.stringify(targetsFor(NEW, cache)));
      const calib = await runChild(join(root, `rb-calib-${frac}`), targetsFile, { TAIPAN_FAULT_COUNT: "1" });
      const at = Math.max(2, Math.floor((calib.points as number) * frac));
      const run = await runChild(prefix, targetsFile, { TAIPAN_FAULT_PAUSE_AT: String(at) });
      assert.ok(run.paused);
      removeDir(cache);
      const rec = recoverPrefix(prefix);
      if (rec.action === "rolled-back") rolledBack++;
      const state = assertOldOrNew(prefix);
      if (rec.action === "rolled-back") assert.equal(state, "old");
      assert.ok(!existsSync(join(prefix, "conda-meta", ".taipan-transaction.json")));
      assert.ok(readFileSync(join(prefix, "conda-meta", "history"), "utf8").includes("# cmd: setup"));
    }
    assert.ok(rolledBack >= 2, `${rolledBack} rollbacks`);
  });
});
