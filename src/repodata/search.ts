import { MatchSpec, StringMatcher } from "../conda/match-spec.js";
import type { PackageRecord } from "../conda/package-record.js";
import { Version } from "../conda/version.js";
import type { RepodataIndex } from "./gateway.js";

export interface SearchResult {
  spec: MatchSpec;
  records: PackageRecord[];
  /** Set when nothing matched the exact name and conda's `*name*` retry was used instead. */
  broadenedTo?: MatchSpec;
}

function compareVersions(a: PackageRecord, b: PackageRecord): number {
  try {
    return a.parsedVersion.compare(b.parsedVersion);
  } catch {
    // An unparsable version sorts by its text, after parsable ones of the same name.
    try {
      Version.parse(a.version);
      return -1;
    } catch {
      return a.version < b.version ? -1 : a.version > b.version ? 1 : 0;
    }
  }
}

/** conda search's order: name, then version (VersionOrder), then build string; channel order breaks ties. */
export function sortSearchResults(records: PackageRecord[]): PackageRecord[] {
  return [...records].sort(
    (a, b) =>
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
      compareVersions(a, b) ||
      (a.build < b.build ? -1 : a.build > b.build ? 1 : 0),
  );
}

async function matching(index: RepodataIndex, spec: MatchSpec): Promise<PackageRecord[]> {
  let names: string[];
  if (spec.name !== "*") names = [spec.name];
  else {
    const nm = new StringMatcher(spec.namePattern, { lower: true });
    names = [...index.knownNames()].filter((n) => nm.matches(n));
  }
  await index.ensure(names, { closure: false });
  return names.flatMap((n) => index.get(n).filter((r) => spec.matches(r)));
}

/**
 * The records of `index` matching `spec`, sorted as `conda search` lists them. As conda does, a spec
 * with an exact name that matches nothing is retried once as `*name*` (same other fields).
 */
export async function searchIndex(index: RepodataIndex, spec: MatchSpec): Promise<SearchResult> {
  const found = await matching(index, spec);
  if (found.length > 0 || spec.name === "*") return { spec, records: sortSearchResults(found) };
  const broadened = MatchSpec.fromFields({ ...spec.fields, name: `*${spec.name}*` });
  return { spec, records: sortSearchResults(await matching(index, broadened)), broadenedTo: broadened };
}
