import { Channel } from "../conda/channel.js";
import { MatchSpec } from "../conda/match-spec.js";
import type { PackageRecord } from "../conda/package-record.js";
import { AdvisoryIndex, readAdvisoryFile } from "./advisories.js";
import { PolicyFileError, type Violation } from "./errors.js";
import { anyGlob, compileGlob } from "./glob.js";
import { type LicenseExpr, licenseToString, parseLicense } from "./license-expression.js";
import { readPolicyFile, type RuleSpec, SEVERITIES, type Severity } from "./policy-file.js";

export interface Evaluation {
  allowed: boolean;
  violations: Violation[];
}

export interface PolicyOptions {
  /** The clock for `min_release_age` (default `Date.now()` when the policy is compiled). */
  now?: number;
}

type Check = (r: PackageRecord) => Violation | Violation[] | undefined;

const ALLOWED: Evaluation = Object.freeze({ allowed: true, violations: [] }) as Evaluation;

/** "… (reason text)" when the rule carries one. */
function withReason(rule: RuleSpec, detail: string): string {
  return rule.reason ? `${detail} (${rule.reason})` : detail;
}

// ------------------------------------------------------------------------------------------
// channels

interface ChannelView {
  names: string[];
  urls: string[];
}
const channelViews = new Map<string, ChannelView>();

/** The names and URLs a record's channel is known by (canonical name, name, base URL). */
function channelView(channel: string | undefined): ChannelView {
  const key = channel ?? "";
  let v = channelViews.get(key);
  if (v) return v;
  v = { names: [], urls: [] };
  if (channel) {
    try {
      const c = Channel.parse(channel);
      v.names.push(c.canonicalName, c.name);
      v.urls.push(c.baseUrl.replace(/\/+$/, ""));
    } catch {
      // not a channel string conda understands: compare it as written
    }
    v.names.push(channel);
    if (channel.includes("://")) v.urls.push(channel.replace(/\/+$/, ""));
  }
  channelViews.set(key, v);
  return v;
}

function channelMatcher(pattern: string): (r: PackageRecord) => boolean {
  // A local path is a file:// channel.
  const p = pattern.startsWith("/") ? `file://${pattern}` : pattern;
  const glob = compileGlob(p.replace(/\/+$/, ""));
  if (p.includes("://"))
    return (r) => {
      const v = channelView(r.channel);
      return anyGlob([glob], r.url ?? "") || v.urls.some((u) => glob(u) || glob(`${u}/${r.subdir}`));
    };
  return (r) => channelView(r.channel).names.some((n) => glob(n));
}

function channelCheck(rule: RuleSpec & { kind: "channels" }): Check {
  const allow = (rule.allow ?? []).map(channelMatcher);
  const deny = (rule.deny ?? []).map((p) => ({ p, m: channelMatcher(p) }));
  return (r) => {
    const ch = r.channel ?? "<unknown>";
    for (const d of deny)
      if (d.m(r)) return { ruleId: rule.id, reason: withReason(rule, `channel ${ch} is denied (${d.p})`) };
    if (rule.allow && !allow.some((m) => m(r)))
      return { ruleId: rule.id, reason: withReason(rule, `channel ${ch} is not an allowed channel`) };
    return undefined;
  };
}

// ------------------------------------------------------------------------------------------
// packages

function specList(rule: RuleSpec, field: "allow" | "deny" | "exempt", specs: string[]): MatchSpec[] {
  return specs.map((s) => {
    try {
      return MatchSpec.parse(s);
    } catch (e) {
      throw new PolicyFileError(rule.source, `'${s}' is not a match spec: ${(e as Error).message}`, {
        rule: rule.id,
        field,
        cause: e,
      });
    }
  });
}

function packageCheck(rule: RuleSpec & { kind: "packages" }): Check {
  const deny = specList(rule, "deny", rule.deny ?? []);
  const allow = specList(rule, "allow", rule.allow ?? []);
  return (r) => {
    for (const d of deny)
      if (d.matches(r))
        return {
          ruleId: rule.id,
          reason: withReason(rule, `matches denied spec ${d}`),
        };
    if (rule.allow && !allow.some((a) => a.matches(r)))
      return { ruleId: rule.id, reason: withReason(rule, "matches no allowed spec") };
    return undefined;
  };
}

// ------------------------------------------------------------------------------------------
// licenses

type Verdict = { ok: true } | { ok: false; why: string };

function licenseCheck(rule: RuleSpec & { kind: "licenses" }): Check {
  const compile = (list: string[] | undefined) =>
    (list ?? []).map((p) => ({
      p,
      withException: /\swith\s/i.test(p),
      g: compileGlob(p.replace(/\s+/g, " ")),
    }));
  const allow = compile(rule.allow);
  const deny = compile(rule.deny);
  const cache = new Map<string, Verdict>();
  const matchOf = (list: typeof allow, id: string, full: string) =>
    list.find((x) => (x.withException ? x.g(full) : x.g(id)));

  const leaf = (x: LicenseExpr): Verdict => {
    if (x.kind === "unknown")
      return rule.unknown === "deny" ? { ok: false, why: "its license is unknown" } : { ok: true };
    if (x.kind !== "license") return tree(x);
    const full = licenseToString(x);
    const denied = matchOf(deny, x.id, full);
    // An allow pattern naming the exception ("GPL-3.0-or-later WITH GCC-exception-3.1") overrides
    // a deny of the bare licence: that is what the exception is for.
    const excepted = x.exception !== undefined && allow.some((a) => a.withException && a.g(full));
    if (denied && !excepted) return { ok: false, why: `${full} is denied (${denied.p})` };
    if (rule.allow && !excepted && !matchOf(allow, x.id, full))
      return { ok: false, why: `${full} is not an allowed license` };
    return { ok: true };
  };
  const tree = (x: LicenseExpr): Verdict => {
    if (x.kind !== "and" && x.kind !== "or") return leaf(x);
    const verdicts = x.items.map(tree);
    if (x.kind === "and") return verdicts.find((v) => !v.ok) ?? { ok: true };
    // OR: the user may take any one alternative.
    if (verdicts.some((v) => v.ok)) return { ok: true };
    return { ok: false, why: verdicts.map((v) => (v.ok ? "" : v.why)).join(", and ") };
  };
  return (r) => {
    const text = r.license ?? (r.license_family ? r.license_family : undefined);
    const key = text ?? "";
    let v = cache.get(key);
    if (!v) {
      v = tree(parseLicense(text));
      cache.set(key, v);
    }
    if (v.ok) return undefined;
    const shown = text === undefined ? "" : ` '${text}'`;
    return { ruleId: rule.id, reason: withReason(rule, `license${shown}: ${v.why}`) };
  };
}

// ------------------------------------------------------------------------------------------
// advisories

function rankOf(s: Severity | undefined): number {
  return s === undefined ? SEVERITIES.length : SEVERITIES.indexOf(s);
}

function advisoryCheck(rule: RuleSpec & { kind: "advisories" }): { check: Check; index: AdvisoryIndex } {
  const ignore = new Set(rule.ignore.map((s) => s.toUpperCase()));
  const all = rule.files
    .flatMap((f) => {
      try {
        return readAdvisoryFile(f);
      } catch (e) {
        // name the rule that points at the file, too
        if (e instanceof PolicyFileError && e.rule === undefined)
          throw new PolicyFileError(
            e.file,
            e.message.replace(/^invalid policy file \S+ ?(\([^)]*\))?: /, ""),
            {
              rule: rule.id,
              field: e.field ?? "files",
              cause: e.cause,
            },
          );
        throw e;
      }
    })
    .filter((a) => !ignore.has(a.id.toUpperCase()) && !a.aliases.some((x) => ignore.has(x.toUpperCase())));
  // Advisories with no severity stay in: an unrated vulnerability is not a harmless one.
  const threshold = rule.severity === undefined ? -1 : rankOf(rule.severity);
  const index = new AdvisoryIndex(all.filter((a) => rankOf(a.severity) >= threshold));
  const check: Check = (r) => {
    const hits = index.match(r);
    if (!hits.length) return undefined;
    return hits.map((h) => ({
      ruleId: rule.id,
      reason: withReason(
        rule,
        `affected by ${h.advisory.id}${h.advisory.severity ? ` (${h.advisory.severity})` : ""}${
          h.fixed ? `, fixed in ${h.fixed}` : ""
        }${h.advisory.summary ? `: ${h.advisory.summary}` : ""}`,
      ),
      advisory: {
        id: h.advisory.id,
        ...(h.advisory.severity ? { severity: h.advisory.severity } : {}),
        ...(h.advisory.score !== undefined ? { score: h.advisory.score } : {}),
        ...(h.fixed ? { fixed: h.fixed } : {}),
        ...(h.advisory.summary ? { summary: h.advisory.summary } : {}),
      },
    }));
  };
  return { check, index };
}

// ------------------------------------------------------------------------------------------
// min_release_age

function ageCheck(rule: RuleSpec & { kind: "min_release_age" }, now: number): Check {
  const cutoff = now - rule.ageMs;
  const exempt = specList(rule, "exempt", rule.exempt);
  return (r) => {
    if (exempt.some((e) => e.matches(r))) return undefined;
    if (r.timestamp === undefined)
      return rule.missingTimestamp === "deny"
        ? { ruleId: rule.id, reason: withReason(rule, "has no release timestamp") }
        : undefined;
    if (r.timestamp <= cutoff) return undefined;
    const when = new Date(r.timestamp).toISOString().slice(0, 16).replace("T", " ");
    return {
      ruleId: rule.id,
      reason: withReason(rule, `released ${when} UTC, less than ${rule.age} ago`),
    };
  };
}

function compileRule(rule: RuleSpec, now: number): Check {
  if (rule.kind === "channels") return channelCheck(rule);
  if (rule.kind === "packages") return packageCheck(rule);
  if (rule.kind === "licenses") return licenseCheck(rule);
  if (rule.kind === "advisories") return advisoryCheck(rule).check;
  return ageCheck(rule, now);
}

// ------------------------------------------------------------------------------------------

/**
 * A compiled policy: every rule's matchers built once, and each record's verdict cached (the
 * solver asks about every candidate it loads, and the same record object comes back many times).
 */
export class Policy {
  readonly rules: readonly RuleSpec[];
  private readonly checks: Check[];
  private readonly cache = new WeakMap<PackageRecord, Evaluation>();

  constructor(rules: readonly RuleSpec[], opts: PolicyOptions = {}) {
    this.rules = rules;
    const now = opts.now ?? Date.now();
    this.checks = rules.map((rule) => compileRule(rule, now));
  }

  /** Reads and compiles policy files; their rules all apply (ids must differ across files). */
  static load(files: readonly string[], opts: PolicyOptions = {}): Policy {
    const rules: RuleSpec[] = [];
    for (const f of files) {
      for (const r of readPolicyFile(f)) {
        const clash = rules.find((x) => x.id === r.id);
        if (clash)
          throw new PolicyFileError(f, `rule id already used in ${clash.source}`, {
            rule: r.id,
            field: "id",
          });
        rules.push(r);
      }
    }
    return new Policy(rules, opts);
  }

  /** This policy plus more rules (e.g. `--advisories FILE`). */
  with(rules: readonly RuleSpec[], opts: PolicyOptions = {}): Policy {
    return new Policy([...this.rules, ...rules], opts);
  }

  get isEmpty(): boolean {
    return this.rules.length === 0;
  }

  /** Which rules a record breaks. Virtual packages (`__glibc` …) are never judged. */
  evaluate(record: PackageRecord): Evaluation {
    if (this.checks.length === 0 || record.name.startsWith("__")) return ALLOWED;
    const hit = this.cache.get(record);
    if (hit) return hit;
    const violations: Violation[] = [];
    for (const check of this.checks) {
      const v = check(record);
      if (v === undefined) continue;
      if (Array.isArray(v)) violations.push(...v);
      else violations.push(v);
    }
    const out = violations.length ? { allowed: false, violations } : ALLOWED;
    this.cache.set(record, out);
    return out;
  }

  /**
   * The solver's `exclude` hook: the reason a record may not be a candidate, or undefined.
   * The text reads after "… is excluded (".
   */
  readonly exclude = (record: PackageRecord): string | undefined => {
    const e = this.evaluate(record);
    if (e.allowed) return undefined;
    return e.violations.map((v) => `by policy rule '${v.ruleId}': ${v.reason}`).join("; ");
  };
}
