// Small random conda channels and exhaustive enumeration of their environments, shared by the
// solver's property tests (conda-random.test.ts) and bench/objective-gap.ts: a few names × up to
// three versions (optionally several build numbers), random depends / constrains with version
// bounds, and every environment (at most one record per name) that satisfies a request.
import fc from "fast-check";
import type { PackageRecord } from "../../src/conda/package-record.js";
import { parseSolverSpec } from "../../src/solver/conda/spec.js";

export type Env = Map<string, PackageRecord>;

export interface RandomChannelOptions {
  /** Package names; each environment is enumerated over all of them. */
  names: readonly string[];
  maxRecords: number;
  /** Build numbers to draw from (several per version when more than one); default [0]. */
  buildNumbers?: readonly number[];
}

export function randomChannelArbs(o: RandomChannelOptions) {
  const specArb = fc
    .tuple(fc.constantFrom(...o.names), fc.constantFrom("", ">=2", "<2", "<3", "1.*", "!=2"))
    .map(([n, v]) => (v ? `${n} ${v}` : n));
  const recordArb = fc.record({
    name: fc.constantFrom(...o.names),
    version: fc.constantFrom("1", "2", "3"),
    build_number: fc.constantFrom(...(o.buildNumbers ?? [0])),
    depends: fc.array(specArb, { maxLength: 2 }),
    constrains: fc.array(specArb, { maxLength: 1 }),
  });
  const problemArb = fc.record({
    records: fc.uniqueArray(recordArb, {
      minLength: 1,
      maxLength: o.maxRecords,
      selector: (r) => `${r.name}-${r.version}-${r.build_number}`,
    }),
    request: fc.array(specArb, { minLength: 1, maxLength: 2 }),
  });
  return { specArb, recordArb, problemArb };
}

export function holds(env: Env, spec: string): boolean {
  const s = parseSolverSpec(spec);
  const r = env.get(s.name);
  return r !== undefined && s.matches(r);
}

/** The request holds, every record's depends hold, and no constraint is broken. */
export function valid(env: Env, request: readonly string[]): boolean {
  if (!request.every((s) => holds(env, s))) return false;
  for (const r of env.values()) {
    if (!r.depends.every((d) => holds(env, d))) return false;
    for (const c of r.constrains) {
      const s = parseSolverSpec(c);
      const t = env.get(s.name);
      if (t && !s.matches(t)) return false;
    }
  }
  return true;
}

/** Every environment (at most one record per name, any subset of names) that satisfies the request. */
export function validEnvs(
  names: readonly string[],
  records: PackageRecord[],
  request: readonly string[],
): Env[] {
  const byName = names.map((n) => [undefined, ...records.filter((r) => r.name === n)]);
  const out: Env[] = [];
  const pick = (i: number, env: Env): void => {
    if (i === names.length) {
      if (valid(env, request)) out.push(new Map(env));
      return;
    }
    for (const r of byName[i]!) {
      if (r) env.set(r.name, r);
      else env.delete(names[i]!);
      pick(i + 1, env);
    }
    env.delete(names[i]!);
  };
  pick(0, new Map());
  return out;
}
