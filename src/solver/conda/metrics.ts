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
  const vr = versionRanks(records as PackageRecord[]).ranks;
  const keys: number[][] = new Array(n);
  for (let i = 0; i < n; i++) {
    const r = records[i];
    const ch = channelRank(r);
    // conda tests the subdir, not the noarch field: a noarch package lives in noarch/
    const noarch = r.subdir === "noarch" ? 1 : 0;
    const tail = [-r.build_number, noarch, -(r.timestamp ?? 0)];
    keys[i] = priority === "disabled" ? [vr[i], ch, ...tail] : [ch, vr[i], ...tail];
  }
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((x, y) => {
    const a = keys[x];
    const b = keys[y];
    for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return a[k] - b[k];
    return 0;
  });
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
    const a = keys[order[k - 1]];
    const b = keys[order[k]];
    const p = a.findIndex((x, i) => x !== b[i]);
    if (p >= 0) {
      step[p]++;
      for (let q = p + 1; q < step.length; q++) step[q] = 0;
    }
    for (let l = 0; l < levels.length; l++) levels[l][order[k]] = step[l];
  }
  return out;
}
