// Small random conda channels and exhaustive enumeration of their environments, shared by the
// solver's property tests (conda-random.test.ts) and bench/objective-gap.ts: a few names × up to
// three versions (optionally several build numbers, two channels, linux-64/noarch subdirs and a few
// timestamps), random depends / constrains with version bounds, and every environment (at most
// one record per name) that satisfies a request.
import fc from "fast-check";
import type { PackageRecord } from "../../src/conda/package-record.js";
import { parseSolverSpec } from "../../src/solver/conda/spec.js";

export type Env = Map<string, PackageRecord>;

export interface RandomChannelOptions {
  /** Package names; each environment is enumerated over all of them. */
  names: readonly string[];
  maxRecords: number;
  /** Fewest records per channel set (default 1). */
  minRecords?: number;
  /** fast-check's size for the record array (default its "small", about 10 records at most). */
  size?: fc.SizeForArbitrary;
  /** Build numbers to draw from (several per version when more than one); default [0]. */
  buildNumbers?: readonly number[];
  /**
   * Channels to draw each record's `channel` from (first = highest priority). Default: no
   * `channel` field (callers place every record in one channel).
   */
  channels?: readonly string[];
  /** Subdirs to draw each record's `subdir` from (e.g. linux-64, noarch); default: no field. */
  subdirs?: readonly string[];
  /** Timestamps to draw each record's `timestamp` from; default: no field. */
  timestamps?: readonly number[];
}

/** One generated record; the optional fields appear only when their option is given. */
export interface RandomRecord {
  name: string;
  version: string;
  build_number: number;
  depends: string[];
  constrains: string[];
  channel?: string;
  subdir?: string;
  timestamp?: number;
}

export function randomChannelArbs(o: RandomChannelOptions) {
  const specArb = fc
    .tuple(fc.constantFrom(...o.names), fc.constantFrom("", ">=2", "<2", "<3", "1.*", "!=2"))
    .map(([n, v]) => (v ? `${n} ${v}` : n));
  // The optional fields are appended only when asked for, so callers without them draw exactly
  // the records (and the same sequence for a seed) they always did.
  const model: Record<string, fc.Arbitrary<unknown>> = {
    name: fc.constantFrom(...o.names),
    version: fc.constantFrom("1", "2", "3"),
    build_number: fc.constantFrom(...(o.buildNumbers ?? [0])),
    depends: fc.array(specArb, { maxLength: 2 }),
    constrains: fc.array(specArb, { maxLength: 1 }),
  };
  if (o.channels) model.channel = fc.constantFrom(...o.channels);
  if (o.subdirs) model.subdir = fc.constantFrom(...o.subdirs);
  if (o.timestamps) model.timestamp = fc.constantFrom(...o.timestamps);
  const recordArb = fc.record(model) as unknown as fc.Arbitrary<RandomRecord>;
  // One record per (channel, subdir, name, version, build number): callers derive the build
  // string from subdir and build number, so distName stays unique within a channel.
  const extended = o.channels !== undefined || o.subdirs !== undefined;
  const problemArb = fc.record({
    records: fc.uniqueArray(recordArb, {
      minLength: o.minRecords ?? 1,
      maxLength: o.maxRecords,
      ...(o.size ? { size: o.size } : {}),
      selector: (r) =>
        extended
          ? `${r.channel ?? ""}/${r.subdir ?? ""}/${r.name}-${r.version}-${r.build_number}`
          : `${r.name}-${r.version}-${r.build_number}`,
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
