import type { Command } from "commander";
import { stringify } from "yaml";
import { readCondarc } from "../../env/condarc-file.js";
import { CONFIG_KEYS, configValues, defaultRootPrefix, loadConfig } from "../../env/config.js";
import { CondarcEditor, userCondarcPath } from "../../env/config-edit.js";
import { canonicalKey, PARAMETERS } from "../../env/config-parameters.js";
import { UsageError } from "../errors.js";
import { printJson } from "../output.js";

interface ConfigOptions {
  show?: string[] | boolean;
  showSources?: boolean;
  get?: string[] | boolean;
  set?: string[];
  add?: string[];
  append?: string[];
  prepend?: string[];
  remove?: string[];
  removeKey?: string[];
  file?: string;
  env?: boolean;
  system?: boolean;
  json?: boolean;
  quiet?: boolean;
}

function pairs(flag: string, values: string[] | undefined): [string, string][] {
  if (!values) return [];
  if (values.length % 2 !== 0)
    throw new UsageError(
      `--${flag} takes a KEY and a VALUE`,
      `e.g. 'taipan config --${flag} channels conda-forge'.`,
    );
  const out: [string, string][] = [];
  for (let i = 0; i < values.length; i += 2) out.push([values[i]!, values[i + 1]!]);
  return out;
}

/** The file conda's `config` writes: --file, --env ($CONDA_PREFIX/.condarc), --system, else the user's. */
function targetFile(opts: ConfigOptions): string {
  if (opts.file) return opts.file;
  if (opts.env) {
    const prefix = process.env.CONDA_PREFIX;
    if (!prefix)
      throw new UsageError(
        "--env needs an active environment",
        "Activate one with 'taipan activate NAME' first, or use --file.",
      );
    return `${prefix}/.condarc`;
  }
  if (opts.system) return `${defaultRootPrefix(process.env)}/.condarc`;
  return userCondarcPath(process.env);
}

function requestedKeys(value: string[] | boolean | undefined): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  return value.map((k) => {
    const c = canonicalKey(k);
    if (!c)
      throw new UsageError(`unknown configuration key '${k}'`, `Known keys: ${CONFIG_KEYS.join(", ")}.`);
    return c;
  });
}

function show(opts: ConfigOptions): void {
  const values = configValues(loadConfig()) as unknown as Record<string, unknown>;
  const keys = requestedKeys(opts.show) ?? [...CONFIG_KEYS];
  const picked: Record<string, unknown> = {};
  for (const k of keys) picked[k] = values[k];
  if (opts.json) printJson(picked);
  else process.stdout.write(stringify(picked, { indentSeq: true }));
}

function showSources(opts: ConfigOptions): void {
  const config = loadConfig();
  const out: Record<string, unknown> = {};
  for (const source of config.sources) {
    const v: Record<string, unknown> = {};
    for (const [k, raw] of source.parameters) v[k] = raw.value;
    out[source.name] = v;
  }
  if (opts.json) {
    printJson(out);
    return;
  }
  for (const [name, v] of Object.entries(out)) {
    process.stdout.write(`==> ${name} <==\n${stringify(v, { indentSeq: true })}\n`);
  }
}

/** conda's `--get`: the file's settings as the commands that would recreate them. */
function get(opts: ConfigOptions): void {
  const file = targetFile(opts);
  const source = readCondarc(file);
  const wanted = requestedKeys(opts.get);
  const lines: string[] = [];
  const json: Record<string, unknown> = {};
  for (const [key, raw] of source.parameters) {
    const canonical = canonicalKey(key) ?? key;
    if (wanted && !wanted.includes(canonical)) continue;
    json[canonical] = raw.value;
    const kind = PARAMETERS[canonical]?.kind;
    if (kind === "sequence" && Array.isArray(raw.value)) {
      const items = [...raw.value].reverse();
      items.forEach((item, i) => {
        const note =
          items.length > 1 && i === 0
            ? "   # lowest priority"
            : i === items.length - 1 && items.length > 1
              ? "   # highest priority"
              : "";
        lines.push(`--add ${canonical} '${String(item)}'${note}`);
      });
    } else if (raw.value !== null && typeof raw.value === "object" && !Array.isArray(raw.value)) {
      for (const [sub, v] of Object.entries(raw.value)) lines.push(`--set ${canonical}.${sub} ${String(v)}`);
    } else {
      lines.push(
        `--set ${canonical} ${raw.value === true ? "True" : raw.value === false ? "False" : String(raw.value)}`,
      );
    }
  }
  if (opts.json) printJson({ get: json, rc_path: file, success: true, warnings: [] });
  else if (lines.length > 0) process.stdout.write(`${lines.join("\n")}\n`);
}

function edit(opts: ConfigOptions): void {
  const file = targetFile(opts);
  const editor = CondarcEditor.open(file);
  for (const [k, v] of pairs("set", opts.set)) editor.set(k, v);
  for (const [k, v] of pairs("add", opts.add)) editor.add(k, v, "prepend");
  for (const [k, v] of pairs("prepend", opts.prepend)) editor.add(k, v, "prepend");
  for (const [k, v] of pairs("append", opts.append)) editor.add(k, v, "append");
  for (const [k, v] of pairs("remove", opts.remove)) editor.remove(k, v);
  for (const k of opts.removeKey ?? []) editor.removeKey(k);
  editor.save();
  if (opts.json) printJson({ rc_path: file, success: true, warnings: editor.warnings });
  else if (!opts.quiet) for (const w of editor.warnings) process.stderr.write(`Warning: ${w}\n`);
}

export function register(program: Command): void {
  program
    .command("config")
    .description("Show and change .condarc configuration, as 'conda config' does")
    .option("--show [KEY...]", "print the merged configuration (all keys, or the ones named)")
    .option("--show-sources", "print every configuration source and what it sets")
    .option("--get [KEY...]", "print the settings of the configuration file as config commands")
    .option("--set <KEY VALUE...>", "set a single-valued key (KEY may be map.sub for proxy_servers etc.)")
    .option("--add <KEY VALUE...>", "add VALUE to the top of the list KEY")
    .option("--prepend <KEY VALUE...>", "same as --add")
    .option("--append <KEY VALUE...>", "add VALUE to the bottom of the list KEY")
    .option("--remove <KEY VALUE...>", "remove VALUE from the list KEY")
    .option("--remove-key <KEY...>", "remove KEY and its value from the file")
    .option("--file <FILE>", "write to FILE instead of ~/.condarc (or $CONDARC)")
    .option("--env", "write to the active environment's .condarc")
    .option("--system", "write to the root prefix's .condarc")
    .option("--json", "print results as JSON")
    .option("-q, --quiet", "print nothing but errors")
    .action((opts: ConfigOptions) => {
      const edits = [opts.set, opts.add, opts.prepend, opts.append, opts.remove, opts.removeKey].some(
        (v) => v !== undefined,
      );
      if (edits) edit(opts);
      else if (opts.showSources) showSources(opts);
      else if (opts.get !== undefined) get(opts);
      else show(opts);
    });
}
