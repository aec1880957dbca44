import { splitArchiveExtension } from "./archive-name.js";
import { MatchSpec } from "./match-spec.js";

// The plain `name [version [build]]` form that almost every depends/constrains string and typed
// spec has. Anything else (channel `::`, brackets, parentheses, comments, globs, regexes, package
// files, legacy `feature@`, `if` conditions) goes through the full parser so the answer is always
// the one `MatchSpec.parse(spec).name` gives.
const PLAIN = /^([^ =<>!~[(:#*^]+)(?:$|[ =<>!~])/;
const SLOW_ANYWHERE = /[[(:#]|@$| if /;

/**
 * The package name of a match spec string (`python >=3.8` → `python`, `conda-forge::NumPy[version='>=1']`
 * → `numpy`, `*[track_features=mkl]` → `*`), exactly as `MatchSpec.parse(spec).name` but without
 * parsing the version and build of the common plain form. `undefined` when the full parser rejects a
 * spec that is not of the plain form; the plain form's version and build are not validated here.
 */
export function matchSpecName(spec: string): string | undefined {
  const m = PLAIN.exec(spec);
  if (m && !SLOW_ANYWHERE.test(spec) && splitArchiveExtension(spec.trim())[1] === undefined)
    return m[1]!.toLowerCase();
  try {
    return MatchSpec.parse(spec).name;
  } catch {
    return undefined;
  }
}
