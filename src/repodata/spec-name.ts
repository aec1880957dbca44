import { matchSpecName } from "../conda/spec-name.js";

/**
 * The package name of a match spec string (`python >=3.8`, `conda-forge::numpy[version='>=1']`),
 * used to walk `depends` when deciding which shards to load. Undefined for unparsable specs and
 * for name globs, which name no single shard.
 */
export function specName(spec: string): string | undefined {
  const name = matchSpecName(spec);
  return name === undefined || name === "*" || name.includes("*") ? undefined : name;
}
