// One taipan solve in a fresh process, as the CLI would run it: load the channels through the
// repodata gateway, solve, print JSON timings. bench/solve.ts bundles this file into one CommonJS
// file the way the CLI is bundled (scripts/bundle-cli.mjs) and runs it per measurement through the
// CLI's code cache loader (bench/solve-launch.ts), so its start-up is the installed CLI's.
//   node solve-launch.mjs --channel DIR [--channel DIR]... [--platform linux-64] SPEC...
import { PackageRecord } from "../src/conda/package-record.js";
import { RepodataGateway } from "../src/repodata/gateway.js";
import { solve } from "../src/solver/conda/solve.js";

async function main(): Promise<void> {
  const t0 = performance.now();
  // CPU time (all threads) alongside wall time: on a shared machine wall time mostly measures the
  // neighbours, while the solve is synchronous, so its CPU time is the stabler number.
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const c0 = cpu();
  const args = process.argv.slice(2);
  const channels: string[] = [];
  let platform = "linux-64";
  const specs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--channel") channels.push(args[++i]);
    else if (args[i] === "--platform") platform = args[++i];
    else specs.push(args[i]);
  }

  // as the CLI does: a cache directory (pkgs/cache), where big repodata keeps its saved index
  const gateway = new RepodataGateway({ cacheDir: process.env.TAIPAN_BENCH_CACHE_DIR });
  const raw = await gateway.load({ channels, subdirs: [platform, "noarch"] });
  const tLoaded = performance.now();
  // Records are built lazily per name by the gateway; count that as loading, not solving.
  let getMs = 0;
  const getSpans: [number, number][] = [];
  const index = {
    get(name: string) {
      const t = performance.now();
      const r = raw.get(name);
      const t1 = performance.now();
      getMs += t1 - t;
      getSpans.push([t, t1]);
      return r;
    },
    channelRank: (r: PackageRecord) => raw.channelRank(r),
  };
  // the peers' default linux-64 virtual packages (peers/lib/common.mjs)
  const mk = (n: string, v: string, b: string) =>
    new PackageRecord({ name: n, version: v, build: b, subdir: platform, fn: `${n}-${v}-${b}.virtual` });
  const virtuals = [
    mk("__unix", "0", "0"),
    mk("__linux", "6.5", "0"),
    mk("__glibc", "2.35", "0"),
    mk("__archspec", "1", "x86_64"),
  ];
  // GC pauses (main-thread) during the solve window, outside the record building counted as load
  const gcPauses: [number, number][] = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcPauses.push([e.startTime, e.duration]);
  });
  gcObserver.observe({ entryTypes: ["gc"] });
  const tSolve = performance.now();
  const cSolve = cpu();
  let status = "ok";
  let packages = 0;
  try {
    packages = solve({ specs, index, virtualPackages: virtuals }).records.length;
  } catch (e) {
    status = (e as { exceptionName?: string }).exceptionName ?? String(e);
  }
  const tEnd = performance.now();
  const cEnd = cpu();
  await new Promise((r) => setTimeout(r, 20)); // gc entries are delivered asynchronously
  gcObserver.disconnect();
  let gcSolveMs = 0;
  for (const [start, dur] of gcPauses) {
    if (start < tSolve || start > tEnd) continue;
    if (!getSpans.some(([a, b]) => start >= a && start <= b)) gcSolveMs += dur;
  }
  console.log(
    JSON.stringify({
      status,
      packages,
      load_ms: tLoaded - t0 + getMs,
      solve_ms: tEnd - tSolve - getMs,
      // of solve_ms: main-thread GC pauses (mostly scavenges copying the records just built)
      gc_in_solve_ms: gcSolveMs,
      // CPU of everything before the solve, and of the solve step including the lazy record
      // building (process.cpuUsage per get call would cost more than what it measures)
      pre_solve_cpu_ms: cSolve - c0,
      solve_cpu_ms: cEnd - cSolve,
      maxrss_mb: process.resourceUsage().maxRSS / 1024,
    }),
  );
  await gateway.close();
}

void main();
