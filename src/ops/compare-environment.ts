import { MatchSpec } from "../conda/match-spec.js";
import { PackageRecord } from "../conda/package-record.js";
import type { EnvironmentFile } from "../env/environment-file.js";
import { normalizePipName, pipInstalledPackages } from "../env/pip-installed.js";
import { readPrefixRecords } from "../install/conda-meta.js";

export interface CompareResult {
  /** Every spec of the file is matched by the environment. */
  ok: boolean;
  /** conda compare's lines: one per missing or mismatched spec, or its success sentence. */
  lines: string[];
}

/**
 * `conda compare`: each conda spec of an environment.yml (and each `pip:` requirement that is a
 * plain `name` or `name==version`) against what the prefix has installed — conda records, plus
 * the Python distributions pip put there. Same sentences as conda, so scripts that grep them work.
 */
export function compareEnvironment(prefix: string, file: EnvironmentFile): CompareResult {
  const prefixRecords = readPrefixRecords(prefix);
  const active = new Map<string, PackageRecord>();
  for (const pr of prefixRecords) active.set(pr.record.name, pr.record);
  const pip = pipInstalledPackages(
    prefix,
    prefixRecords.flatMap((pr) => pr.files),
  );
  for (const entry of pip) {
    const [name, version] = entry.split("==") as [string, string];
    if (!active.has(name))
      active.set(name, new PackageRecord({ name, version, build: "pypi_0", subdir: "pypi" }));
  }
  const lines: string[] = [];
  for (const text of [...file.dependencies, ...file.pip]) {
    let spec: MatchSpec;
    try {
      spec = MatchSpec.parse(text);
    } catch {
      lines.push(`${text}: not a spec taipan can compare`);
      continue;
    }
    const name = spec.name ?? text;
    const have = active.get(name) ?? active.get(normalizePipName(name));
    if (!have) lines.push(`${name} not found`);
    else if (!spec.matches(have))
      lines.push(
        `${name} found but mismatch. Specification pkg: ${text}, Running pkg: ${have.name}==${have.version}=${have.build}`,
      );
  }
  const ok = lines.length === 0;
  if (ok)
    lines.push(
      "Success. All the packages in the specification file are present in the environment with matching version and build string.",
    );
  return { ok, lines };
}
