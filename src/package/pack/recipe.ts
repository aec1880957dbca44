import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { TaipanError } from "../../conda/errors.js";

/** The small recipe `taipan pack` reads: just the metadata, no build steps. */
export interface PackRecipe {
  name: string;
  version: string;
  /** Build string; defaults to `py_<n>` for noarch python and `<n>` otherwise, as conda-build does without a hash. */
  build?: string;
  build_number?: number;
  depends?: string[];
  constrains?: string[];
  license?: string;
  license_family?: string;
  noarch?: "python" | "generic";
  /** Console scripts of a noarch python package (`name = module:function`), written to info/link.json. */
  entry_points?: string[];
  /** The platform subdir; `noarch` when `noarch` is set, else the current platform's. */
  subdir?: string;
  track_features?: string[];
  features?: string[];
  run_exports?: Record<string, unknown>;
  /** Milliseconds since the epoch for index.json; omitted when absent so output stays reproducible. */
  timestamp?: number;
  /** The prefix placeholder to look for in files (conda's default `/opt/anaconda1anaconda2anaconda3`). */
  prefix_placeholder?: string;
  /** Fields of info/about.json (summary, home, description, doc_url, dev_url, ...). */
  about?: Record<string, unknown>;
}

export class RecipeError extends TaipanError {
  constructor(source: string, reason: string) {
    super("INVALID_RECIPE", `invalid pack recipe ${source}: ${reason}`, {
      hint: "A recipe needs at least `name` and `version`; lists (depends, constrains, entry_points) are lists of strings.",
    });
  }
}

const STRING_LISTS = ["depends", "constrains", "entry_points", "track_features", "features"] as const;

/** Checks a parsed recipe object and fills nothing in; defaults are applied by the packer. */
export function validateRecipe(obj: unknown, source = "(recipe)"): PackRecipe {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj))
    throw new RecipeError(source, "expected a mapping");
  const o = obj as Record<string, unknown>;
  // conda-build style nesting (package: {name, version}, build: {number, string}, requirements: {run}) is accepted too.
  const pkg = (o.package ?? {}) as Record<string, unknown>;
  const build = (typeof o.build === "object" && o.build !== null ? o.build : {}) as Record<string, unknown>;
  const reqs = (o.requirements ?? {}) as Record<string, unknown>;
  const r: Record<string, unknown> = {
    ...o,
    name: o.name ?? pkg.name,
    version: o.version ?? pkg.version,
    build: typeof o.build === "string" ? o.build : build.string,
    build_number: o.build_number ?? build.number,
    depends: o.depends ?? reqs.run,
    constrains: o.constrains ?? reqs.run_constrained,
    noarch: o.noarch ?? build.noarch,
    entry_points: o.entry_points ?? build.entry_points,
    run_exports: o.run_exports ?? build.run_exports,
  };
  if (typeof r.name !== "string" || !/^[a-z0-9_.+-]+$/i.test(r.name))
    throw new RecipeError(source, "missing or bad `name`");
  if (typeof r.version === "number") r.version = String(r.version);
  for (const k of ["build_number", "timestamp"])
    if (typeof r[k] === "string" && /^\d+$/.test(r[k] as string)) r[k] = Number(r[k]);
  if (typeof r.version !== "string" || r.version === "" || /[\s-]/.test(r.version))
    throw new RecipeError(source, "missing or bad `version` (no spaces or dashes)");
  if (r.build !== undefined && (typeof r.build !== "string" || /[\s-]/.test(r.build)))
    throw new RecipeError(source, "`build` must be a string without spaces or dashes");
  if (r.build_number !== undefined && (!Number.isInteger(r.build_number) || (r.build_number as number) < 0))
    throw new RecipeError(source, "`build_number` must be a non-negative integer");
  if (r.noarch !== undefined && r.noarch !== "python" && r.noarch !== "generic")
    throw new RecipeError(source, "`noarch` must be 'python' or 'generic'");
  for (const k of STRING_LISTS) {
    const v = r[k];
    if (v === undefined || v === null) {
      delete r[k];
      continue;
    }
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string"))
      throw new RecipeError(source, `\`${k}\` must be a list of strings`);
  }
  if (r.entry_points && r.noarch !== "python")
    throw new RecipeError(source, "`entry_points` need `noarch: python`");
  for (const ep of (r.entry_points as string[] | undefined) ?? [])
    if (!/^\s*[\w.-]+\s*=\s*[\w.]+\s*:\s*[\w.]+\s*$/.test(ep))
      throw new RecipeError(source, `entry point '${ep}' is not 'name = module:function'`);
  for (const k of ["package", "requirements"]) delete r[k];
  if (typeof r.build !== "string") delete r.build;
  return r as unknown as PackRecipe;
}

/** Reads a recipe file: JSON when it parses as JSON or ends in .json, YAML otherwise. */
export async function readRecipe(path: string): Promise<PackRecipe> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new RecipeError(path, `cannot read it (${(e as Error).message})`);
  }
  let obj: unknown;
  try {
    // YAML's failsafe schema keeps every scalar a string, so `version: 2.0` stays "2.0" (not the number 2).
    obj = path.endsWith(".json") ? JSON.parse(text) : parseYaml(text, { schema: "failsafe" });
  } catch (e) {
    throw new RecipeError(
      path,
      `not valid ${path.endsWith(".json") ? "JSON" : "YAML"} (${(e as Error).message})`,
    );
  }
  return validateRecipe(obj, path);
}
