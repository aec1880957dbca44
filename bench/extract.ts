// bench/extract: `.conda` extraction throughput, taipan's extractPackage vs Debian's `cph extract`,
// side by side in one run (runs interleaved), medians of --runs.
//
//   node --import tsx bench/extract.ts [--runs N] [--level Z] [--dir DIR]
//
// --dir: where packages are made and extracted (default the OS temp dir); /dev/shm takes the disk
// out of the measurement and leaves the per-file CPU cost of each extractor.
// Packages: two large .conda files made here with `taipan pack` from this machine's trees
// (/usr/lib/python3.11: 1.4k mostly .py files; /usr/include: 7.9k headers), zstd level --level
// (default 10; decoding speed barely depends on the level), plus a small real package.
// taipan's time includes verifying the archive's sha256 first (cph does not verify); cph's time
// includes starting Python (~0.1 s), reported separately as "cph startup" from a tiny package.
import { execFileSync } from "node:child_process";
import { cpSync, lstatSync, mkdtempSync, readlinkSync, rmSync, statSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { extractPackage } from "../src/package/extract.js";
import { packPackage } from "../src/package/pack/pack.js";
import { validateRecipe } from "../src/package/pack/recipe.js";
import { sharedData } from "../test/support/paths.js";
import { median } from "./median.js";

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const runs = opt("--runs", 5);
const level = opt("--level", 10);
const DATA = sharedData("packages");

function duSize(dir: string): number {
  return Number(execFileSync("du", ["-sb", "--apparent-size", dir]).toString().split("\t")[0]);
}

const baseDir = args.includes("--dir") ? args[args.indexOf("--dir") + 1] : tmpdir();
const work = mkdtempSync(join(baseDir, "taipan-bench-extract-"));
try {
  const packages: { label: string; path: string }[] = [];
  for (const [label, tree] of [
    ["python3.11 stdlib (pack)", "/usr/lib/python3.11"],
    ["/usr/include (pack)", "/usr/include"],
  ] as const) {
    const src = join(work, `src-${packages.length}`);
    // Links that leave the tree cannot go into a package (pack refuses them), so they are skipped.
    cpSync(tree, src, {
      recursive: true,
      verbatimSymlinks: true,
      filter: (p) => {
        const st = lstatSync(p);
        if (!st.isSymbolicLink()) return st.isFile() || st.isDirectory();
        const t = readlinkSync(p);
        return !isAbsolute(t) && !t.startsWith("../");
      },
    });
    const t0 = performance.now();
    const { path } = await packPackage({
      sourceDir: src,
      recipe: validateRecipe({ name: `bench-${packages.length}`, version: "1.0", subdir: "linux-64" }),
      outDir: join(work, "pkgs"),
      zstdLevel: level,
    });
    console.error(
      `packed ${label}: ${(statSync(path).size / 1e6).toFixed(1)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    rmSync(src, { recursive: true, force: true });
    packages.push({ label, path });
  }
  // (The real ca-certificates .conda cannot be used: cph refuses its zip layout.)
  packages.push({
    label: "sample_noarch_python (conda test recipe)",
    path: join(DATA, "conda-test-recipes", "noarch", "sample_noarch_python-1.0-py_0.conda"),
  });
  const tiny = join(DATA, "conda-test-recipes", "noarch", "dependency-1.0-0.conda");

  let n = 0;
  const fresh = () => join(work, `x-${n++}`);
  const timeOurs = async (p: string) => {
    const d = fresh();
    const t = performance.now();
    await extractPackage(p, d);
    const ms = performance.now() - t;
    rmSync(d, { recursive: true, force: true });
    return ms;
  };
  const timeCph = (p: string) => {
    const d = fresh();
    const t = performance.now();
    execFileSync("cph", ["extract", p, "--dest", d], { stdio: "ignore" });
    const ms = performance.now() - t;
    rmSync(d, { recursive: true, force: true });
    return ms;
  };
  // Warm-up: JIT, page cache, Python's imports.
  for (const p of packages) {
    await timeOurs(p.path);
    timeCph(p.path);
  }
  const startupRuns: number[] = [];
  for (let i = 0; i < runs; i++) startupRuns.push(timeCph(tiny));
  const startup = median(startupRuns);

  const rows: string[] = [];
  for (const p of packages) {
    const probe = fresh();
    const r = await extractPackage(p.path, probe);
    const bytes = duSize(probe);
    rmSync(probe, { recursive: true, force: true });
    const ours: number[] = [];
    const cph: number[] = [];
    for (let i = 0; i < runs; i++) {
      ours.push(await timeOurs(p.path));
      cph.push(timeCph(p.path));
    }
    const mo = median(ours);
    const mc = median(cph);
    const mb = bytes / 1e6;
    rows.push(
      `| ${p.label} | ${(statSync(p.path).size / 1e6).toFixed(1)} | ${mb.toFixed(1)} | ${r.files.length} | ${mo.toFixed(0)} | ${(mb / (mo / 1000)).toFixed(0)} | ${mc.toFixed(0)} | ${(mb / (mc / 1000)).toFixed(0)} | ${(mc / mo).toFixed(2)}x | ${(Math.max(mc - startup, 1) / mo).toFixed(2)}x |`,
    );
  }
  console.log(
    `bench/extract — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, Node ${process.version}, runs=${runs}, zstd level ${level}, dir ${baseDir}`,
  );
  console.log(
    "| package | .conda MB | unpacked MB | files | taipan ms | taipan MB/s | cph ms | cph MB/s | taipan speed vs cph | vs cph without its startup |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) console.log(r);
  console.log(
    `\ncph startup (tiny package, median): ${startup.toFixed(0)} ms; load average ${loadavg()[0].toFixed(1)}`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
