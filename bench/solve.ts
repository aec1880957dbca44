// Solver benchmark: taipan vs rattler (resolvo, wasm) vs libsolv built with conda support, on the
// real snapshots in ../shared/data/channels and a generated ~450k-record channel, in one run.
//   node --import tsx bench/solve.ts [--runs 5] [--peers DIR] [--synthetic DIR] [--skip-synthetic]
//        [--only SUBSTRING]   (only the cases whose label contains SUBSTRING)
// --peers: a set-up copy of ../shared/peers (default: copy it to a temp dir and run its setup.sh;
// the copy is removed afterwards unless --keep-peers).
// --synthetic: where the generated channel lives (generated there, scale 2.2, if missing).
// Each cell is the median over fresh processes (the first run of each is a discarded warm-up):
// whole = spawn to exit; load / solve = what the process reports for each step; peak RSS from
// /usr/bin/time. rattler's solve step includes its repodata indexing (it has no separate load).
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const shared = process.env.TAIPAN_SHARED_DATA ?? join(root, "..", "shared", "data");
const argv = process.argv.slice(2);
const opt = (k: string) => {
  const i = argv.indexOf(k);
  return i >= 0 ? argv[i + 1] : undefined;
};
const runs = Number(opt("--runs") ?? 5);

// ---- peers
let peers = opt("--peers");
const ownPeers = !peers;
if (!peers) {
  peers = mkdtempSync(join(tmpdir(), "taipan-peers-"));
  cpSync(join(root, "..", "shared", "peers"), peers, { recursive: true });
}
if (
  !existsSync(join(peers, "libsolv-deb", "build", "tools", "libsolv-conda-solve")) ||
  !existsSync(join(peers, "rattler", "node_modules"))
) {
  console.error(`setting up peers in ${peers} (npm ci + libsolv build)…`);
  const r = spawnSync("bash", [join(peers, "setup.sh")], { stdio: "inherit" });
  if (r.status !== 0) throw new Error("peers setup.sh failed");
}

// ---- synthetic channel
const synth = opt("--synthetic") ?? join(tmpdir(), "taipan-bench-synthetic-450k");
if (!argv.includes("--skip-synthetic") && !existsSync(join(synth, "linux-64", "repodata.json"))) {
  console.error(`generating the synthetic channel in ${synth}…`);
  mkdirSync(synth, { recursive: true });
  spawnSync("node", [join(peers, "testdata", "gen-synthetic.mjs"), synth, "2.2"], { stdio: "inherit" });
}

// ---- taipan child, bundled once like the CLI (one CommonJS file, run through the code cache)
const work = mkdtempSync(join(tmpdir(), "taipan-bench-solve-"));
const childBundle = join(work, "solve-child.cjs");
const launcher = join(work, "solve-launch.mjs");
const codeCache = join(work, "code-cache");
// native dependencies stay external; they resolve through this link
symlinkSync(join(root, "node_modules"), join(work, "node_modules"));
{
  const r = spawnSync(
    "node",
    [join(root, "scripts", "bundle-cli.mjs"), join(here, "solve-child.ts"), childBundle],
    {
      stdio: "inherit",
    },
  );
  if (r.status !== 0) throw new Error("bundling the solve child failed");
  const esbuild = join(root, "node_modules", ".bin", "esbuild");
  const l = spawnSync(
    esbuild,
    [
      join(here, "solve-launch.ts"),
      "--bundle",
      "--platform=node",
      "--format=esm",
      `--outfile=${launcher}`,
      "--log-level=error",
    ],
    { stdio: "inherit", cwd: root },
  );
  if (l.status !== 0) throw new Error("esbuild failed");
}
const childEnv = {
  ...process.env,
  TAIPAN_BENCH_CHILD: childBundle,
  TAIPAN_BENCH_CODE_CACHE: codeCache,
  // the package cache's cache/ directory, as the CLI has: the warm-up run saves the 450k channel's
  // per-name index there (libsolv's conda2solv conversion is cached likewise)
  TAIPAN_BENCH_CACHE_DIR: join(work, "pkgs-cache"),
};

interface Case {
  label: string;
  channels: string[];
  specs: string[];
}
const ch = (n: string) => join(shared, "channels", n);
const CASES: Case[] = [
  { label: "index1: numpy", channels: [ch("conda-index1")], specs: ["numpy"] },
  {
    label: "index4: python 3.6 numpy scipy pandas",
    channels: [ch("conda-index4")],
    specs: ["python 3.6.*", "numpy", "scipy", "pandas"],
  },
  { label: "index5>index4: jupyter", channels: [ch("conda-index5"), ch("conda-index4")], specs: ["jupyter"] },
  {
    label: "index1: unsat numpy 1.5* python 3*",
    channels: [ch("conda-index1")],
    specs: ["numpy 1.5*", "python 3*"],
  },
];
{
  // mamba's sudoku (729 records, 30 givens): a hard unsatisfiable request
  const dir = join(peers, "testdata", "sudoku");
  const specs = readFileSync(join(dir, "specs.txt"), "utf8")
    .split("\n")
    .filter((l) => l.trim());
  CASES.push({ label: "sudoku: 30 givens (unsat)", channels: [dir], specs });
}
if (!argv.includes("--skip-synthetic")) {
  CASES.push(
    { label: "synthetic 450k: python 3.* numpy", channels: [synth], specs: ["python 3.*", "numpy"] },
    {
      label: "synthetic 450k: 9 specs",
      channels: [synth],
      specs: [
        "python 3.11.*",
        "numpy",
        "synpyx100",
        "synpyx2000",
        "synpyx2500",
        "synlib3000",
        "synlib900",
        "synpy4000",
        "synpy100",
      ],
    },
  );
}

interface Sample {
  whole: number;
  load: number;
  solve: number;
  rss: number;
  packages: number;
  status: string;
}

function timed(
  cmd: string[],
  cwd: string,
  env?: NodeJS.ProcessEnv,
): { out: string; whole: number; rss: number } {
  const t0 = performance.now();
  const r = spawnSync("/usr/bin/time", ["-f", "MAXRSS %M", ...cmd], {
    cwd,
    env,
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  const whole = performance.now() - t0;
  const m = /MAXRSS (\d+)/.exec(r.stderr ?? "");
  return { out: r.stdout ?? "", whole, rss: m ? Number(m[1]) / 1024 : Number.NaN };
}

const repodataArgs = (c: Case) =>
  c.channels.flatMap((d) =>
    ["linux-64", "noarch"]
      .filter((s) => existsSync(join(d, s, "repodata.json")))
      .flatMap((s) => ["-r", join(d, s, "repodata.json")]),
  );

function runTaipan(c: Case): Sample {
  const { out, whole, rss } = timed(
    ["node", launcher, ...c.channels.flatMap((d) => ["--channel", d]), ...c.specs],
    root,
    childEnv,
  );
  const j = JSON.parse(out.trim().split("\n").pop()!);
  return { whole, load: j.load_ms, solve: j.solve_ms, rss, packages: j.packages, status: j.status };
}

function runPeer(script: string, c: Case, extra: string[]): Sample {
  const { out, whole, rss } = timed(
    [
      "node",
      join(peers!, script),
      ...repodataArgs(c),
      "--platform",
      "linux-64",
      "--json",
      ...extra,
      ...c.specs,
    ],
    peers!,
  );
  let j: { packages?: string[]; timing?: Record<string, number | string> } = {};
  try {
    j = JSON.parse(out);
  } catch {
    j = {};
  }
  const t = j.timing ?? {};
  const unsat = t.status === "unsolvable" || out.includes("problem") || !j.packages;
  return {
    whole,
    load: Number(t.load_ms ?? 0) + Number(t.convert_ms ?? 0),
    solve: Number(t.solve_ms ?? Number.NaN),
    rss,
    packages: j.packages?.length ?? 0,
    status: unsat ? "unsat" : "ok",
  };
}

// The installed CLI end to end (`taipan create --dry-run --json`, the issue's CLI contract), whole
// process only: config, virtual packages (overridden to the peers' set), solve, JSON output.
const cliEntry = join(root, "dist", "src", "cli", "bin.js");
const cliHome = join(work, "cli-home");
const cliEnv = {
  ...process.env,
  HOME: cliHome,
  TAIPAN_ROOT_PREFIX: join(cliHome, "root"),
  CONDA_PKGS_DIRS: join(cliHome, "pkgs"),
  TAIPAN_CODE_CACHE_DIR: codeCache,
  CONDA_OVERRIDE_LINUX: "6.5",
  CONDA_OVERRIDE_GLIBC: "2.35",
  CONDA_OVERRIDE_ARCHSPEC: "x86_64",
  CONDA_OVERRIDE_CUDA: "",
};
function runCli(c: Case): Sample {
  const { out, whole, rss } = timed(
    [
      "node",
      cliEntry,
      "create",
      "--dry-run",
      "--json",
      "-p",
      join(cliHome, "env"),
      "--override-channels",
      "--platform",
      "linux-64",
      ...c.channels.flatMap((d) => ["-c", d]),
      ...c.specs,
    ],
    root,
    cliEnv,
  );
  let j: { success?: boolean; actions?: { LINK?: unknown[] } } = {};
  try {
    j = JSON.parse(out);
  } catch {
    j = {};
  }
  return {
    whole,
    load: Number.NaN,
    solve: Number.NaN,
    rss,
    packages: j.actions?.LINK?.length ?? 0,
    status: j.success ? "ok" : "unsat",
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
};
const SOLVERS: [string, (c: Case) => Sample][] = [
  ["taipan", runTaipan],
  ...(existsSync(cliEntry) ? ([["taipan CLI", runCli]] as [string, (c: Case) => Sample][]) : []),
  ["rattler", (c) => runPeer("solve-rattler.mjs", c, ["--drop-nulls"])],
  ["libsolv", (c) => runPeer("solve-libsolv.mjs", c, [])],
];

const only = opt("--only");
if (only) CASES.splice(0, CASES.length, ...CASES.filter((c) => c.label.includes(only)));
const rows: string[] = [];
const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(x < 10 ? 1 : 0) : "–");
console.log(
  `solve benchmark: ${runs} runs per cell (median), ${cpus().length} cores, Node ${process.version}`,
);
for (const c of CASES) {
  const res = new Map<string, Sample[]>();
  for (let i = 0; i <= runs; i++) {
    // interleave the solvers so machine load affects them alike; run 0 is a warm-up
    for (const [name, fn] of SOLVERS) {
      const s = fn(c);
      if (i > 0) res.set(name, [...(res.get(name) ?? []), s]);
    }
  }
  const m = (n: string, k: keyof Sample) => median(res.get(n)!.map((s) => s[k] as number));
  for (const [name] of SOLVERS) {
    const s = res.get(name)!;
    rows.push(
      `| ${c.label} | ${name} | ${s[0].status === "ok" ? s[0].packages : "unsat"} | ${fmt(m(name, "whole"))} | ${fmt(m(name, "load"))} | ${fmt(m(name, "solve"))} | ${fmt(m(name, "rss"))} |`,
    );
  }
  rows.push(
    `| ${c.label} | **ratios** | | taipan/rattler **${(m("taipan", "whole") / m("rattler", "whole")).toFixed(2)}**${res.has("taipan CLI") ? `, CLI/rattler **${(m("taipan CLI", "whole") / m("rattler", "whole")).toFixed(2)}**` : ""} | | taipan/libsolv solve **${(m("taipan", "solve") / m("libsolv", "solve")).toFixed(2)}** | |`,
  );
  console.error(rows.slice(-(SOLVERS.length + 1)).join("\n"));
}
console.log(
  "\n| case | solver | packages | whole ms | load ms | solve ms | peak RSS MB |\n|---|---|---:|---:|---:|---:|---:|",
);
console.log(rows.join("\n"));

rmSync(work, { recursive: true, force: true });
if (ownPeers && !argv.includes("--keep-peers")) rmSync(peers, { recursive: true, force: true });
else if (ownPeers) console.error(`peers kept in ${peers} (reuse with --peers)`);
