import type { PackageRecord } from "../../conda/package-record.js";
import { type ChannelPriority, versionRanks } from "./candidates.js";

/**
 * conda's per-record penalties within one package name, the terms of the sums its classic solver
 * minimises level by level (conda-classic-solver `Resolve.generate_version_metrics`). Each array is
 * aligned with the records it was computed from; 0 is the best value.
 */
export interface NameMetrics {
  /** Channel steps (with `disabled` priority conda's key has the version here instead). */
  channel: number[];
  /** Version steps within the same channel (with `disabled`: channel steps within a version). */
  version: number[];
  /** Build-number steps within the same channel and version. */
  build: number[];
  /** 1 for a noarch build where an arch build has the same channel, version and build number. */
  arch: number[];
  /** Timestamp steps (newest first) among otherwise equal builds. */
  timestamp: number[];
}

/**
 * conda sorts a name's records best first by its version key — channel priority (unless priority
 * is disabled), version, build number, arch before noarch, newest timestamp (with `disabled`
 * priority the version comes before the channel) — and walks the list: where the key first differs
 * from the previous record's at position p, the step count of level p goes up by one and every
 * level after p starts again from 0. Records whose keys are equal get equal penalties.
 */
export function condaMetrics(
  records: readonly PackageRecord[],
  channelRank: (r: PackageRecord) => number,
  priority: ChannelPriority,
): NameMetrics {
  const n = records.length;
  const vr = versionRanks(records).ranks;
  // The key packed into two numbers per record (channel, version, build number and noarch-ness in
  // 45 bits; the timestamp apart), compared through an index sort: arrays of keys and a loop per
  // comparison were most of the cost in a fresh process.
  const head = new Float64Array(n);
  const stamp = new Float64Array(n);
  const chan = new Float64Array(n);
  const disabled = priority === "disabled";
  for (let i = 0; i < n; i++) {
    const r = records[i];
    const ch = Math.min(channelRank(r), 255);
    const v = Math.min(vr[i], 0x3ffff);
    const bn = 0x3ffff - Math.min(Math.max(r.build_number, 0), 0x3ffff);
    // conda tests the subdir, not the noarch field: a noarch package lives in noarch/
    const noarch = r.subdir === "noarch" ? 1 : 0;
    head[i] = (disabled ? v * 256 + ch : ch * 0x40000 + v) * 2 ** 19 + bn * 2 + noarch;
    stamp[i] = -(r.timestamp ?? 0);
    chan[i] = ch;
  }
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((x, y) => head[x] - head[y] || stamp[x] - stamp[y]);
  const out: NameMetrics = {
    channel: new Array(n).fill(0),
    version: new Array(n).fill(0),
    build: new Array(n).fill(0),
    arch: new Array(n).fill(0),
    timestamp: new Array(n).fill(0),
  };
  const levels = [out.channel, out.version, out.build, out.arch, out.timestamp];
  const step = [0, 0, 0, 0, 0];
  for (let k = 1; k < n; k++) {
    const x = order[k - 1];
    const y = order[k];
    const p = firstDifference(x, y);
    if (p >= 0) {
      step[p]++;
      for (let q = p + 1; q < step.length; q++) step[q] = 0;
    }
    for (let l = 0; l < levels.length; l++) levels[l][y] = step[l];
  }
  return out;

  /** The first key position where two records differ (0 channel … 4 timestamp), or -1. */
  function firstDifference(x: number, y: number): number {
    const a = records[x];
    const b = records[y];
    const sameChannel = chan[x] === chan[y];
    const sameVersion = vr[x] === vr[y];
    if (!(disabled ? sameVersion : sameChannel)) return 0;
    if (!(disabled ? sameChannel : sameVersion)) return 1;
    if (a.build_number !== b.build_number) return 2;
    if ((a.subdir === "noarch") !== (b.subdir === "noarch")) return 3;
    if ((a.timestamp ?? 0) !== (b.timestamp ?? 0)) return 4;
    return -1;
  }
}
