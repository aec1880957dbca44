import { readFileSync } from "node:fs";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { CondarcError } from "./errors.js";

/** conda's per-line markers (conda/common/configuration.py ParameterFlag). */
export type ValueFlag = "final" | "top" | "bottom";

/** One key as written in one configuration source. */
export interface RawParameter {
  value: unknown;
  /** `#!final` on the key's line: sources of higher precedence may not change it. */
  final: boolean;
  /** `#!top` / `#!bottom` on a sequence element's line, by element index. */
  elementFlags: (ValueFlag | undefined)[];
  line: number | undefined;
}

/** A parsed configuration source: a file, the `CONDA_*` environment variables, or the command line. */
export interface ConfigSource {
  /** The file path, or `envvars` / `cmd_line` as conda names them. */
  name: string;
  parameters: Map<string, RawParameter>;
}

function flagOnLine(lineText: string): ValueFlag | undefined {
  const m = /#!(final|top|bottom)\b/.exec(lineText);
  return m ? (m[1] as ValueFlag) : undefined;
}

/** Parses condarc text; the file name appears in every error. */
export function parseCondarc(text: string, file: string): ConfigSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const line = lineCounter.linePos(err.pos[0]).line;
    throw new CondarcError(file, line, `not valid YAML: ${err.message.split("\n")[0]}`);
  }
  const parameters = new Map<string, RawParameter>();
  const lines = text.split(/\r?\n/);
  const lineOf = (node: Node | null | undefined): number | undefined =>
    node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  const textOf = (line: number | undefined): string => (line === undefined ? "" : (lines[line - 1] ?? ""));
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ""))) {
    return { name: file, parameters };
  }
  if (!isMap(root)) {
    throw new CondarcError(file, lineOf(root), "the top level must be a mapping of keys to values");
  }
  for (const pair of root.items) {
    const keyNode = pair.key as Node | null;
    const key = isScalar(keyNode) ? String(keyNode.value) : undefined;
    if (key === undefined) throw new CondarcError(file, lineOf(keyNode), "a key is not a plain string");
    const line = lineOf(keyNode);
    const valueNode = pair.value as Node | null;
    const final = flagOnLine(textOf(line)) === "final";
    const elementFlags: (ValueFlag | undefined)[] = [];
    if (isSeq(valueNode)) {
      for (const item of valueNode.items) {
        const itemLine = lineOf(item as Node);
        elementFlags.push(
          itemLine !== undefined && itemLine !== line ? flagOnLine(textOf(itemLine)) : undefined,
        );
      }
    }
    const value = valueNode === null ? null : valueNode.toJSON();
    parameters.set(key, { value, final, elementFlags, line });
  }
  return { name: file, parameters };
}

/** Reads and parses one condarc file, turning I/O failures into a `CondarcError`. */
export function readCondarc(file: string): ConfigSource {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? "unknown error";
    throw new CondarcError(
      file,
      undefined,
      `cannot be read (${code})`,
      code === "EACCES" ? `Make ${file} readable ('chmod u+r') or remove it.` : undefined,
    );
  }
  return parseCondarc(text, file);
}
