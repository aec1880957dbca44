import { ParseError } from "./errors.js";
import { Version } from "./version.js";

/** Relational operators of a version spec leaf. `=` is conda's fuzzy "starts with" (`=1.2` ≈ `1.2.*`). */
export type VersionOperator = "==" | "!=" | "<" | "<=" | ">" | ">=" | "=" | "!=startswith" | "~=";

/** The parsed form of a version spec, for callers that want more than `matches` (e.g. the solver). */
export type VersionSpecNode =
  | { kind: "any" }
  | { kind: "and" | "or"; children: VersionSpecNode[] }
  | { kind: "operator"; op: VersionOperator; version: Version }
  | { kind: "regex"; pattern: RegExp }
  | { kind: "exact-string"; value: string };

/** A compiled matcher: `v` is the parsed candidate (undefined if it does not parse), `raw` its string. */
type Matcher = (v: Version | undefined, raw: string) => boolean;

const HINT =
  "Version specs look like 1.2.3, 1.2.*, >=1.2,<2, 1.2|1.4, ~=1.2.0, !=1.3.*, or a regex ^1\\.2\\..*$; operators take no space before the version.";

function fail(input: string, reason: string): never {
  throw new ParseError(input, "version spec", reason, HINT);
}

// conda: VSPEC_TOKENS. Each token may carry leading whitespace, stripped afterwards. A regex token
// runs from '^' to the first '$' and may contain '(', '|' and ','.
const TOKENS = /\s*\^[^$]*[$]|\s*[()|,]|[^()|,]+/g;
// conda: regex_split_re; a spec needs the expression parser when it contains any of these.
const NEEDS_TREE = /[()|,^$]/;
// conda: version_relation_re. No whitespace after the operator, and no second operator character.
const RELATION = /^(=|==|!=|<=|>=|<|>|~=)(?![=<>!~])(\S+)$/;
const OPERATOR_START = new Set(["=", "<", ">", "!", "~"]);

type Tree = string | { op: "|" | ","; items: Tree[] };

/**
 * conda's `treeify`: shunting-yard over the tokens of `(spec)`, ',' binding tighter than '|',
 * fusing nested groups of the same operator. Like conda, extra operands with no operator between
 * them are dropped (only the first output item is returned).
 */
function treeify(spec: string): Tree {
  const tokens = `(${spec})`.match(TOKENS) ?? [];
  const output: Tree[] = [];
  const stack: string[] = [];
  const applyOps = (stop: string) => {
    while (stack.length > 0 && !stop.includes(stack[stack.length - 1])) {
      if (output.length < 2) fail(spec, "cannot join single expression");
      const c = stack.pop() as "|" | ",";
      const r = output.pop() as Tree;
      const l = output.pop() as Tree;
      const items: Tree[] = [];
      for (const t of [l, r]) {
        if (typeof t !== "string" && t.op === c) items.push(...t.items);
        else items.push(t);
      }
      output.push({ op: c, items });
    }
  };
  for (const raw of tokens) {
    const item = raw.trim();
    if (item === "|") {
      applyOps("(");
      stack.push("|");
    } else if (item === ",") {
      applyOps("|(");
      stack.push(",");
    } else if (item === "(") {
      stack.push("(");
    } else if (item === ")") {
      applyOps("(");
      if (stack.length === 0 || stack[stack.length - 1] !== "(") fail(spec, "expression must start with '('");
      stack.pop();
    } else {
      output.push(item);
    }
  }
  if (stack.length > 0) fail(spec, `unable to convert to expression tree: unbalanced ${stack.join(" ")}`);
  if (output.length === 0) fail(spec, "unable to determine version from spec");
  return output[0];
}

/** Compile a regular expression written for Python's `re`, accepting its named-group spellings. */
export function compilePythonRegex(source: string, input: string, expected: string): RegExp {
  const js = source.replaceAll("(?P<", "(?<").replace(/\(\?P=(\w+)\)/g, "\\k<$1>");
  try {
    return new RegExp(js);
  } catch (e) {
    throw new ParseError(input, expected, `contains an invalid regular expression: ${(e as Error).message}`);
  }
}

function parseVersion(text: string, spec: string): Version {
  try {
    return Version.parse(text);
  } catch (e) {
    // The inner message already names the version: "invalid version '1..2': empty version component".
    throw new ParseError(spec, "version spec", (e as ParseError).message, HINT);
  }
}

function operatorMatcher(op: VersionOperator, ref: Version, spec: string): Matcher {
  switch (op) {
    case "==":
      return (v) => v !== undefined && v.compare(ref) === 0;
    case "!=":
      return (v) => v !== undefined && v.compare(ref) !== 0;
    case "<":
      return (v) => v !== undefined && v.compare(ref) < 0;
    case "<=":
      return (v) => v !== undefined && v.compare(ref) <= 0;
    case ">":
      return (v) => v !== undefined && v.compare(ref) > 0;
    case ">=":
      return (v) => v !== undefined && v.compare(ref) >= 0;
    case "=":
      return (v) => v?.startsWith(ref) === true;
    case "!=startswith":
      return (v) => v !== undefined && !v.startsWith(ref);
    case "~=": {
      // conda: x >= y and x.startswith(VersionOrder(".".join(str(y).split(".")[:-1]))), with str(y)
      // the normalised version. conda builds the prefix at match time and fails there when it is
      // empty ('~=1'); it is built once here, so that failure surfaces at parse time.
      const prefixText = ref.normalized.split(".").slice(0, -1).join(".");
      const prefix = parseVersion(prefixText, spec);
      return (v) => v !== undefined && v.compare(ref) >= 0 && v.startsWith(prefix);
    }
  }
}

interface Leaf {
  str: string;
  node: VersionSpecNode;
  match: Matcher;
  exact: boolean;
}

/** One operand without ',' '|' or parentheses: conda's VersionSpec.get_matcher for a string. */
function parseLeaf(text: string): Leaf {
  let str = text.trim();
  if (str === "") fail(text, "empty version spec");
  if (str[0] === "^" || str[str.length - 1] === "$") {
    if (str[0] !== "^" || str[str.length - 1] !== "$")
      fail(str, "regex specs must start with '^' and end with '$'");
    const re = compilePythonRegex(str, str, "version spec");
    return { str, node: { kind: "regex", pattern: re }, match: (_v, raw) => re.test(raw), exact: false };
  }
  if (OPERATOR_START.has(str[0])) {
    const m = RELATION.exec(str);
    if (m === null) fail(str, "invalid operator");
    let op = m[1] as VersionOperator;
    let vo = m[2];
    if (vo.endsWith(".*")) {
      if (op === "=" || op === ">=") vo = vo.slice(0, -2);
      else if (op === "!=") {
        vo = vo.slice(0, -2);
        op = "!=startswith";
      } else if (op === "~=") fail(str, "invalid operator with '.*'");
      // conda warns that '.*' after ==, <, <=, > is superfluous and ignores it.
      else vo = vo.slice(0, -2);
    }
    const version = parseVersion(vo, str);
    return {
      str,
      node: { kind: "operator", op, version },
      match: operatorMatcher(op, version, str),
      exact: op === "==",
    };
  }
  if (str === "*") return { str, node: { kind: "any" }, match: () => true, exact: false };
  if (str.replace(/\*+$/, "").includes("*")) {
    // A '*' inside the version: conda turns the spec into a regex over the raw version string,
    // escaping only '.' and '+'.
    const rx = str.replaceAll(".", "\\.").replaceAll("+", "\\+").replaceAll("*", ".*");
    const re = compilePythonRegex(`^(?:${rx})$`, str, "version spec");
    return { str, node: { kind: "regex", pattern: re }, match: (_v, raw) => re.test(raw), exact: false };
  }
  if (str.endsWith("*")) {
    // '1.2*' is printed as '1.2.*'; both mean "starts with 1.2" (component-wise, so not 1.20).
    if (!str.endsWith(".*")) str = `${str.slice(0, -1)}.*`;
    const vo = str.replace(/\*+$/, "").replace(/\.+$/, "");
    const version = parseVersion(vo, str);
    return {
      str,
      node: { kind: "operator", op: "=", version },
      match: operatorMatcher("=", version, str),
      exact: false,
    };
  }
  if (!str.includes("@")) {
    // A bare version is an exact (==) match in a VersionSpec. (MatchSpec turns `name=1.2` into 1.2*.)
    const version = parseVersion(str, str);
    return {
      str,
      node: { kind: "operator", op: "==", version },
      match: operatorMatcher("==", version, str),
      exact: true,
    };
  }
  const value = str;
  return { str, node: { kind: "exact-string", value }, match: (_v, raw) => raw === value, exact: true };
}

function build(tree: Tree): Leaf {
  if (typeof tree === "string") {
    // conda re-runs the whole parse on each operand; an operand holding '^'/'$' goes through treeify again.
    if (NEEDS_TREE.test(tree)) {
      const again = treeify(tree);
      if (typeof again !== "string" || again !== tree) return build(again);
    }
    return parseLeaf(tree);
  }
  const parts = tree.items.map(build);
  const matchers = parts.map((p) => p.match);
  const n = matchers.length;
  let match: Matcher;
  if (tree.op === "|") {
    match = (v, raw) => {
      for (let i = 0; i < n; i++) if (matchers[i](v, raw)) return true;
      return false;
    };
  } else if (n === 2) {
    const [a, b] = matchers;
    match = (v, raw) => a(v, raw) && b(v, raw);
  } else {
    match = (v, raw) => {
      for (let i = 0; i < n; i++) if (!matchers[i](v, raw)) return false;
      return true;
    };
  }
  // conda's untreeify over the operands' own strings: operands are joined as printed, so a
  // parenthesised group inside an and-group loses its parentheses ('(1.6|1.7),1.8' prints as
  // '1.6|1.7,1.8'), exactly as conda prints it.
  return {
    str: parts.map((p) => p.str).join(tree.op),
    node: { kind: tree.op === "|" ? "or" : "and", children: parts.map((p) => p.node) },
    match,
    exact: false,
  };
}

const cache = new Map<string, VersionSpec>();
const CACHE_LIMIT = 50_000;

/**
 * A conda version spec (conda's `VersionSpec`): `1.2.3` (exact), `1.2.*`/`1.2*`, `=1.2` (fuzzy),
 * `==` `!=` `<` `<=` `>` `>=` `~=`, `,` (and) binding tighter than `|` (or), parentheses, regexes
 * `^...$`, and `*`. Compiled once into a closure tree so `matches` does no parsing.
 */
export class VersionSpec {
  /** The spec as given. */
  readonly source: string;
  /** The parsed form. */
  readonly tree: VersionSpecNode;
  /** True for a single `==` / bare-version / exact-string spec (conda's `is_exact()`). */
  readonly isExact: boolean;
  private readonly canonical: string;
  private readonly matcher: Matcher;

  private constructor(source: string, leaf: Leaf) {
    this.source = source;
    this.tree = leaf.node;
    this.isExact = leaf.exact;
    this.canonical = leaf.str;
    this.matcher = leaf.match;
  }

  /** Parse a version spec; throws `ParseError` naming the input on bad syntax or a bad version. */
  static parse(input: string): VersionSpec {
    const hit = cache.get(input);
    if (hit !== undefined) return hit;
    if (typeof input !== "string") fail(String(input), "not a string");
    const leaf = NEEDS_TREE.test(input) ? build(treeify(input)) : parseLeaf(input);
    const spec = new VersionSpec(input, leaf);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(input, spec);
    return spec;
  }

  /** The spec matching every version. */
  static readonly ANY: VersionSpec = VersionSpec.parse("*");

  /**
   * Whether `version` satisfies the spec. Regex and `@` specs look at the version string as written
   * (as conda does); a string that is not a valid version matches only those.
   */
  matches(version: Version | string): boolean {
    if (typeof version === "string") return this.matcher(Version.tryParse(version), version);
    return this.matcher(version, version.source);
  }

  /** True for `*`. */
  get matchesAll(): boolean {
    return this.tree.kind === "any";
  }

  /** The exact version string when `isExact` (conda's `exact_value`). */
  get exactValue(): string | undefined {
    return this.isExact ? this.canonical : undefined;
  }

  /** conda's canonical string (`str(VersionSpec)`): `1.2*` prints as `1.2.*`, groups as conda prints them. */
  toString(): string {
    return this.canonical;
  }

  toJSON(): string {
    return this.canonical;
  }

  equals(other: VersionSpec): boolean {
    return this.canonical === other.canonical;
  }

  /** conda's `VersionSpec.merge`: the and-combination of both, operands sorted. */
  merge(other: VersionSpec): VersionSpec {
    return VersionSpec.parse([this.canonical, other.canonical].sort().join(","));
  }

  /** conda's `VersionSpec.union` (display only in conda): the or-combination of both, sorted. */
  union(other: VersionSpec): VersionSpec {
    return VersionSpec.parse([...new Set([this.canonical, other.canonical])].sort().join("|"));
  }
}

const INT = /^\s*[+-]?\d+(?:_\d+)*\s*$/;

/**
 * conda's `BuildNumberMatch` for `build_number` in a MatchSpec: an integer (exact), `*`, an operator
 * expression compared as versions (`>=2`, `!=0`, `=1`), a regex `^...$` over the decimal string, or
 * anything else as a literal that never equals a number.
 */
export class BuildNumberSpec {
  readonly source: string;
  private readonly canonical: string;
  /** The number when the spec is an exact integer. */
  readonly exactValue: number | undefined;
  private readonly test: (n: number) => boolean;

  private constructor(
    source: string,
    canonical: string,
    exact: number | undefined,
    test: (n: number) => boolean,
  ) {
    this.source = source;
    this.canonical = canonical;
    this.exactValue = exact;
    this.test = test;
  }

  static parse(input: string | number): BuildNumberSpec {
    if (typeof input === "number") {
      if (!Number.isInteger(input)) fail(String(input), "build number must be an integer");
      return new BuildNumberSpec(String(input), String(input), input, (n) => n === input);
    }
    if (INT.test(input)) {
      const n = Number.parseInt(input.replaceAll("_", "").trim(), 10);
      return new BuildNumberSpec(input, String(n), n, (x) => x === n);
    }
    const str = input.trim();
    if (str === "") throw new ParseError(input, "build number spec", "empty build number");
    if (str === "*") return new BuildNumberSpec(input, str, undefined, () => true);
    if (str[0] === "=" || str[0] === "<" || str[0] === ">" || str[0] === "!") {
      const m = RELATION.exec(str);
      if (m === null) throw new ParseError(input, "build number spec", "invalid operator");
      const op = m[1] as VersionOperator;
      if (op === "~=") throw new ParseError(input, "build number spec", "invalid operator: ~=");
      const ref = parseVersion(m[2], str);
      const match = operatorMatcher(op, ref, str);
      return new BuildNumberSpec(input, str, undefined, (n) => match(Version.tryParse(String(n)), String(n)));
    }
    if (str[0] === "^" || str[str.length - 1] === "$") {
      if (str[0] !== "^" || str[str.length - 1] !== "$")
        throw new ParseError(input, "build number spec", "regex specs must start with '^' and end with '$'");
      const re = compilePythonRegex(str, input, "build number spec");
      return new BuildNumberSpec(input, str, undefined, (n) => re.test(String(n)));
    }
    // conda compares the string to the record's integer: never equal.
    return new BuildNumberSpec(input, str, undefined, () => false);
  }

  matches(buildNumber: number): boolean {
    return this.test(buildNumber);
  }

  toString(): string {
    return this.canonical;
  }

  toJSON(): string {
    return this.canonical;
  }
}
