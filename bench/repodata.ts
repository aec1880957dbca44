// bench/repodata: time and memory to make a repodata.json queryable by name, taipan's sparse
// per-name index vs a bare JSON.parse of the same bytes, in the same run.
//
//   node --import tsx bench/repodata.ts [--runs N] [--records N] [--indent N] [--keep]
//
// Each measurement runs in a fresh child process (so peak RSS is its own), reading the file
// into a Buffer first; the timed part is only the parse / index build. Medians of --runs.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SparseRepodata } from "../src/repodata/sparse-index.js";
import { median } from "./median.js";
import { syntheticRepodata } from "./repodata-synthetic.js";

interface ChildResult {
  mode: string;
  ms: number;
  /** Peak RSS of the child over the whole run (MB). */
  peakRssMb: number;
  /** RSS right after reading the file, before parsing (MB). */
  baseRssMb: number;
  /** Heap + array buffers still held after the load (and a GC), over the child's baseline (MB). */
  retainedMb: number;
  records: number;
  /** Time to build PackageRecords for 100 names (sparse only). */
  lookupMs?: number;
}

const MB = 1024 * 1024;

async function retained(): Promise<number> {
  // Freed Buffers' backing stores are released after GC callbacks run: collect a few times.
  for (let k = 0; k < 3; k++) {
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setImmediate(r));
  }
  const m = process.memoryUsage();
  // `external` covers Buffers allocated outside the V8 heap (file data, zstd blocks from the native binding).
  return m.heapUsed + m.external;
}

async function child(mode: string, file: string): Promise<void> {
  const before = await retained();
  let buf: Buffer | undefined = readFileSync(file);
  const baseRss = process.memoryUsage().rss;
  let result: unknown;
  let records = 0;
  let lookupMs: number | undefined;
  const t0 = performance.now();
  if (mode === "json-parse") {
    const doc = JSON.parse(buf.toString("utf8")) as Record<string, object | undefined>;
    records = Object.keys(doc.packages ?? {}).length + Object.keys(doc["packages.conda"] ?? {}).length;
    result = doc;
  } else {
    const sp = SparseRepodata.parse(buf, { source: file, subdir: "linux-64" });
    if (mode === "sparse-compact") await sp.compact();
    records = sp.entryCount;
    result = sp;
  }
  const ms = performance.now() - t0;
  // What stays alive is up to the result: the document / the index (which may keep the Buffer).
  buf = undefined;
  if (result instanceof SparseRepodata) {
    const names = [...result.names()].slice(0, 100);
    const t1 = performance.now();
    for (const n of names) result.records(n);
    lookupMs = performance.now() - t1;
  }
  const after = await retained();
  if (result === undefined) process.exitCode = 3;
  const out: ChildResult = {
    mode,
    ms,
    peakRssMb: (process.resourceUsage().maxRSS * 1024) / MB,
    baseRssMb: baseRss / MB,
    retainedMb: (after - before) / MB,
    records,
    lookupMs,
  };
  process.stdout.write(JSON.stringify(out));
}

function runChild(mode: string, file: string): ChildResult {
  const self = fileURLToPath(import.meta.url);
  const out = execFileSync(
    process.execPath,
    ["--expose-gc", "--max-old-space-size=8192", "--import", "tsx", self, "--child", mode, file],
    { encoding: "utf8", maxBuffer: 1 << 20 },
  );
  return JSON.parse(out) as ChildResult;
}

function largestSnapshot(): string | undefined {
  const root = join(fileURLToPath(import.meta.url), "..", "..", "..", "shared", "data", "channels");
  let best: { f: string; size: number } | undefined;
  try {
    for (const ch of readdirSync(root)) {
      for (const sd of readdirSync(join(root, ch))) {
        const f = join(root, ch, sd, "repodata.json");
        try {
          const size = statSync(f).size;
          if (!best || size > best.size) best = { f, size };
        } catch {
          // no repodata.json in this dir
        }
      }
    }
  } catch {
    return undefined;
  }
  return best?.f;
}

function arg(name: string, dflt: number): number {
  const k = process.argv.indexOf(name);
  return k >= 0 ? Number(process.argv[k + 1]) : dflt;
}

function main(): void {
  const runs = arg("--runs", 5);
  const records = arg("--records", 450_000);
  const indent = arg("--indent", 1);
  const tmp = mkdtempSync(join(tmpdir(), "taipan-bench-repodata-"));
  const datasets: { label: string; file: string }[] = [];
  const snap = largestSnapshot();
  if (snap) datasets.push({ label: snap.split("/channels/")[1] ?? snap, file: snap });
  const synth = join(tmp, "repodata.json");
  const t = performance.now();
  writeFileSync(synth, syntheticRepodata(records, "linux-64", indent));
  console.error(`generated ${records} records in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  datasets.push({ label: `synthetic ${records / 1000}k records`, file: synth });

  console.log(
    `# bench/repodata — ${new Date().toISOString()} — ${cpus().length} cpus, node ${process.version}`,
  );
  console.log(`runs per cell: ${runs} (median); each run is a fresh process\n`);
  console.log(
    "| data | MB | records | JSON.parse ms | sparse ms (ratio) | sparse+compact ms (ratio) | peak RSS MB: JSON.parse / sparse / compact | held after load MB: JSON.parse / sparse / compact | 100-name lookup ms: sparse / compact |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const d of datasets) {
    const size = statSync(d.file).size / MB;
    const runsBy: Record<string, ChildResult[]> = { "json-parse": [], sparse: [], "sparse-compact": [] };
    for (let r = 0; r < runs; r++) {
      // interleave so machine noise hits all modes alike
      for (const mode of Object.keys(runsBy)) runsBy[mode].push(runChild(mode, d.file));
    }
    const med = (mode: string, f: (x: ChildResult) => number) => median(runsBy[mode].map(f));
    const jm = med("json-parse", (x) => x.ms);
    const sm = med("sparse", (x) => x.ms);
    const cm = med("sparse-compact", (x) => x.ms);
    const trio = (f: (x: ChildResult) => number, digits: number) =>
      ["json-parse", "sparse", "sparse-compact"].map((m) => med(m, f).toFixed(digits)).join(" / ");
    const cells = [
      d.label,
      size.toFixed(1),
      String(runsBy.sparse[0].records),
      jm.toFixed(1),
      `${sm.toFixed(1)} (${(sm / jm).toFixed(2)}x)`,
      `${cm.toFixed(1)} (${(cm / jm).toFixed(2)}x)`,
      trio((x) => x.peakRssMb, 0),
      trio((x) => x.retainedMb, 1),
      `${med("sparse", (x) => x.lookupMs ?? 0).toFixed(1)} / ${med("sparse-compact", (x) => x.lookupMs ?? 0).toFixed(1)}`,
    ];
    console.log(`| ${cells.join(" | ")} |`);
  }
  console.log(
    "\nratio = time / JSON.parse time (target <= 1.3x). Peak RSS includes the file Buffer read first in every mode. Held after load = heap + array buffers still alive after the load and a GC (the parsed document; the index with its raw Buffer; the index with zstd blocks).",
  );
  if (!process.argv.includes("--keep")) rmSync(tmp, { recursive: true, force: true });
}

const k = process.argv.indexOf("--child");
if (k >= 0) await child(process.argv[k + 1], process.argv[k + 2]);
else main();
