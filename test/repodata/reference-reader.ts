// The oracle for the sparse index: a plain JSON.parse reader applying the documented rules
// (`.conda` over `.tar.bz2` of the same name-version-build, `removed` dropped). rattler has no
// public gateway in its wasm build, so the record sets are checked against this instead.
import { readFileSync } from "node:fs";

export function referenceRecordSets(file: string): Map<string, Set<string>> {
  const doc = JSON.parse(readFileSync(file, "utf8")) as Record<
    string,
    Record<string, Record<string, unknown>>
  >;
  const conda = doc["packages.conda"] ?? {};
  const stems = new Set(Object.keys(conda).map((k) => k.slice(0, -".conda".length)));
  const removed = new Set((doc.removed as unknown as string[] | undefined) ?? []);
  const out = new Map<string, Set<string>>();
  const add = (fn: string, r: Record<string, unknown>) => {
    if (removed.has(fn)) return;
    const name = String(r.name);
    const set = out.get(name) ?? new Set<string>();
    set.add(`${name}-${String(r.version)}-${String(r.build)}`);
    out.set(name, set);
  };
  for (const [fn, r] of Object.entries(doc.packages ?? {})) {
    if (!stems.has(fn.slice(0, -".tar.bz2".length))) add(fn, r);
  }
  for (const [fn, r] of Object.entries(conda)) add(fn, r);
  return out;
}
