import { homedir } from "node:os";
import { resolve as resolvePath } from "node:path";
import { splitArchiveExtension } from "./archive-name.js";
import { Channel } from "./channel.js";
import { ParseError, TaipanError } from "./errors.js";
import type { PackageRecord } from "./package-record.js";
import { KNOWN_SUBDIRS } from "./platform.js";
import type { Version } from "./version.js";
import { BuildNumberSpec, compilePythonRegex, VersionSpec } from "./version-spec.js";

const HINT =
  "MatchSpecs look like: numpy, numpy>=1.20, numpy 1.26.*, numpy=1.26=py311_0, conda-forge/linux-64::numpy[version='>=1.20',build=*_0], or a package URL/filename.";

function fail(input: string, reason: string): never {
  throw new ParseError(input, "MatchSpec", reason, HINT);
}

/** Thrown by `MatchSpec.merge` when two specs for the same package cannot both hold. */
export class IncompatibleSpecsError extends TaipanError {
  constructor(a: string, b: string) {
    super("INCOMPATIBLE_SPECS", `incompatible component merge: '${a}' and '${b}'`, {
      hint: "The specs ask for different exact values of the same field; drop or relax one of them.",
      exceptionName: "ValueError",
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Field matchers (conda's GlobStrMatch, ExactStrMatch, CaseInsensitiveStrMatch, ChannelMatch, FeatureMatch)

/** Escape every character that is special in a JS regular expression. */
function escapeRegex(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
}

/** Python 3.7+ `re.escape`: conda writes merged build patterns with it, so merged strings match conda's. */
function pyReEscape(s: string): string {
  return s.replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, "\\$&");
}

/**
 * A string field matcher: exact (`py37_0`), glob (`py37*`, only `*` is special) or regex (`^py3.*$`),
 * optionally lower-casing (conda lower-cases package names; license fields compare case-insensitively).
 */
export class StringMatcher {
  /** The value as conda keeps it (lower-cased for name and license fields). */
  readonly raw: string;
  readonly regex: RegExp | undefined;
  private readonly lowerOther: boolean;

  constructor(
    value: string,
    options: { glob?: boolean; lower?: boolean; lowerOther?: boolean; input?: string } = {},
  ) {
    const glob = options.glob ?? true;
    this.raw = options.lower ? value.toLowerCase() : value;
    this.lowerOther = options.lowerOther ?? false;
    const v = this.raw;
    if (glob && v.startsWith("^") && v.endsWith("$")) {
      this.regex = compilePythonRegex(v, options.input ?? v, "MatchSpec");
    } else if (glob && v.includes("*")) {
      this.regex = new RegExp(`^(?:${v.split("*").map(escapeRegex).join(".*")})$`);
    }
  }

  matches(value: string | undefined): boolean {
    if (value === undefined) return false;
    const other = this.lowerOther ? value.toLowerCase() : value;
    return this.regex === undefined ? this.raw === other : this.regex.test(other);
  }

  /** The value when it is an exact string (conda's `exact_value`). */
  get exactValue(): string | undefined {
    return this.regex === undefined ? this.raw : undefined;
  }

  get matchesAll(): boolean {
    return this.raw === "*";
  }

  toString(): string {
    return this.raw;
  }
}

const SUBDIRS = new Set<string>(KNOWN_SUBDIRS);
// conda's default channels under https://repo.anaconda.com: their canonical name is "defaults".
const DEFAULT_CHANNEL_NAMES = new Set(["pkgs/main", "pkgs/r", "pkgs/msys2"]);
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** A channel string split into its base (without token, subdir or file name), subdir and file name. */
export interface ChannelParts {
  base: string;
  subdir?: string;
  filename?: string;
}

/** Split `conda-forge/linux-64`, `https://host/t/<token>/chan/noarch/pkg-1-0.conda`, `*\/win-32`, … */
export function splitChannel(value: string): ChannelParts {
  let s = value.trim().replace(/\/+$/, "");
  let filename: string | undefined;
  const last = s.slice(s.lastIndexOf("/") + 1);
  if (splitArchiveExtension(last)[1] !== undefined) {
    filename = last;
    s = s.slice(0, s.length - last.length).replace(/\/+$/, "");
  }
  let subdir: string | undefined;
  const seg = s.slice(s.lastIndexOf("/") + 1);
  if (s.includes("/") && SUBDIRS.has(seg)) {
    subdir = seg;
    s = s.slice(0, s.length - seg.length - 1);
  }
  // Tokens (/t/<token>/) never belong to the channel's identity.
  s = s.replace(/\/t\/[^/]+(?=\/|$)/, "");
  return { base: s, subdir, filename };
}

/** conda's `Channel(x).name` for the common cases: a name as is, a URL under a known host as its path. */
export function channelName(base: string): string {
  if (!URL_SCHEME.test(base)) return base;
  const m = /^https?:\/\/(conda\.anaconda\.org|repo\.anaconda\.com|repo\.continuum\.io)\/(.+)$/i.exec(base);
  if (m) return m[2];
  return base;
}

/** conda's `Channel(x).canonical_name`: the name, or `defaults` for Anaconda's default channels. */
export function canonicalChannelName(base: string): string {
  const name = channelName(base);
  return DEFAULT_CHANNEL_NAMES.has(name) ? "defaults" : name;
}

interface ChannelInfo {
  name: string;
  canonical: string;
  subdir: string | undefined;
}
const channelInfoCache = new Map<string, ChannelInfo>();

/**
 * Name, canonical name and subdir of a channel string as conda's `Channel(value)` gives them (via
 * taipan's Channel with the default configuration); strings Channel rejects, such as `*\/linux-64`,
 * fall back to a plain split.
 */
export function channelInfo(value: string): ChannelInfo {
  const hit = channelInfoCache.get(value);
  if (hit !== undefined) return hit;
  let info: ChannelInfo;
  try {
    const c = Channel.parse(value);
    info = { name: c.name, canonical: c.canonicalName, subdir: c.subdir };
  } catch {
    const p = splitChannel(value);
    info = { name: channelName(p.base), canonical: canonicalChannelName(p.base), subdir: p.subdir };
  }
  if (channelInfoCache.size >= 10_000) channelInfoCache.clear();
  channelInfoCache.set(value, info);
  return info;
}

/**
 * conda's ChannelMatch: an exact channel matches a record whose channel has that name or canonical
 * name (so `defaults` matches `pkgs/main`, but not the reverse); globs and regexes see the canonical name.
 */
export class ChannelMatcher {
  readonly raw: string;
  readonly regex: RegExp | undefined;

  constructor(value: string, input?: string) {
    if (value.startsWith("^") && value.endsWith("$")) {
      this.raw = value;
      this.regex = compilePythonRegex(value, input ?? value, "MatchSpec");
    } else if (value.includes("*")) {
      this.raw = value;
      // conda does not escape channel globs; '.' in a channel glob is a regex wildcard there too.
      this.regex = compilePythonRegex(`^(?:${value.replaceAll("*", ".*")})$`, input ?? value, "MatchSpec");
    } else {
      this.raw = channelInfo(value).name;
    }
  }

  matches(recordChannel: string | undefined): boolean {
    if (this.regex !== undefined) {
      return this.regex.test(
        recordChannel === undefined ? "<unknown>" : channelInfo(recordChannel).canonical,
      );
    }
    if (recordChannel === undefined) return false;
    const info = channelInfo(recordChannel);
    return this.raw === info.name || this.raw === info.canonical;
  }

  get exactValue(): string | undefined {
    return this.regex === undefined ? this.raw : undefined;
  }

  get matchesAll(): boolean {
    return this.raw === "*";
  }

  toString(): string {
    return this.raw;
  }
}

/** conda's FeatureMatch: the set of features (space or comma separated) must equal the record's. */
function featureSet(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const items = typeof value === "string" ? value.replaceAll(" ", ",").split(",") : value;
  return [...new Set(items.map((f) => f.trim()).filter((f) => f !== ""))].sort();
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Parsing (conda's _parse_spec_str)

/** The fields a MatchSpec can constrain, in the order conda prints bracket keys. */
export const MATCH_SPEC_FIELDS = [
  "channel",
  "subdir",
  "name",
  "version",
  "build",
  "build_number",
  "track_features",
  "features",
  "url",
  "md5",
  "sha256",
  "license",
  "license_family",
  "fn",
  "when",
  "extras",
  "flags",
] as const;
export type MatchSpecField = (typeof MATCH_SPEC_FIELDS)[number];
const FIELD_SET = new Set<string>(MATCH_SPEC_FIELDS);

/** Field values as written (conda's keyword arguments to MatchSpec). */
export type MatchSpecFields = Partial<Record<MatchSpecField, string | number | readonly string[]>>;

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Python's `str.rsplit(sep, maxsplit)`. */
function rsplit(s: string, sep: string, max: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (out.length < max) {
    const i = rest.lastIndexOf(sep);
    if (i < 0) break;
    out.unshift(rest.slice(i + sep.length));
    rest = rest.slice(0, i);
  }
  out.unshift(rest);
  return out;
}

/** `name-version-build` of an archive file name (conda's _parse_legacy_dist). */
function parseDistName(input: string, filename: string): [string, string, string] {
  const parts = rsplit(splitArchiveExtension(filename)[0], "-", 2);
  if (parts.length !== 3) fail(input, `'${filename}' is not a name-version-build package file name`);
  return parts as [string, string, string];
}

/** A spec that names a package archive by URL or path (step 2 of conda's parser). */
function parsePackageFile(input: string, spec: string): MatchSpecFields {
  let url = spec;
  if (!URL_SCHEME.test(spec)) {
    const expanded = spec.startsWith("~/") ? homedir() + spec.slice(1) : spec;
    url = `file://${resolvePath(expanded)}`;
  }
  const parts = splitChannel(url);
  const filename = safeDecode(parts.filename ?? url.slice(url.lastIndexOf("/") + 1));
  if (parts.subdir !== undefined) {
    const [name, version, build] = parseDistName(input, filename);
    return {
      channel: channelInfo(parts.base).canonical,
      subdir: parts.subdir,
      name,
      version,
      build,
      fn: filename,
      url,
    };
  }
  return { name: "*", fn: filename, url };
}

/**
 * conda's _sanitize_version_str: `=1.2` (no build) means `1.2*`; `==1.2` without a build is `1.2`;
 * `=1.2` / `==1.2` with a build is exactly `1.2`. Lone `=`/`==` are left for VersionSpec to reject.
 */
function sanitizeVersion(version: string, build: string | undefined): string {
  if (version === "==" || version === "=") return version;
  if (!version.startsWith("=")) return version;
  const bare = version.replace(/^=+/, "");
  if (version.startsWith("==") && build === undefined) return bare;
  if (!/[=,|]/.test(bare)) {
    if (build === undefined && !bare.endsWith("*")) return `${bare}*`;
    return bare;
  }
  return version;
}

// conda's _parse_version_plus_build regex: the build is the last space- or '='-separated word that
// does not follow an operator and holds no operator characters.
const VERSION_BUILD = /((?:.+?)[^><!,|]?)(?:(?<![=!|,<>~])(?:[ =])([^-=,|<>~]+?))?$/;
const NAME_REST = /^([^ =<>!~]+)?([><!=~ ].+)?/;

function parseVersionPlusBuild(s: string): [string, string | undefined] {
  const m = VERSION_BUILD.exec(s);
  if (m === null) return [s.replaceAll(" ", ""), undefined];
  const build = m[2] === undefined ? undefined : m[2].trim();
  return [m[1].replaceAll(" ", ""), build === "" ? undefined : build];
}

interface BracketValue {
  key: string;
  value: string | string[];
}

/**
 * The span of the bracket section: from the first '[' to the last ']' (as conda's V3 parser takes
 * it), so values may hold nested brackets and quotes (`[when="python[version='>=3']"]`).
 */
function findBrackets(input: string, s: string): [number, number] | undefined {
  const open = s.indexOf("[");
  const close = s.lastIndexOf("]");
  if (open < 0) {
    if (close >= 0) fail(input, "unbalanced brackets: ']' without '['");
    return undefined;
  }
  if (close < open) fail(input, "unbalanced brackets: '[' without a matching ']'");
  return [open, close];
}

/** The key=value pairs inside `[...]` (CEP 29): values bare, quoted, or `[a, b]` lists. */
function parseBracketBody(input: string, body: string): BracketValue[] {
  const out: BracketValue[] = [];
  const seen = new Set<string>();
  let i = 0;
  const n = body.length;
  while (i < n) {
    while (i < n && (body[i] === "," || body[i] === " ")) i++;
    if (i >= n) break;
    const keyMatch = /^[a-zA-Z0-9_-]+/.exec(body.slice(i));
    if (keyMatch === null) fail(input, `unexpected '${body.slice(i)}' in brackets`);
    const key = keyMatch[0];
    i += key.length;
    while (i < n && body[i] === " ") i++;
    if (i >= n || (body[i] !== "=" && !"<>!~".includes(body[i]))) {
      if (out.length === 0 && !body.includes("="))
        fail(
          input,
          `no key-value pairs found in square brackets; did you mean \`extras=[${body.replaceAll(" ", "")}]\`?`,
        );
      fail(input, `a key or a value is missing in brackets near '${key}'`);
    }
    // conda still accepts the deprecated `[version<2]`: the operator starts the value.
    if (body[i] === "=") {
      i++;
      while (i < n && body[i] === " ") i++;
    }
    let value: string | string[];
    const c = body[i];
    if (c === "'" || c === '"') {
      // A quoted value ends at the matching quote followed by a separator or the end.
      let j = i + 1;
      for (;;) {
        const k = body.indexOf(c, j);
        if (k < 0) fail(input, `unterminated quote in brackets after '${key}='`);
        if (k + 1 >= n || body[k + 1] === "," || body[k + 1] === " ") {
          value = body.slice(i + 1, k);
          i = k + 1;
          break;
        }
        j = k + 1;
      }
    } else if (c === "[") {
      const k = body.indexOf("]", i);
      if (k < 0 || body.lastIndexOf("[", k) !== i) fail(input, `unbalanced brackets in the list of '${key}'`);
      const items = body
        .slice(i + 1, k)
        .split(",")
        .map((x) => x.trim().replace(/^(['"])(.*)\1$/, "$2"));
      if (items.length > 0 && items[items.length - 1] === "") items.pop(); // trailing comma, as in YAML
      if (items.some((x) => x === "")) fail(input, `empty item in the list of '${key}'`);
      value = items;
      i = k + 1;
    } else {
      // A bare value runs to the next ',' or ' ' outside nested brackets and quotes.
      let j = i;
      let depth = 0;
      let quote = "";
      while (j < n) {
        const d = body[j];
        if (quote !== "") {
          if (d === quote) quote = "";
        } else if (d === "'" || d === '"') quote = d;
        else if (d === "[") depth++;
        else if (d === "]") {
          if (depth === 0) fail(input, "multiple bracket sections not allowed");
          depth--;
        } else if (depth === 0 && (d === "," || d === " ")) break;
        j++;
      }
      value = body.slice(i, j);
      i = j;
    }
    if (value.length === 0) fail(input, `a key or a value is missing in brackets ('${key}=')`);
    if (seen.has(key)) fail(input, `key '${key}' can only be specified once`);
    seen.add(key);
    if (i < n && body[i] !== "," && body[i] !== " ")
      fail(input, `unexpected '${body.slice(i)}' after '${key}' in brackets`);
    out.push({ key, value });
  }
  if (out.length === 0) fail(input, "no key-value pairs found in square brackets");
  return out;
}

/** `[channel, subdir]` of a channel string (conda's _parse_channel). */
function parseChannel(value: string | undefined): [string | undefined, string | undefined] {
  if (!value) return [undefined, undefined];
  const info = channelInfo(value);
  return [info.name, info.subdir];
}

/** Side output of the parser: the channel text as the user wrote it, for Channel resolution. */
interface ParseExtras {
  channelSource?: string;
}

// The shapes most dependency strings take: `name` and `name VERSION` with one blank, where VERSION
// holds no blank, bracket, parenthesis, colon, quote, '#', '@', regex ('^', '$') or build. For
// them the general parser below yields exactly { name } / { name, version: VERSION }.
const PLAIN_NAME = /^[A-Za-z0-9_.-]+$/;
const PLAIN_NAME_VERSION = /^([A-Za-z0-9_.-]+) ([0-9A-Za-z_.*+!<>=~,|]+)$/;

/**
 * The fields of a spec in one of the plain shapes above (`name`, `name VERSION`), or undefined
 * for anything else. `MatchSpec.parse` of such a string has exactly these fields; callers that
 * match many specs (the solver) use this to skip building the full object.
 */
export function plainSpecFields(input: string): { name: string; version?: string } | undefined {
  const f = parsePlainSpec(input);
  return f === undefined ? undefined : (f as { name: string; version?: string });
}

function parsePlainSpec(input: string): MatchSpecFields | undefined {
  if (PLAIN_NAME.test(input)) {
    // `pkg-1.0-0.conda` is a package file, not a name
    if (splitArchiveExtension(input)[1] !== undefined) return undefined;
    return { name: input };
  }
  const m = PLAIN_NAME_VERSION.exec(input);
  if (m === null) return undefined;
  const version = m[2];
  // A leading '=' is rewritten by sanitizeVersion; an '=' after anything but an operator
  // character can start a build ('1.2=py_0'), and '-' a dist string: both take the general path.
  if (version.charCodeAt(0) === 61 || splitArchiveExtension(version)[1] !== undefined) return undefined;
  for (let i = version.indexOf("="); i >= 0; i = version.indexOf("=", i + 1)) {
    const prev = version.charCodeAt(i - 1);
    // < > ! ~ =
    if (prev !== 60 && prev !== 62 && prev !== 33 && prev !== 126 && prev !== 61) return undefined;
  }
  return { name: m[1], version };
}

function parseSpecString(input: string, extras: ParseExtras): MatchSpecFields {
  const plain = parsePlainSpec(input);
  if (plain !== undefined) return plain;
  let spec = input;
  // Legacy "feature@" means "anything that tracks this feature".
  if (spec.endsWith("@")) return { name: "*", track_features: spec.slice(0, -1) };
  const hash = spec.indexOf("#");
  if (hash >= 0) spec = spec.slice(0, hash);
  // conda used to drop "pkg if cond" silently; it no longer does (conditions go in [when=...]).
  if (spec.includes(" if ")) fail(input, "conditional 'if' specs are not supported; use [when=...] instead");
  if (splitArchiveExtension(spec.trim())[1] !== undefined) {
    const fields = parsePackageFile(input, spec.trim());
    if (fields.channel !== undefined) extras.channelSource = splitChannel(String(fields.url)).base;
    return fields;
  }

  // Brackets: key=value pairs that override everything outside them (except the name).
  const brackets = new Map<string, string | string[]>();
  const span = findBrackets(input, spec);
  if (span !== undefined) {
    const [open, close] = span;
    const body = spec.slice(open + 1, close);
    spec = spec.slice(0, open) + spec.slice(close + 1);
    for (const { key, value } of parseBracketBody(input, body)) {
      if (!FIELD_SET.has(key)) fail(input, `cannot match on field(s): ${key}`);
      if (key === "version" && typeof value === "string")
        brackets.set(key, sanitizeVersion(value, undefined));
      else brackets.set(key, value);
    }
  }

  // Parentheses (target=..., optional) are accepted and ignored, as conda does.
  const paren = /^.*(\(.*\))/.exec(spec);
  if (paren) spec = spec.replaceAll(paren[1], "");

  // channel(/subdir)::(namespace:)name...
  const parts = rsplit(spec, ":", 2);
  let channelStr: string | undefined;
  if (parts.length === 3) {
    channelStr = parts[0];
    spec = parts[2];
  } else if (parts.length === 2) {
    spec = parts[1];
  } else {
    spec = parts[0];
  }
  let [channel, subdir] = parseChannel(channelStr);
  if (channel !== undefined) extras.channelSource = channelStr;
  const bChannel = brackets.get("channel");
  if (bChannel !== undefined) {
    brackets.delete("channel");
    const [bc, bs] = parseChannel(String(bChannel));
    if (bc) {
      channel = bc;
      extras.channelSource = String(bChannel);
    }
    if (bs) subdir = bs;
  }
  const bSubdir = brackets.get("subdir");
  if (bSubdir !== undefined) {
    brackets.delete("subdir");
    subdir = String(bSubdir);
  }

  const m = NAME_REST.exec(spec);
  const name = m?.[1];
  if (name === undefined) fail(input, `no package name found in '${spec}'`);
  const rest = m?.[2]?.trim();

  let version: string | undefined;
  let build: string | undefined;
  if (rest) {
    if (rest.includes("[")) fail(input, "multiple bracket sections not allowed");
    [version, build] = parseVersionPlusBuild(rest);
    version = sanitizeVersion(version, build);
  }

  const fields: MatchSpecFields = { name };
  if (channel !== undefined) fields.channel = channel;
  if (subdir !== undefined) fields.subdir = subdir;
  if (version !== undefined) fields.version = version;
  if (build !== undefined) fields.build = build;
  // The name inside brackets never overrides the one outside (conda warns and drops it), so that
  // `tensorflow[name=pytorch]` cannot install something else.
  brackets.delete("name");
  for (const [k, v] of brackets) fields[k as MatchSpecField] = v;
  return fields;
}

// ---------------------------------------------------------------------------------------------
// MatchSpec

type RecordTest = (r: PackageRecord) => boolean;

function asString(input: string, key: string, v: string | number | readonly string[]): string {
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  fail(input, `'${key}' takes a single value, not a list`);
}

function asList(v: string | number | readonly string[]): string[] {
  if (Array.isArray(v)) return [...v];
  return [String(v)];
}

/** Python repr of a list of strings, as conda prints extras/flags: `['a', 'b']`. */
function pyList(items: readonly string[]): string {
  return `[${[...items]
    .sort()
    .map((s) => `'${s}'`)
    .join(", ")}]`;
}

const cache = new Map<string, MatchSpec>();
const CACHE_LIMIT = 50_000;

/**
 * A conda MatchSpec (CEP 29; conda's `MatchSpec`): which package records a request or dependency
 * accepts. Parsed once; `matches` runs a precompiled list of field tests, name first.
 */
export class MatchSpec {
  /** The string this spec was parsed from (undefined when built from fields). */
  readonly source: string | undefined;
  /** The field values as parsed (conda's `_match_components` raw values). */
  readonly fields: Readonly<MatchSpecFields>;
  /**
   * The channel as written (`https://conda.anaconda.org/conda-forge/linux-64`, `conda-forge/label/dev`,
   * `*\/linux-64`), for resolving it against the user's channel configuration; `channel` holds the name.
   */
  readonly channelSource: string | undefined;

  private readonly nameMatcher: StringMatcher;
  readonly version: VersionSpec | undefined;
  readonly buildMatcher: StringMatcher | undefined;
  readonly buildNumber: BuildNumberSpec | undefined;
  readonly channelMatcher: ChannelMatcher | undefined;
  readonly subdir: string | undefined;
  readonly md5: string | undefined;
  readonly sha256: string | undefined;
  readonly url: string | undefined;
  readonly fn: string | undefined;
  private readonly licenseMatcher: StringMatcher | undefined;
  private readonly licenseFamilyMatcher: StringMatcher | undefined;
  readonly trackFeatures: readonly string[] | undefined;
  readonly features: readonly string[] | undefined;
  /** Repodata v3 conditional dependency (`[when=__win]`); kept and printed, not used by `matches`. */
  readonly when: string | undefined;
  /** Repodata v3 extras (`[extras=[a,b]]`); kept and printed, not used by `matches`. */
  readonly extras: readonly string[] | undefined;
  /** Repodata v3 flags (`[flags=[cpu]]`); kept and printed, not used by `matches`. */
  readonly flags: readonly string[] | undefined;
  private readonly tests: RecordTest[];
  private canonical: string | undefined;

  private constructor(fields: MatchSpecFields, source: string | undefined, channelSource?: string) {
    const input = source ?? JSON.stringify(fields);
    this.source = source;
    this.channelSource = channelSource ?? (typeof fields.channel === "string" ? fields.channel : undefined);
    const kept: MatchSpecFields = {};
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) continue;
      if (!FIELD_SET.has(k)) fail(input, `cannot match on field(s): ${k}`);
      kept[k as MatchSpecField] = v;
    }
    this.fields = Object.freeze(kept);
    const tests: RecordTest[] = [];
    const str = (k: MatchSpecField) => {
      const v = kept[k];
      return v === undefined ? undefined : asString(input, k, v);
    };

    this.nameMatcher = new StringMatcher(str("name") ?? "*", { lower: true, input });
    if (!this.nameMatcher.matchesAll) {
      const nm = this.nameMatcher;
      const exact = nm.exactValue;
      tests.push(exact !== undefined ? (r) => r.name === exact : (r) => nm.matches(r.name));
    }

    const version = kept.version;
    if (version !== undefined) {
      try {
        this.version = VersionSpec.parse(asString(input, "version", version));
      } catch (e) {
        if (e instanceof ParseError) fail(input, e.message);
        throw e;
      }
      const vs = this.version;
      if (!vs.matchesAll) {
        tests.push((r) => {
          let v: Version;
          try {
            v = r.parsedVersion;
          } catch {
            // An unparsable record version can still satisfy a regex or '@' spec.
            return vs.matches(r.version);
          }
          return vs.matches(v);
        });
      }
    }

    const build = str("build");
    if (build !== undefined) {
      const bm = new StringMatcher(build, { input });
      this.buildMatcher = bm;
      if (!bm.matchesAll) tests.push((r) => bm.matches(r.build));
    }

    const bn = kept.build_number;
    if (bn !== undefined) {
      try {
        this.buildNumber = BuildNumberSpec.parse(
          typeof bn === "number" ? bn : asString(input, "build_number", bn),
        );
      } catch (e) {
        if (e instanceof ParseError) fail(input, e.message);
        throw e;
      }
      const bns = this.buildNumber;
      tests.push((r) => bns.matches(r.build_number));
    }

    const channel = str("channel");
    if (channel !== undefined) {
      const cm = new ChannelMatcher(channel, input);
      this.channelMatcher = cm;
      if (!cm.matchesAll) tests.push((r) => cm.matches(r.channel));
    }

    // conda compares these as exact strings (no globs).
    const exact = (k: "subdir" | "md5" | "sha256" | "url" | "fn") => {
      const v = str(k);
      if (v !== undefined) tests.push((r) => r[k] === v);
      return v;
    };
    this.subdir = exact("subdir");
    this.md5 = exact("md5");
    this.sha256 = exact("sha256");
    this.url = exact("url");
    this.fn = exact("fn");

    const license = str("license");
    if (license !== undefined) {
      const lm = new StringMatcher(license, { lower: true, lowerOther: true, input });
      this.licenseMatcher = lm;
      tests.push((r) => lm.matches(r.license));
    }
    const family = str("license_family");
    if (family !== undefined) {
      const fm = new StringMatcher(family, { lower: true, lowerOther: true, input });
      this.licenseFamilyMatcher = fm;
      tests.push((r) => fm.matches(r.license_family));
    }

    for (const k of ["track_features", "features"] as const) {
      const v = kept[k];
      if (v === undefined) continue;
      const want = featureSet(typeof v === "number" ? String(v) : v);
      if (k === "track_features") this.trackFeatures = want;
      else this.features = want;
      tests.push((r) => sameSet(featureSet(r[k]), want));
    }

    const when = str("when");
    if (when !== undefined) {
      if (when.trim() === "") fail(input, "'when' needs a condition");
      if (/\[\s*when\s*=/.test(when)) fail(input, "nested 'when' conditions are not allowed");
      if (/\[/.test(when) && !/\[[^\]]*=[^\]]*\]/.test(when))
        fail(input, `malformed 'when' condition '${when}'`);
      if (/\[[^\]]*=\s*\]/.test(when)) fail(input, `malformed 'when' condition '${when}'`);
      this.when = when;
    }
    if (kept.extras !== undefined) this.extras = asList(kept.extras);
    if (kept.flags !== undefined) this.flags = asList(kept.flags);
    this.tests = tests;
  }

  /** Parse a MatchSpec string; throws `ParseError` (conda's InvalidMatchSpec) naming the input. */
  static parse(input: string): MatchSpec {
    const hit = cache.get(input);
    if (hit !== undefined) return hit;
    if (typeof input !== "string") fail(String(input), "not a string");
    const extras: ParseExtras = {};
    const spec = new MatchSpec(parseSpecString(input, extras), input, extras.channelSource);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(input, spec);
    return spec;
  }

  /** Build a spec from field values, as conda's `MatchSpec(name=..., version=..., ...)`. */
  static fromFields(fields: MatchSpecFields): MatchSpec {
    return new MatchSpec(fields, undefined);
  }

  /**
   * conda's `MatchSpec.from_dist_str`: `[channel[/subdir]::]name-version-build[.conda|.tar.bz2]`
   * as an exact spec (the form conda-meta and `@EXPLICIT` tooling use).
   */
  static fromDistString(dist: string): MatchSpec {
    let [s] = splitArchiveExtension(dist);
    const fields: MatchSpecFields = {};
    let channelSource: string | undefined;
    const sep = s.indexOf("::");
    if (sep >= 0) {
      const channelPart = s.slice(0, sep);
      s = s.slice(sep + 2);
      const slash = channelPart.lastIndexOf("/");
      const subdir = slash >= 0 ? channelPart.slice(slash + 1) : undefined;
      if (subdir !== undefined && SUBDIRS.has(subdir)) {
        fields.channel = channelPart.slice(0, slash);
        fields.subdir = subdir;
      } else fields.channel = channelPart;
      channelSource = channelPart;
    }
    const parts = rsplit(s, "-", 2);
    if (parts.length !== 3 || parts.some((p) => p === ""))
      fail(dist, "expected [channel[/subdir]::]name-version-build[.conda|.tar.bz2]");
    [fields.name, fields.version, fields.build] = parts;
    return new MatchSpec(fields, undefined, channelSource);
  }

  /** conda's `MatchSpec.name`: the exact package name, or `*` when the name is a pattern or absent. */
  get name(): string {
    return this.nameMatcher.exactValue ?? "*";
  }

  /** The name pattern as written (lower-cased), e.g. `py*`. */
  get namePattern(): string {
    return this.nameMatcher.raw;
  }

  /** The build string (pattern) as written. */
  get build(): string | undefined {
    return this.buildMatcher?.raw;
  }

  /** The channel name (`conda-forge`, `pkgs/main`, a URL for other hosts, or a pattern). */
  get channel(): string | undefined {
    return this.channelMatcher?.raw;
  }

  get license(): string | undefined {
    return this.licenseMatcher?.raw;
  }

  get licenseFamily(): string | undefined {
    return this.licenseFamilyMatcher?.raw;
  }

  /** True when only the name is constrained (conda's `is_name_only_spec`). */
  get isNameOnly(): boolean {
    const keys = Object.keys(this.fields);
    return keys.length === 1 && keys[0] === "name" && this.name !== "*";
  }

  /** Whether `record` satisfies every field of the spec. */
  matches(record: PackageRecord): boolean {
    const tests = this.tests;
    for (let i = 0; i < tests.length; i++) if (!tests[i](record)) return false;
    return true;
  }

  /** conda's canonical string (`str(MatchSpec)`), e.g. `conda-forge/linux-64::numpy==1.2=py_0[md5=...]`. */
  toString(): string {
    if (this.canonical === undefined) this.canonical = this.render();
    return this.canonical;
  }

  toJSON(): string {
    return this.toString();
  }

  /** conda's `conda_build_form()`: `name [version [build]]` separated by spaces (`*` for a missing version). */
  toCondaBuildForm(): string {
    const parts = [this.name];
    const version = this.version?.toString();
    if (this.build !== undefined) parts.push(version ?? "*", this.build);
    else if (version !== undefined) parts.push(version);
    return parts.join(" ");
  }

  /** conda's `conda_env_form()` (what `conda env export` writes): no channel, `name=version=build`. */
  toEnvExportForm(): string {
    let s = this.toString();
    const sep = s.indexOf("::");
    if (sep >= 0) s = s.slice(sep + 2);
    return s.replace("==", "=");
  }

  /** Same constraints (conda compares match components; the canonical string omits url next to a channel). */
  equals(other: MatchSpec): boolean {
    return this.toString() === other.toString() && this.url === other.url && this.fn === other.fn;
  }

  private render(): string {
    const builder: string[] = [];
    const brackets: string[] = [];
    const cm = this.channelMatcher;
    const channelExact = cm !== undefined && cm.exactValue !== undefined;
    if (cm !== undefined && channelExact) builder.push(cm.raw);
    else if (cm !== undefined && !cm.matchesAll) brackets.push(`channel=${cm.raw}`);
    if (this.subdir !== undefined) {
      if (channelExact) builder.push(`/${this.subdir}`);
      else brackets.push(`subdir=${this.subdir}`);
    }
    builder.push(builder.length > 0 ? `::${this.nameMatcher.raw}` : this.nameMatcher.raw);

    let versionExact = false;
    const build = this.buildMatcher?.raw;
    // conda >= 25 leaves a match-all version out (conda issue 14357).
    if (this.version !== undefined && !this.version.matchesAll) {
      const v = this.version.toString();
      if (/[><$^|,]/.test(v)) brackets.push(`version='${v}'`);
      else if (v.startsWith("!=") || v.startsWith("~=")) {
        if (build !== undefined) brackets.push(`version='${v}'`);
        else builder.push(v);
      } else if (v.endsWith(".*")) builder.push(`=${v.slice(0, -2)}`);
      else if (v.endsWith("*")) builder.push(`=${v.slice(0, -1)}`);
      else if (v.startsWith("==")) {
        builder.push(v);
        versionExact = true;
      } else {
        builder.push(`==${v}`);
        versionExact = true;
      }
    }
    if (build !== undefined) {
      if (/[><$^|,]/.test(build)) brackets.push(`build='${build}'`);
      else if (build.includes("*")) brackets.push(`build=${build}`);
      else if (versionExact) builder.push(`=${build}`);
      else brackets.push(`build=${build}`);
    }

    const f = this.fields;
    const skipFn = f.url !== undefined && f.fn !== undefined;
    for (const key of MATCH_SPEC_FIELDS) {
      if (key === "channel" || key === "subdir" || key === "name" || key === "version" || key === "build")
        continue;
      if (f[key] === undefined) continue;
      if (key === "fn" && skipFn) continue;
      if (key === "url" && cm !== undefined) continue;
      let value: string;
      switch (key) {
        case "build_number":
          value = String(this.buildNumber);
          break;
        case "track_features":
          value = (this.trackFeatures ?? []).join(" ");
          break;
        case "features":
          value = (this.features ?? []).join(" ");
          break;
        case "license":
          value = this.license ?? "";
          break;
        case "license_family":
          value = this.licenseFamily ?? "";
          break;
        case "extras":
          brackets.push(`extras=${pyList(this.extras ?? [])}`);
          continue;
        case "flags":
          brackets.push(`flags=${pyList(this.flags ?? [])}`);
          continue;
        default:
          value = String(f[key]);
      }
      if (/[, =]/.test(value)) brackets.push(`${key}='${value}'`);
      else brackets.push(`${key}=${value}`);
    }
    if (brackets.length > 0) builder.push(`[${brackets.join(",")}]`);
    return builder.join("");
  }

  /**
   * conda's `MatchSpec.merge`: specs are grouped by exact name and each group is combined into one
   * spec (versions and-ed, builds intersected, other fields required to agree); specs whose name is
   * a pattern are returned unmerged. Throws `IncompatibleSpecsError` when a group cannot be merged.
   */
  static merge(specs: readonly (MatchSpec | string)[]): MatchSpec[] {
    const parsed = specs.map((s) => (typeof s === "string" ? MatchSpec.parse(s) : s));
    parsed.sort((a, b) => (a.toString() < b.toString() ? -1 : a.toString() > b.toString() ? 1 : 0));
    const groups = new Map<string, MatchSpec[]>();
    const unmergeable: MatchSpec[] = [];
    for (const s of parsed) {
      if (s.name === "*") {
        unmergeable.push(s);
        continue;
      }
      const g = groups.get(s.name);
      if (g === undefined) groups.set(s.name, [s]);
      else g.push(s);
    }
    const merged: MatchSpec[] = [];
    for (const group of groups.values()) merged.push(group.reduce((a, b) => a.mergeWith(b)));
    return [...merged, ...unmergeable];
  }

  /** Combine two specs for the same package (conda's `MatchSpec._merge`). */
  mergeWith(other: MatchSpec): MatchSpec {
    const out: MatchSpecFields = {};
    const keys = new Set([...Object.keys(this.fields), ...Object.keys(other.fields)]) as Set<MatchSpecField>;
    for (const k of MATCH_SPEC_FIELDS) {
      if (!keys.has(k)) continue;
      const a = this.fields[k];
      const b = other.fields[k];
      if (a === undefined) out[k] = b;
      else if (b === undefined) out[k] = a;
      else out[k] = this.mergeField(other, k);
    }
    return new MatchSpec(out, undefined);
  }

  private mergeField(other: MatchSpec, k: MatchSpecField): string | readonly string[] {
    switch (k) {
      case "version": {
        const a = (this.version as VersionSpec).toString();
        const b = (other.version as VersionSpec).toString();
        return [a, b].sort().join(",");
      }
      case "name":
        return mergeGlob(this.nameMatcher, other.nameMatcher);
      case "build":
        return mergeGlob(this.buildMatcher as StringMatcher, other.buildMatcher as StringMatcher);
      case "license":
      case "license_family": {
        const a = k === "license" ? this.licenseMatcher : this.licenseFamilyMatcher;
        const b = k === "license" ? other.licenseMatcher : other.licenseFamilyMatcher;
        return mergeGlob(a as StringMatcher, b as StringMatcher);
      }
      case "channel":
        return mergeGlob(this.channelMatcher as ChannelMatcher, other.channelMatcher as ChannelMatcher);
      case "build_number": {
        const a = String(this.buildNumber);
        const b = String(other.buildNumber);
        if (a !== b) throw new IncompatibleSpecsError(a, b);
        return a;
      }
      case "track_features":
      case "features": {
        const a = (k === "track_features" ? this.trackFeatures : this.features) ?? [];
        const b = (k === "track_features" ? other.trackFeatures : other.features) ?? [];
        if (!sameSet(a, b)) throw new IncompatibleSpecsError(a.join(" "), b.join(" "));
        return a.join(" ");
      }
      default: {
        const a = this.fields[k] as string | readonly string[];
        const b = other.fields[k] as string | readonly string[];
        if (JSON.stringify(a) !== JSON.stringify(b)) throw new IncompatibleSpecsError(String(a), String(b));
        return a;
      }
    }
  }
}

/** conda's GlobStrMatch.merge: keep the stricter of two compatible patterns, else intersect them. */
function mergeGlob(x: StringMatcher | ChannelMatcher, y: StringMatcher | ChannelMatcher): string {
  let a = x;
  let b = y;
  if (a.raw === b.raw) return a.raw;
  if (a.regex === undefined && b.regex !== undefined) [a, b] = [b, a];
  const bs = b.raw;
  if (!bs.includes("*")) {
    if (a.regex?.test(bs)) return bs;
    throw new IncompatibleSpecsError(a.raw, bs);
  }
  const as = a.raw;
  const count = (s: string) => s.split("*").length - 1;
  if (
    count(as) === 1 &&
    count(bs) === 1 &&
    ((as[0] === "*" && bs[0] === "*") || (as.endsWith("*") && bs.endsWith("*")))
  ) {
    const sa = as.replace(/^\*+|\*+$/g, "");
    const sb = bs.replace(/^\*+|\*+$/g, "");
    if (sb.includes(sa)) return bs;
    if (sa.includes(sb)) return as;
    throw new IncompatibleSpecsError(as, bs);
  }
  const patterns = [as, bs].map((v) => {
    if (v.startsWith("^") && v.endsWith("$")) return v.slice(1, -1);
    if (v.includes("*")) return pyReEscape(v).replaceAll("\\*", ".*");
    return v;
  });
  return `^(?=${patterns[0]})(?:${patterns[1]})$`;
}
