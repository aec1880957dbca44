import { ParseError } from "./errors.js";

/**
 * One sub-component of a parsed version, as conda's `VersionOrder` holds it:
 * - a number for a run of digits (a `bigint` when it has more than 15 significant digits, because
 *   conda compares Python ints of any size exactly),
 * - `Infinity` for the literal `post` (sorts above every number),
 * - `"DEV"` for the literal `dev` (upper case sorts before every other, lower-cased, string),
 * - any other run of letters (or `*`) as a lower-case string; strings sort below numbers.
 */
export type VersionPart = number | bigint | string;
/** A dot/underscore separated component, split into runs of digits and non-digits. */
export type VersionComponent = readonly VersionPart[];

// conda: version_check_re; what a normalised (lower-cased) version may contain.
const VALID = /^[*.+!_0-9a-z]+$/;
// conda: version_split_re; runs of digits, runs of '*', runs of anything else.
const SPLIT = /[0-9]+|\*+|[^0-9*]+/g;
const DIGITS = /^[0-9]+$/;
const EMPTY: VersionComponent = [];
const EMPTY_LIST: readonly VersionComponent[] = [];

function fail(input: string, reason: string): never {
  throw new ParseError(
    input,
    "version",
    reason,
    "A conda version is made of letters, digits, '.', '_' (or '-'), an optional 'N!' epoch and '+local' part, e.g. 1.2.3, 1!2.0, 1.0rc1+cuda.",
  );
}

function toNumber(digits: string): number | bigint {
  // Strip leading zeros first: "0000000000000000001" is 1 in conda, and must compare as such.
  let i = 0;
  while (i < digits.length - 1 && digits.charCodeAt(i) === 48) i++;
  const sig = i === 0 ? digits : digits.slice(i);
  return sig.length <= 15 ? Number(sig) : BigInt(sig);
}

function parseComponent(input: string, text: string): VersionComponent {
  const runs = text.match(SPLIT);
  if (runs === null) fail(input, "empty version component");
  const out: VersionPart[] = [];
  // conda keeps numbers and strings in phase: a component starting with a letter gets a leading 0,
  // so '1.1.a1' == '1.1.0a1'.
  const c0 = text.charCodeAt(0);
  if (!(c0 >= 48 && c0 <= 57)) out.push(0);
  for (const run of runs) {
    const c = run.charCodeAt(0);
    if (c >= 48 && c <= 57) out.push(toNumber(run));
    else if (run === "post") out.push(Number.POSITIVE_INFINITY);
    else if (run === "dev") out.push("DEV");
    else out.push(run);
  }
  return out;
}

/**
 * Compare two component lists with conda's fill rules: a missing component counts as `[]`, a
 * missing sub-component as the integer 0 (so `1.1 == 1.1.0`). Strings sort below numbers.
 */
export function compareComponents(
  t1: readonly VersionComponent[],
  t2: readonly VersionComponent[],
): -1 | 0 | 1 {
  const n = Math.max(t1.length, t2.length);
  for (let i = 0; i < n; i++) {
    const v1 = i < t1.length ? t1[i] : EMPTY;
    const v2 = i < t2.length ? t2[i] : EMPTY;
    const m = Math.max(v1.length, v2.length);
    for (let j = 0; j < m; j++) {
      const c1 = j < v1.length ? v1[j] : 0;
      const c2 = j < v2.length ? v2[j] : 0;
      if (c1 === c2) continue;
      if (typeof c1 === "string") {
        if (typeof c2 !== "string") return -1;
        return c1 < c2 ? -1 : 1;
      }
      if (typeof c2 === "string") return 1;
      return c1 < c2 ? -1 : 1;
    }
  }
  return 0;
}

function equalComponents(t1: readonly VersionComponent[], t2: readonly VersionComponent[]): boolean {
  return compareComponents(t1, t2) === 0;
}

function partKey(p: VersionPart): string {
  if (typeof p === "string") return `s${p}`;
  if (p === Number.POSITIVE_INFINITY) return "p";
  return `n${p}`;
}

/** A key equal for exactly the versions `compare` calls equal: trailing zeros are dropped. */
function canonicalKey(t: readonly VersionComponent[]): string {
  const comps: string[] = [];
  for (const c of t) {
    let end = c.length;
    while (end > 0 && c[end - 1] === 0) end--;
    comps.push(c.slice(0, end).map(partKey).join(","));
  }
  let end = comps.length;
  while (end > 0 && comps[end - 1] === "") end--;
  return comps.slice(0, end).join(".");
}

/** The flat numbers of a version whose every component is one number, else undefined. */
function simpleParts(components: readonly VersionComponent[]): Float64Array | undefined {
  const n = components.length;
  for (let i = 0; i < n; i++) {
    const c = components[i];
    if (c.length !== 1 || typeof c[0] !== "number") return undefined;
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = components[i][0] as number;
  return out;
}

/**
 * Fast path for the most common spelling, plain dotted numbers (`1.26.4`, `2024.1`): no epoch,
 * local part, letters or blanks, no empty component and no run of digits longer than 15 (those
 * may need a bigint). It yields exactly what the general parser would (epoch 0 first, leading
 * zeros dropped), without regular expressions or intermediate string arrays; anything else
 * returns undefined and takes the general path.
 */
function parsePlainNumeric(input: string): Version | undefined {
  const n = input.length;
  if (n === 0) return undefined;
  const components: VersionComponent[] = [ZERO];
  const simple: number[] = [0];
  let value = 0;
  let digits = 0;
  for (let i = 0; i < n; i++) {
    const c = input.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      // leading zeros do not count towards the 15 significant digits
      if (digits > 0 || c !== 48) digits++;
      value = value * 10 + (c - 48);
      if (digits > 15) return undefined;
      if (i === n - 1 || input.charCodeAt(i + 1) === 46) {
        components.push([value]);
        simple.push(value);
        value = 0;
        digits = 0;
      }
    } else if (c === 46) {
      // an empty component ('1..2', '.1', '1.') is an error the general parser reports
      if (i === 0 || i === n - 1 || input.charCodeAt(i - 1) === 46) return undefined;
    } else return undefined;
  }
  return Version.fromPlain(input, components, simple);
}

const ZERO: VersionComponent = [0];

/** Parse cache: record versions repeat a lot across a channel (conda caches them too). */
const cache = new Map<string, Version>();
const CACHE_LIMIT = 100_000;

/**
 * A conda version (CEP 33; conda's `VersionOrder`). Parsed once into arrays of numbers and strings so
 * that `compare` does no string work beyond comparing the string sub-components that differ.
 */
export class Version {
  /** The string as given. */
  readonly source: string;
  /** conda's `str(VersionOrder)`: stripped, lower-cased, dashes turned into underscores where conda does. */
  readonly normalized: string;
  /** The epoch followed by the components of the main version (conda's `VersionOrder.version`). */
  readonly components: readonly VersionComponent[];
  /** The components of the local version after '+', empty when there is none (conda's `.local`). */
  readonly local: readonly VersionComponent[];
  /**
   * Fast path for the common case (`1.26.4`, `2!3.0`): every component a single number and no local
   * part. Two such versions compare as flat arrays with zero fill, without the general loop.
   */
  private readonly simple: Float64Array | undefined;
  private key: string | undefined;

  private constructor(
    source: string,
    normalized: string,
    components: readonly VersionComponent[],
    local: readonly VersionComponent[],
    simple?: Float64Array,
  ) {
    this.source = source;
    this.normalized = normalized;
    this.components = components;
    this.local = local;
    this.key = undefined;
    this.simple = simple ?? (local.length === 0 ? simpleParts(components) : undefined);
  }

  /** @internal Builds a version already split by the plain-numeric fast path. */
  static fromPlain(input: string, components: VersionComponent[], simple: number[]): Version {
    return new Version(input, input, components, EMPTY_LIST, new Float64Array(simple));
  }

  /** Parse a version string; throws `ParseError` naming the input when conda would reject it. */
  static parse(input: string): Version {
    const hit = cache.get(input);
    if (hit !== undefined) return hit;
    const v = Version.parseUncached(input);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(input, v);
    return v;
  }

  /** Like `parse`, but returns `undefined` instead of throwing. */
  static tryParse(input: string): Version | undefined {
    try {
      return Version.parse(input);
    } catch {
      return undefined;
    }
  }

  private static parseUncached(input: string): Version {
    if (typeof input !== "string") fail(String(input), "not a string");
    const fast = parsePlainNumeric(input);
    if (fast !== undefined) return fast;
    let version = input.trim().toLowerCase();
    if (version === "") fail(input, "empty version string");
    let valid = VALID.test(version);
    // conda allows dashes as long as there are no underscores as well, by turning them into underscores.
    if (!valid && version.includes("-") && !version.includes("_")) {
      version = version.replaceAll("-", "_");
      valid = VALID.test(version);
    }
    if (!valid) fail(input, "invalid character(s)");
    const normalized = version;

    const bang = version.split("!");
    let epoch: string;
    if (bang.length === 1) epoch = "0";
    else if (bang.length === 2) {
      if (!DIGITS.test(bang[0])) fail(input, "epoch must be an integer");
      epoch = bang[0];
    } else fail(input, "duplicated epoch separator '!'");

    const plus = bang[bang.length - 1].split("+");
    let localText: string[];
    if (plus.length === 1) localText = [];
    else if (plus.length === 2) localText = plus[1].replaceAll("_", ".").split(".");
    else fail(input, "duplicated local version separator '+'");
    const main = plus[0];
    if (main === "") fail(input, "missing version before local version separator '+'");

    let mainText: string[];
    if (main.endsWith("_")) {
      // A trailing underscore stays attached to the last component: conda's openssl convention,
      // where '1.0.1_' sorts before '1.0.1a'.
      mainText = main.slice(0, -1).replaceAll("_", ".").split(".");
      mainText[mainText.length - 1] += "_";
    } else {
      mainText = main.replaceAll("_", ".").split(".");
    }

    const components: VersionComponent[] = [parseComponent(input, epoch)];
    for (const c of mainText) components.push(parseComponent(input, c));
    const local: VersionComponent[] = [];
    for (const c of localText) local.push(parseComponent(input, c));
    return new Version(input, normalized, components, local);
  }

  /** The epoch (0 when not given). */
  get epoch(): number | bigint {
    return this.components[0][0] as number | bigint;
  }

  /** Whether a local version ('+...') was given. */
  get hasLocal(): boolean {
    return this.local.length > 0;
  }

  /** -1, 0 or 1 as this version sorts before, equal to or after `other` (conda `VersionOrder` order). */
  compare(other: Version): -1 | 0 | 1 {
    if (this === other) return 0;
    const a = this.simple;
    const b = other.simple;
    if (a !== undefined && b !== undefined) {
      const n = Math.max(a.length, b.length);
      for (let i = 0; i < n; i++) {
        const x = i < a.length ? a[i] : 0;
        const y = i < b.length ? b[i] : 0;
        if (x !== y) return x < y ? -1 : 1;
      }
      return 0;
    }
    const c = compareComponents(this.components, other.components);
    if (c !== 0) return c;
    if (this.local.length === 0 && other.local.length === 0) return 0;
    return compareComponents(this.local, other.local);
  }

  /** Sort comparator: `versions.sort(Version.compare)`. */
  static compare(a: Version, b: Version): -1 | 0 | 1 {
    return a.compare(b);
  }

  equals(other: Version): boolean {
    return this.compare(other) === 0;
  }

  lessThan(other: Version): boolean {
    return this.compare(other) < 0;
  }

  /** A string equal for two versions exactly when `equals` is true (use as a Map key). */
  hashKey(): string {
    if (this.key === undefined) {
      const main = canonicalKey(this.components);
      const local = canonicalKey(this.local);
      this.key = local === "" ? main : `${main}+${local}`;
    }
    return this.key;
  }

  /**
   * conda's `VersionOrder.startswith`: all components of `prefix` but the last are equal, and the
   * last one matches as a prefix (numbers equal, a trailing string a string prefix). Used by
   * `1.2.*` and `=1.2`. With a local part in `prefix`, the main versions must be equal and the
   * test applies to the local parts.
   */
  startsWith(prefix: Version): boolean {
    let t1: readonly VersionComponent[];
    let t2: readonly VersionComponent[];
    if (prefix.local.length > 0) {
      if (!equalComponents(this.components, prefix.components)) return false;
      t1 = this.local;
      t2 = prefix.local;
    } else {
      t1 = this.components;
      t2 = prefix.components;
    }
    const nt = t2.length - 1;
    if (!equalComponents(t1.slice(0, nt), t2.slice(0, nt))) return false;
    const v1 = t1.length <= nt ? EMPTY : t1[nt];
    const v2 = t2[nt];
    const ns = v2.length - 1;
    if (!equalComponents([v1.slice(0, ns)], [v2.slice(0, ns)])) return false;
    const c1 = v1.length <= ns ? 0 : v1[ns];
    const c2 = v2[ns];
    if (typeof c2 === "string") return typeof c1 === "string" && c1.startsWith(c2);
    return c1 === c2;
  }

  /** The string as given (use `normalized` for conda's lower-cased form). */
  toString(): string {
    return this.source;
  }

  toJSON(): string {
    return this.source;
  }
}
