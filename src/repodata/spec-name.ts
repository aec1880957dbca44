/**
 * The package name of a match spec string (`python >=3.8`, `conda-forge::numpy[version='>=1']`,
 * `pkgs/main/linux-64::zlib==1.2`), without parsing the rest. Used to walk `depends` when
 * deciding which shards / names to load; the solver parses specs properly.
 */
export function specName(spec: string): string | undefined {
  let s = spec.trim();
  const colons = s.lastIndexOf("::");
  if (colons >= 0) s = s.slice(colons + 2);
  const m = /^[^\s=<>!~[(,;|*]+/.exec(s);
  if (!m) return undefined;
  return m[0].toLowerCase();
}
