// bench/install: linking an environment from a warm package cache with taipan vs `cp -al` of the
// same tree (what a hard-link install cannot beat), side by side in one run, medians of --runs.
//
//   node --import tsx bench/install.ts [--runs N] [--keep]
//
// The cache holds the real small packages of ../shared/data plus three large packages made from
// this machine's trees (/usr/lib/python3.11, /usr/lib/python3/dist-packages, /usr/include), with a
// generated info/paths.json (sha256 of every file) and some text files carrying conda's prefix
// placeholder, so relocation is part of the work. Every run links into a fresh prefix.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { PackageRecord } from "../src/conda/package-record.js";
import { linkPackage } from "../src/install/link.js";
import { readPackageContents } from "../src/install/package-contents.js";
import { executeTransaction, planTransaction, type TargetPackage } from "../src/install/transaction.js";
import { sharedData } from "../test/support/paths.js";
import { median } from "./median.js";

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf("--runs") + 1]) || 7;
const keep = args.includes("--keep");
const DATA = sharedData("packages");
const PLACEHOLDER = "/opt/anaconda1anaconda2anaconda3";

const REAL = [
  "conda-format-repo/linux-64/zlib-1.2.11-h7b6447c_3.tar.bz2",
  "conda-test-recipes/noarch/small-executable-1.0-0.conda",
  "rattler/clobber/clobber-1-0.1.0-h4616a5c_0.tar.bz2",
  "rattler/clobber/clobber-nested-1-0.1.0-h4616a5c_0.tar.bz2",
  "rattler/link-scripts/link-scripts-0.1.0-h4616a5c_0.conda",
];
const SYNTHETIC: [string, string][] = [
  ["pystdlib", "/usr/lib/python3.11"],
  ["distpkgs", "/usr/lib/python3/dist-packages"],
  ["headers", "/usr/include"],
];

function walk(dir: string, out: string[] = [], base = dir): string[] {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    const st = lstatSync(full);
    if (st.isDirectory()) walk(full, out, base);
    else if (st.isFile() || st.isSymbolicLink()) out.push(relative(base, full));
  }
  return out;
}

function makeSynthetic(pkgs: string, name: string, source: string): string {
  const dir = join(pkgs, `${name}-1.0-0`);
  cpSync(source, join(dir, "lib", name), { recursive: true, verbatimSymlinks: true });
  // a few dozen relocatable text files, as real packages have (.pc, scripts, config)
  mkdirSync(join(dir, "etc", name), { recursive: true });
  for (let i = 0; i < 40; i++) {
    writeFileSync(
      join(dir, "etc", name, `conf-${i}.sh`),
      `#!/bin/sh\nexport PREFIX=${PLACEHOLDER}\nexport LIB=${PLACEHOLDER}/lib\n`,
    );
  }
  const paths = walk(dir)
    .filter((p) => !p.startsWith("info/"))
    .sort()
    .map((p) => {
      const full = join(dir, p);
      const st = lstatSync(full);
      if (st.isSymbolicLink()) return { _path: p, path_type: "softlink" };
      const data = readFileSync(full);
      const e: Record<string, unknown> = {
        _path: p,
        path_type: "hardlink",
        sha256: createHash("sha256").update(data).digest("hex"),
        size_in_bytes: data.length,
      };
      if (p.startsWith("etc/")) {
        e.prefix_placeholder = PLACEHOLDER;
        e.file_mode = "text";
      }
      return e;
    });
  mkdirSync(join(dir, "info"), { recursive: true });
  writeFileSync(join(dir, "info", "paths.json"), JSON.stringify({ paths_version: 1, paths }));
  writeFileSync(
    join(dir, "info", "index.json"),
    JSON.stringify({ name, version: "1.0", build: "0", build_number: 0, depends: [], subdir: "linux-64" }),
  );
  return dir;
}

interface Sample {
  wall: number;
  /** user + system CPU ms: less disturbed than wall time by other load on a shared machine */
  cpu: number;
}

function time(fn: () => void): Sample {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

/** cp -al in a child; its CPU time comes from bash's `time` (the child's rusage). */
function timeCp(src: string, dest: string): Sample {
  const t0 = performance.now();
  const r = spawnSync("bash", ["-c", 'TIMEFORMAT="%3U %3S"; time cp -al "$0" "$1"', src, dest], {
    encoding: "utf8",
  });
  const wall = performance.now() - t0;
  if (r.status !== 0) throw new Error(`cp -al failed: ${r.stderr}`);
  const [u, sys] = r.stderr.trim().split(/\s+/).slice(-2).map(Number);
  return { wall, cpu: (u + sys) * 1000 };
}

function main(): void {
  const work = mkdtempSync(join(tmpdir(), "taipan-bench-install-"));
  try {
    const pkgs = join(work, "pkgs");
    mkdirSync(pkgs);
    const dirs: string[] = [];
    for (const rel of REAL) {
      const dest = join(
        pkgs,
        rel
          .split("/")
          .pop()
          ?.replace(/\.tar\.bz2$|\.conda$/, "") ?? "x",
      );
      execFileSync("/usr/bin/cph", ["extract", join(DATA, rel), "--dest", dest], { stdio: "ignore" });
      dirs.push(dest);
    }
    for (const [name, src] of SYNTHETIC) if (existsSync(src)) dirs.push(makeSynthetic(pkgs, name, src));
    const targets: TargetPackage[] = dirs.map((d) => ({
      record: PackageRecord.fromJson(readPackageContents(d).record.toJson(), { channel: "bench" }),
      extractedDir: d,
    }));
    const files = dirs.reduce((n, d) => n + readPackageContents(d).paths.length, 0);

    // the tree cp -al copies: exactly the environment's files (made once by linking)
    const tree = join(work, "tree");
    for (const d of dirs) linkPackage(tree, d);
    execFileSync("sync");

    const t = { txn: [] as Sample[], link: [] as Sample[], cp: [] as Sample[] };
    for (let i = 0; i < runs; i++) {
      // alternate the order so page cache and disk state favour neither side
      const order = i % 2 === 0 ? ["cp", "txn", "link"] : ["link", "txn", "cp"];
      for (const which of order) {
        const dest = join(work, `${which}-${i}`);
        if (which === "cp") t.cp.push(timeCp(tree, dest));
        else if (which === "txn")
          t.txn.push(time(() => executeTransaction(planTransaction(dest, targets), { cmd: "bench" })));
        else
          t.link.push(
            time(() => {
              for (const d of dirs) linkPackage(dest, d);
            }),
          );
        rmSync(dest, { recursive: true, force: true });
        // flush the removal so the next measurement does not pay for this one's writeback
        execFileSync("sync");
      }
    }
    const m = (xs: Sample[], k: keyof Sample) => median(xs.map((x) => x[k]));
    const cp = { wall: m(t.cp, "wall"), cpu: m(t.cp, "cpu") };
    const commit = (() => {
      try {
        return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
      } catch {
        return "?";
      }
    })();
    console.log(
      `bench/install — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores ${process.arch}, Node ${process.version}, commit ${commit}`,
    );
    console.log(`${dirs.length} packages, ${files} files, medians of ${runs} runs (fresh prefix each)\n`);
    console.log("| what | wall ms | vs cp -al | CPU ms (user+sys) | vs cp -al |");
    console.log("|---|---:|---:|---:|---:|");
    const row = (label: string, xs: Sample[]) => {
      const w = m(xs, "wall");
      const c = m(xs, "cpu");
      console.log(
        `| ${label} | ${w.toFixed(0)} | ${(w / cp.wall).toFixed(2)}x | ${c.toFixed(0)} | ${(c / cp.cpu).toFixed(2)}x |`,
      );
    };
    row("`cp -al` of the environment tree", t.cp);
    row("taipan transaction (journal, link, relocate, conda-meta, history)", t.txn);
    row("taipan `linkPackage` only", t.link);
    const list = (xs: Sample[]) => xs.map((x) => x.wall.toFixed(0)).join(" ");
    console.log(`\nwall ms per run: cp ${list(t.cp)}; txn ${list(t.txn)}; link ${list(t.link)}`);
  } finally {
    if (keep) console.log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

main();
