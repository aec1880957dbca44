import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { parseDuration } from "./duration.js";
import { PolicyFileError } from "./errors.js";

/**
 * The rules of a policy file, before compilation. A file is either a list of rules:
 *
 * ```yaml
 * rules:
 *   - id: no-gpl
 *     reason: GPL code may not ship in our products
 *     licenses: { deny: ["GPL-*", "AGPL-*"], unknown: allow }
 *   - id: approved-channels
 *     channels: { allow: [conda-forge, "https://repo.example.com/*"] }
 * ```
 *
 * or one section per kind at the top level (`channels:`, `packages:`, `licenses:`, `advisories:`,
 * `min_release_age:`), each optionally carrying its own `id` and `reason` (the id defaults to the
 * section's key). Both forms may be mixed.
 */
export type RuleSpec =
  | (RuleBase & { kind: "channels"; allow?: string[]; deny?: string[] })
  | (RuleBase & { kind: "packages"; allow?: string[]; deny?: string[] })
  | (RuleBase & { kind: "licenses"; allow?: string[]; deny?: string[]; unknown: "allow" | "deny" })
  | (RuleBase & { kind: "advisories"; files: string[]; severity?: Severity; ignore: string[] })
  | (RuleBase & {
      kind: "min_release_age";
      ageMs: number;
      age: string;
      missingTimestamp: "allow" | "deny";
      exempt: string[];
    });

export interface RuleBase {
  id: string;
  reason?: string;
  /** The file the rule was read from (for error messages). */
  source: string;
}

export type Severity = "low" | "medium" | "high" | "critical";
export const SEVERITIES: readonly Severity[] = ["low", "medium", "high", "critical"];

const KINDS = ["channels", "packages", "licenses", "advisories", "min_release_age"] as const;
type Kind = (typeof KINDS)[number];

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Reads fields of one rule, raising errors that name the file, rule and field. */
class FieldReader {
  constructor(
    readonly file: string,
    readonly rule: string,
  ) {}

  fail(field: string, problem: string): never {
    throw new PolicyFileError(this.file, problem, { rule: this.rule, field });
  }

  strings(obj: Obj, field: string): string[] | undefined {
    const v = obj[field];
    if (v === undefined || v === null) return undefined;
    const list = typeof v === "string" ? [v] : v;
    if (!Array.isArray(list) || !list.every((x) => typeof x === "string" && x.trim() !== ""))
      this.fail(field, "expected a list of non-empty strings");
    return (list as string[]).map((s) => s.trim());
  }

  choice<T extends string>(obj: Obj, field: string, options: readonly T[], fallback: T): T {
    const v = obj[field];
    if (v === undefined || v === null) return fallback;
    const s = typeof v === "boolean" ? (v ? "allow" : "deny") : String(v).toLowerCase();
    if (!options.includes(s as T))
      this.fail(field, `expected one of ${options.join(", ")}, got '${String(v)}'`);
    return s as T;
  }

  onlyKeys(obj: Obj, allowed: readonly string[]): void {
    for (const k of Object.keys(obj))
      if (!allowed.includes(k)) this.fail(k, `unknown key (expected ${allowed.join(", ")})`);
  }
}

function severityOf(r: FieldReader, v: unknown): Severity | undefined {
  if (v === undefined || v === null) return undefined;
  const s = String(v).toLowerCase();
  const norm = s === "moderate" ? "medium" : s;
  if (!SEVERITIES.includes(norm as Severity))
    r.fail("severity", `expected one of ${SEVERITIES.join(", ")}, got '${String(v)}'`);
  return norm as Severity;
}

function parseSection(
  file: string,
  kind: Kind,
  value: unknown,
  base: { id?: string; reason?: string },
): RuleSpec {
  const id = (isObj(value) && typeof value.id === "string" ? value.id : undefined) ?? base.id ?? kind;
  const r: FieldReader = new FieldReader(file, id);
  const reasonRaw = isObj(value) && value.reason !== undefined ? value.reason : base.reason;
  if (reasonRaw !== undefined && typeof reasonRaw !== "string") r.fail("reason", "expected a string");
  const common = { id, source: file, ...(reasonRaw ? { reason: reasonRaw as string } : {}) };
  const dir = dirname(file);
  switch (kind) {
    case "channels":
    case "packages": {
      if (!isObj(value)) r.fail(kind, "expected a mapping with allow and/or deny lists");
      r.onlyKeys(value, ["id", "reason", "allow", "deny"]);
      const allow = r.strings(value, "allow");
      const deny = r.strings(value, "deny");
      if (!allow && !deny) r.fail(kind, "needs an allow or a deny list");
      return { kind, ...common, allow, deny };
    }
    case "licenses": {
      if (!isObj(value)) r.fail(kind, "expected a mapping with allow/deny lists and unknown: allow|deny");
      r.onlyKeys(value, ["id", "reason", "allow", "deny", "unknown"]);
      const allow = r.strings(value, "allow");
      const deny = r.strings(value, "deny");
      const unknown = r.choice(value, "unknown", ["allow", "deny"] as const, "allow");
      if (!allow && !deny && unknown === "allow")
        r.fail(kind, "needs an allow or deny list, or unknown: deny");
      return { kind, ...common, allow, deny, unknown };
    }
    case "advisories": {
      const obj: Obj = isObj(value) ? value : { files: value };
      r.onlyKeys(obj, ["id", "reason", "files", "severity", "ignore"]);
      const files = r.strings(obj, "files");
      if (!files?.length) r.fail("files", "expected a list of OSV advisory files");
      return {
        kind,
        ...common,
        files: files.map((f) => (isAbsolute(f) ? f : resolve(dir, f))),
        severity: severityOf(r, obj.severity),
        ignore: r.strings(obj, "ignore") ?? [],
      };
    }
    case "min_release_age": {
      const obj: Obj = isObj(value) ? value : { age: value };
      r.onlyKeys(obj, ["id", "reason", "age", "missing_timestamp", "exempt"]);
      const raw = obj.age;
      const ageMs = typeof raw === "string" || typeof raw === "number" ? parseDuration(raw) : undefined;
      if (ageMs === undefined)
        r.fail("age", `expected a duration such as "7d", "12h" or "2w", got '${String(raw)}'`);
      return {
        kind,
        ...common,
        ageMs,
        age: String(raw),
        missingTimestamp: r.choice(obj, "missing_timestamp", ["allow", "deny"] as const, "allow"),
        exempt: r.strings(obj, "exempt") ?? [],
      };
    }
  }
}

/** Parses policy YAML text; `file` names it in errors and anchors relative advisory paths. */
export function parsePolicyText(text: string, file: string): RuleSpec[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new PolicyFileError(file, `not valid YAML: ${(e as Error).message.split("\n")[0]}`, { cause: e });
  }
  if (doc === null || doc === undefined) return [];
  if (!isObj(doc)) throw new PolicyFileError(file, "expected a mapping at the top level");
  const rules: RuleSpec[] = [];
  const ids = new Set<string>();
  const add = (rule: RuleSpec) => {
    if (ids.has(rule.id))
      throw new PolicyFileError(file, "two rules have this id", { rule: rule.id, field: "id" });
    ids.add(rule.id);
    rules.push(rule);
  };
  for (const [key, value] of Object.entries(doc)) {
    if (key === "version" || key === "severity") continue;
    if (key === "rules") {
      if (!Array.isArray(value))
        throw new PolicyFileError(file, "expected a list of rules", { field: "rules" });
      value.forEach((item, i) => {
        const label = isObj(item) && typeof item.id === "string" ? item.id : `rules[${i}]`;
        if (!isObj(item)) throw new PolicyFileError(file, "expected a mapping", { rule: label });
        if (typeof item.id !== "string" || item.id.trim() === "")
          throw new PolicyFileError(file, "every rule needs an id", { rule: label, field: "id" });
        const sections = Object.keys(item).filter((k) => (KINDS as readonly string[]).includes(k));
        const extra = Object.keys(item).filter(
          (k) => !(KINDS as readonly string[]).includes(k) && !["id", "reason", "severity"].includes(k),
        );
        if (extra.length) throw new PolicyFileError(file, "unknown key", { rule: label, field: extra[0] });
        if (sections.length !== 1)
          throw new PolicyFileError(file, `a rule has exactly one of ${KINDS.join(", ")}`, { rule: label });
        const kind = sections[0] as Kind;
        let v = item[kind];
        if (kind === "advisories" && item.severity !== undefined)
          v = isObj(v) ? { severity: item.severity, ...v } : { files: v, severity: item.severity };
        add(parseSection(file, kind, v, { id: item.id, reason: item.reason as string | undefined }));
      });
      continue;
    }
    if (!(KINDS as readonly string[]).includes(key))
      throw new PolicyFileError(file, `unknown key (expected rules, ${KINDS.join(", ")})`, { field: key });
    let v = value;
    if (key === "advisories" && doc.severity !== undefined)
      v = isObj(v) ? { severity: doc.severity, ...v } : { files: v, severity: doc.severity };
    add(parseSection(file, key as Kind, v, {}));
  }
  return rules;
}

/** Reads and parses a policy file. */
export function readPolicyFile(file: string): RuleSpec[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new PolicyFileError(
      file,
      `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      {
        cause: e,
      },
    );
  }
  return parsePolicyText(text, file);
}
