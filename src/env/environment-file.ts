import { readFileSync } from "node:fs";
import { isMap, isScalar, LineCounter, parseDocument, stringify } from "yaml";
import { EnvironmentFileError } from "./errors.js";

/**
 * An `environment.yml` as `conda env create -f` reads it (conda/env/env.py): conda specs, a
 * `pip:` list (and any other installer's list) inside `dependencies`, and `variables` that
 * `conda env create` stores in `conda-meta/state` for activation.
 */
export interface EnvironmentFile {
  name?: string;
  channels: string[];
  /** conda match specs, in file order. */
  dependencies: string[];
  /** Requirements of the `pip:` sections, in file order (pip's own syntax, not match specs). */
  pip: string[];
  /** Other `- installer: [...]` sections conda passes to installer plugins. */
  otherInstallers: Record<string, string[]>;
  variables: Record<string, string>;
  prefix?: string;
  /** Keys conda does not define (e.g. conda-lock's `category`, `platforms`), kept for round trips. */
  extra: Record<string, unknown>;
}

const KNOWN_KEYS = new Set(["name", "channels", "dependencies", "variables", "prefix"]);

function scalar(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

/** Parses environment.yml text; `file` names the source in every error. */
export function parseEnvironmentFile(text: string, file = "<environment.yml>"): EnvironmentFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = lineCounter.linePos(e.pos[0]).line;
    throw new EnvironmentFileError(
      `${file}:${line}`,
      undefined,
      `not valid YAML: ${e.message.split("\n")[0]}`,
    );
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) {
    throw new EnvironmentFileError(
      file,
      undefined,
      "the file is empty",
      "List at least 'dependencies:' in it.",
    );
  }
  if (!isMap(root)) throw new EnvironmentFileError(file, undefined, "the top level must be a mapping");
  const data = root.toJSON() as Record<string, unknown>;
  const env: EnvironmentFile = {
    channels: [],
    dependencies: [],
    pip: [],
    otherInstallers: {},
    variables: {},
    extra: {},
  };

  const stringList = (key: string, value: unknown): string[] => {
    if (value === null || value === undefined) return [];
    if (!Array.isArray(value))
      throw new EnvironmentFileError(file, key, `expected a list, found ${JSON.stringify(value)}`);
    return value.map((v, i) => {
      const s = scalar(v);
      if (s === undefined)
        throw new EnvironmentFileError(file, `${key}[${i}]`, `expected a string, found ${JSON.stringify(v)}`);
      return s;
    });
  };

  for (const [key, value] of Object.entries(data)) {
    if (!KNOWN_KEYS.has(key)) env.extra[key] = value;
  }
  if (data.name !== undefined && data.name !== null) {
    const name = scalar(data.name);
    if (name === undefined) throw new EnvironmentFileError(file, "name", "expected a string");
    env.name = name;
  }
  if (data.prefix !== undefined && data.prefix !== null) {
    const prefix = scalar(data.prefix);
    if (prefix === undefined) throw new EnvironmentFileError(file, "prefix", "expected a path");
    env.prefix = prefix;
  }
  env.channels = stringList("channels", data.channels);

  const deps = data.dependencies;
  if (deps !== undefined && deps !== null) {
    if (!Array.isArray(deps))
      throw new EnvironmentFileError(file, "dependencies", "expected a list of specs");
    deps.forEach((dep, i) => {
      const spec = scalar(dep);
      if (spec !== undefined) {
        env.dependencies.push(spec);
        return;
      }
      if (dep !== null && typeof dep === "object" && !Array.isArray(dep)) {
        for (const [installer, reqs] of Object.entries(dep as Record<string, unknown>)) {
          const list = stringList(`dependencies[${i}].${installer}`, reqs);
          if (installer === "pip") env.pip.push(...list);
          else env.otherInstallers[installer] = [...(env.otherInstallers[installer] ?? []), ...list];
        }
        return;
      }
      throw new EnvironmentFileError(
        file,
        `dependencies[${i}]`,
        `expected a spec string or a 'pip:' list, found ${JSON.stringify(dep)}`,
      );
    });
  }

  const vars = data.variables;
  if (vars !== undefined && vars !== null) {
    if (typeof vars !== "object" || Array.isArray(vars)) {
      throw new EnvironmentFileError(file, "variables", "expected a mapping of NAME: value");
    }
    for (const [k, v] of Object.entries(vars as Record<string, unknown>)) {
      const s = v === null ? "" : scalar(v);
      if (s === undefined) throw new EnvironmentFileError(file, `variables.${k}`, "expected a string value");
      env.variables[k] = s;
    }
  }
  return env;
}

/** Reads an environment.yml, naming the file in I/O errors. */
export function readEnvironmentFile(path: string): EnvironmentFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new EnvironmentFileError(
      path,
      undefined,
      `cannot be read (${(cause as NodeJS.ErrnoException).code ?? "error"})`,
      "Check the path given with -f/--file.",
    );
  }
  return parseEnvironmentFile(text, path);
}

/** Writes the file as `conda env export` lays it out (name, channels, dependencies, variables, prefix). */
export function formatEnvironmentFile(env: EnvironmentFile): string {
  const out: Record<string, unknown> = {};
  if (env.name !== undefined) out.name = env.name;
  out.channels = env.channels;
  const deps: unknown[] = [...env.dependencies];
  if (env.pip.length > 0) deps.push({ pip: env.pip });
  for (const [installer, list] of Object.entries(env.otherInstallers)) deps.push({ [installer]: list });
  out.dependencies = deps;
  if (Object.keys(env.variables).length > 0) out.variables = env.variables;
  for (const [k, v] of Object.entries(env.extra)) out[k] = v;
  if (env.prefix !== undefined) out.prefix = env.prefix;
  return stringify(out, { indentSeq: true, lineWidth: 0 });
}
