import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { type Document, isMap, isScalar, isSeq, parseDocument, type YAMLSeq } from "yaml";
import { type Env, homeDir } from "./condarc-search-path.js";
import { DEFAULT_CHANNELS } from "./config.js";
import { canonicalKey, PARAMETERS, type ParameterSpec, parseBoolean } from "./config-parameters.js";
import { CondarcError, ConfigEditError } from "./errors.js";
import { writeFileAtomicSync } from "../fs/write-atomic.js";

/** conda writes to `$CONDARC` when set, else `~/.condarc` (conda/cli/main_config.py user_rc_path). */
export function userCondarcPath(env: Env): string {
  return env.CONDARC || `${homeDir(env)}/.condarc`;
}

/** An edit of one condarc file that keeps its comments, order and `#!` markers. */
export class CondarcEditor {
  readonly file: string;
  readonly doc: Document;
  /** Messages conda prints as warnings (e.g. a channel moved to the top). */
  readonly warnings: string[] = [];

  private constructor(file: string, doc: Document) {
    this.file = file;
    this.doc = doc;
  }

  static open(file: string): CondarcEditor {
    const text = existsSync(file) ? readFileSync(file, "utf8") : "";
    const doc = parseDocument(text, { prettyErrors: false });
    if (doc.errors.length > 0) {
      throw new CondarcError(
        file,
        doc.errors[0]!.linePos?.[0]?.line,
        `not valid YAML: ${doc.errors[0]!.message}`,
      );
    }
    if (
      doc.contents !== null &&
      !isMap(doc.contents) &&
      !(isScalar(doc.contents) && doc.contents.value === null)
    ) {
      throw new CondarcError(file, 1, "the top level must be a mapping of keys to values");
    }
    return new CondarcEditor(file, doc);
  }

  private spec(key: string): { key: string; spec: ParameterSpec } {
    const base = key.split(".")[0]!;
    const canonical = canonicalKey(base);
    if (canonical === undefined) {
      throw new ConfigEditError(
        `unknown configuration key '${base}'`,
        `Known keys: ${Object.keys(PARAMETERS).join(", ")}.`,
      );
    }
    return { key: canonical, spec: PARAMETERS[canonical]! };
  }

  /** `--set KEY VALUE`; `KEY` may be `map_key.sub_key` for mappings like proxy_servers. */
  set(key: string, text: string): void {
    const { key: canonical, spec } = this.spec(key);
    const sub = key.split(".").slice(1).join(".");
    if (spec.kind === "map" || spec.kind === "map-of-sequences") {
      if (!sub || spec.kind === "map-of-sequences") {
        throw new ConfigEditError(
          `'${canonical}' is a mapping; set one entry of it`,
          `Use 'taipan config --set ${canonical}.NAME VALUE'.`,
        );
      }
      this.doc.setIn([canonical, sub], text);
      return;
    }
    if (spec.kind === "sequence") {
      throw new ConfigEditError(
        `'${canonical}' is a list and cannot be --set`,
        `Use 'taipan config --add ${canonical} VALUE' or '--append'.`,
      );
    }
    this.doc.set(canonical, typedScalar(canonical, spec, text));
  }

  private sequence(key: string, seed: boolean): YAMLSeq {
    const { key: canonical, spec } = this.spec(key);
    if (spec.kind !== "sequence") {
      throw new ConfigEditError(
        `'${canonical}' is not a list`,
        `Use 'taipan config --set ${canonical} VALUE' for single values.`,
      );
    }
    let node = this.doc.get(canonical, true);
    if (!isSeq(node)) {
      if (node !== undefined && !(isScalar(node) && node.value === null)) {
        throw new CondarcError(this.file, undefined, `'${canonical}' is not a list in this file`);
      }
      // As conda seeds `defaults`, seed taipan's default channels so --add does not drop them.
      const initial = seed && canonical === "channels" ? [...DEFAULT_CHANNELS] : [];
      this.doc.set(canonical, this.doc.createNode(initial, { flow: false }));
      node = this.doc.get(canonical, true);
    }
    return node as YAMLSeq;
  }

  private indexIn(seq: YAMLSeq, value: string): number {
    return seq.items.findIndex((item) => isScalar(item) && String(item.value) === value);
  }

  /** `--add`/`--prepend` (first) and `--append` (last); an existing element moves, as in conda. */
  add(key: string, value: string, where: "prepend" | "append"): void {
    const seq = this.sequence(key, true);
    const at = this.indexIn(seq, value);
    if (at >= 0) {
      seq.items.splice(at, 1);
      this.warnings.push(
        `'${value}' already in '${key}' list, moving to the ${where === "prepend" ? "top" : "bottom"}`,
      );
    }
    const node = this.doc.createNode(value);
    if (where === "prepend") seq.items.unshift(node);
    else seq.items.push(node);
  }

  /** `--remove KEY VALUE`. */
  remove(key: string, value: string): void {
    const { key: canonical } = this.spec(key);
    const node = this.doc.get(canonical, true);
    const at = isSeq(node) ? this.indexIn(node, value) : -1;
    if (at < 0) {
      throw new ConfigEditError(
        `'${value}' is not in the '${canonical}' list of ${this.file}`,
        `See what is there with 'taipan config --get ${canonical} --file ${this.file}'.`,
      );
    }
    (node as YAMLSeq).items.splice(at, 1);
  }

  /** `--remove-key KEY` (or `map.sub`). */
  removeKey(key: string): void {
    const { key: canonical } = this.spec(key);
    const path = [canonical, ...key.split(".").slice(1)];
    if (!this.doc.hasIn(path)) {
      throw new ConfigEditError(
        `key '${key}' is not set in ${this.file}`,
        `Run 'taipan config --show-sources' to see which file sets it.`,
      );
    }
    this.doc.deleteIn(path);
  }

  toString(): string {
    const text = String(this.doc);
    return text === "null\n" || text === "{}\n" ? "" : text;
  }

  /** Writes through a temporary file and a rename, so a crash never leaves half a condarc. */
  save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileAtomicSync(this.file, this.toString());
  }
}

function typedScalar(key: string, spec: ParameterSpec, text: string): unknown {
  if (spec.kind === "boolean") {
    const b = parseBoolean(text);
    if (b === undefined) throw new ConfigEditError(`'${key}' takes true or false, not '${text}'`);
    return b;
  }
  if (spec.kind === "priority") {
    const t = text.toLowerCase();
    if (t === "strict" || t === "flexible" || t === "disabled") return t;
    throw new ConfigEditError(`'channel_priority' takes strict, flexible or disabled, not '${text}'`);
  }
  if (spec.kind === "ssl") return parseBoolean(text) ?? text;
  return text;
}
