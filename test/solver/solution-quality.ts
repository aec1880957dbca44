import type { PackageRecord } from "../../src/conda/package-record.js";
import { compareVersions } from "../../src/solver/conda/candidates.js";
import { parseSolverSpec } from "../../src/solver/conda/spec.js";

/** Minimal view of a solved package, enough to rank solutions. */
export type Solved = Pick<
  PackageRecord,
  "name" | "version" | "build" | "build_number" | "track_features" | "features"
>;

function cmpVersion(a: Solved, b: Solved): number {
  return compareVersions(a as PackageRecord, b as PackageRecord);
}

/**
 * Ranks two solutions of the same request by conda's objectives (conda/resolve.py `Resolve.solve`,
 * in its order): versions of the requested packages (with `requestSpecs`, as conda sums them: each
 * spec's version rank among the versions it allows; without, in request order), then fewer tracked
 * features, then fewer featureless builds where the feature is active, then build numbers of the
 * requested packages, then the versions of all other packages (with `requestSpecs` as conda sums
 * their ranks; then, or without, a package-by-package vote), their build numbers, then fewer packages. Negative when `a` is better, positive when `b` is.
 */
export function compareSolutions(
  a: Solved[],
  b: Solved[],
  requested: string[],
  alternatives: (name: string) => Solved[] = () => [],
  requestSpecs?: string[],
): number {
  const ma = new Map(a.map((r) => [r.name, r]));
  const mb = new Map(b.map((r) => [r.name, r]));
  if (requestSpecs) {
    const rankSum = (m: Map<string, Solved>) => {
      let sum = 0;
      for (const text of requestSpecs) {
        const spec = parseSolverSpec(text);
        const chosen = m.get(spec.name);
        if (!chosen) continue;
        // dense rank: how many distinct allowed versions are higher than the chosen one
        const higher: Solved[] = [];
        for (const r of alternatives(spec.name))
          if (
            spec.matches(r as PackageRecord) &&
            cmpVersion(r, chosen) > 0 &&
            !higher.some((h) => cmpVersion(h, r) === 0)
          )
            higher.push(r);
        sum += higher.length;
      }
      return sum;
    };
    const d = rankSum(ma) - rankSum(mb);
    if (d !== 0) return d;
  }
  for (const n of requested) {
    const ra = ma.get(n);
    const rb = mb.get(n);
    if (ra && rb) {
      const c = cmpVersion(rb, ra);
      if (c !== 0) return c;
    }
  }
  const tf = (s: Solved[]) => new Set(s.flatMap((r) => r.track_features)).size;
  if (tf(a) !== tf(b)) return tf(a) - tf(b);
  const featureMisses = (s: Solved[]) => {
    const active = new Set(s.flatMap((r) => r.track_features));
    let n = 0;
    for (const r of s)
      for (const f of active)
        if (!r.features.includes(f) && alternatives(r.name).some((x) => x.features.includes(f))) n++;
    return n;
  };
  const fm = featureMisses(a) - featureMisses(b);
  if (fm !== 0) return fm;
  for (const n of requested) {
    const ra = ma.get(n);
    const rb = mb.get(n);
    if (ra && rb && cmpVersion(ra, rb) === 0 && ra.build_number !== rb.build_number)
      return rb.build_number - ra.build_number;
  }
  if (requestSpecs) {
    // conda's eq_v: the sum over all other packages of their version rank among the name's versions
    const rankSum = (m: Map<string, Solved>) => {
      let sum = 0;
      for (const [n, chosen] of m) {
        if (requested.includes(n)) continue;
        const higher: Solved[] = [];
        for (const r of alternatives(n))
          if (cmpVersion(r, chosen) > 0 && !higher.some((h) => cmpVersion(h, r) === 0)) higher.push(r);
        sum += higher.length;
      }
      return sum;
    };
    const d = rankSum(ma) - rankSum(mb);
    if (d !== 0) return d;
  }
  let vote = 0;
  for (const [n, ra] of ma) {
    const rb = mb.get(n);
    if (!rb || requested.includes(n)) continue;
    vote += cmpVersion(rb, ra);
  }
  if (vote !== 0) return vote;
  for (const [n, ra] of ma) {
    const rb = mb.get(n);
    if (!rb || requested.includes(n) || cmpVersion(ra, rb) !== 0) continue;
    vote += Math.sign(rb.build_number - ra.build_number);
  }
  if (vote !== 0) return vote;
  return a.length - b.length;
}
