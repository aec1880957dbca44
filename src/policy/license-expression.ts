/**
 * conda records carry free-form `license` text ("BSD 3-Clause", "GPL (>= 2) | file LICENSE",
 * "Apache 2.0 or BSD 3-Clause, PSF 2", "LGPLv2+ and (LGPLv2+ or MPLv1.1)"): CRAN, Fedora and PyPI
 * spellings as much as SPDX. This module reads them into an SPDX-like expression tree whose
 * leaves are SPDX ids where the spelling is recognised, and the cleaned original text otherwise.
 */

export type LicenseExpr =
  | { kind: "license"; id: string; spdx: boolean; exception?: string }
  | { kind: "and" | "or"; items: LicenseExpr[] }
  | { kind: "unknown"; text: string };

// SPDX ids taipan emits, keyed by lower case (also accepts them spelled as in SPDX, any case).
const SPDX_IDS = [
  "MIT",
  "Apache-1.0",
  "Apache-1.1",
  "Apache-2.0",
  "BSD-2-Clause",
  "BSD-3-Clause",
  "BSD-4-Clause",
  "0BSD",
  "ISC",
  "Zlib",
  "PSF-2.0",
  "Python-2.0",
  "MPL-1.0",
  "MPL-1.1",
  "MPL-2.0",
  "GPL-1.0-only",
  "GPL-1.0-or-later",
  "GPL-2.0-only",
  "GPL-2.0-or-later",
  "GPL-3.0-only",
  "GPL-3.0-or-later",
  "LGPL-2.0-only",
  "LGPL-2.0-or-later",
  "LGPL-2.1-only",
  "LGPL-2.1-or-later",
  "LGPL-3.0-only",
  "LGPL-3.0-or-later",
  "AGPL-3.0-only",
  "AGPL-3.0-or-later",
  "BSL-1.0",
  "CC0-1.0",
  "CC-BY-4.0",
  "Unlicense",
  "EPL-1.0",
  "EPL-2.0",
  "OFL-1.1",
  "Artistic-1.0-Perl",
  "Artistic-2.0",
  "OpenSSL",
  "PostgreSQL",
  "ZPL-2.1",
  "Sleepycat",
  "HPND",
  "IJG",
  "libtiff",
  "bzip2-1.0.6",
  "LPL-1.02",
  "NCSA",
  "curl",
  "TCL",
  "wxWindows",
  "X11",
  "Ruby",
  "W3C",
  "FTL",
  "Unicode-DFS-2016",
  "BSD-3-Clause-LBNL",
  "WTFPL",
];
const SPDX_BY_LOWER = new Map(SPDX_IDS.map((id) => [id.toLowerCase(), id]));

/** Fixed spellings seen in real repodata (lower-cased, "license"/"licence" words removed). */
const ALIASES: Record<string, string> = {
  mit: "MIT",
  "mit/x derivate": "MIT",
  "free software mit-like": "MIT",
  expat: "MIT",
  isc: "ISC",
  zlib: "Zlib",
  "zlib/libpng": "Zlib",
  psf: "PSF-2.0",
  "psf 2": "PSF-2.0",
  "psf 2.0": "PSF-2.0",
  "psf 2.1.1": "PSF-2.0",
  "python software foundation": "PSF-2.0",
  python: "Python-2.0",
  cc0: "CC0-1.0",
  "cc0 1.0": "CC0-1.0",
  "bsl 1.0": "BSL-1.0",
  boost: "BSL-1.0",
  "boost software": "BSL-1.0",
  openssl: "OpenSSL",
  postgresql: "PostgreSQL",
  "zpl 2.1": "ZPL-2.1",
  "zope public": "ZPL-2.1",
  zpl: "ZPL-2.1",
  sleepycat: "Sleepycat",
  hpnd: "HPND",
  ijg: "IJG",
  libtiff: "libtiff",
  bzip2: "bzip2-1.0.6",
  "lucent public": "LPL-1.02",
  ncsa: "NCSA",
  "tcl/tk": "TCL",
  wxwidgets: "wxWindows",
  ruby: "Ruby",
  w3c: "W3C",
  ftl: "FTL",
  freetype: "FTL",
  ucd: "Unicode-DFS-2016",
  netbsd: "BSD-2-Clause",
  unlicense: "Unlicense",
  wtfpl: "WTFPL",
  ofl: "OFL-1.1",
  "sil open font version 1.1": "OFL-1.1",
  "sil open font": "OFL-1.1",
  "epl v1.0": "EPL-1.0",
  "epl 1.0": "EPL-1.0",
  "eclipse public 1.0": "EPL-1.0",
  artistic_2: "Artistic-2.0",
  "artistic 2.0": "Artistic-2.0",
  "perl artistic": "Artistic-1.0-Perl",
  artistic: "Artistic-1.0-Perl",
  "mpl 2.0": "MPL-2.0",
  mplv2: "MPL-2.0",
  "mplv2.0": "MPL-2.0",
  "mplv1.1": "MPL-1.1",
  "mplv1.0": "MPL-1.0",
  "mpl 1.1": "MPL-1.1",
  "mozilla public 2.0": "MPL-2.0",
  "asl 2.0": "Apache-2.0",
  "asl 1.1": "Apache-1.1",
  "public domain": "LicenseRef-Public-Domain",
  "public-domain": "LicenseRef-Public-Domain",
  "public domain dedictation": "LicenseRef-Public-Domain",
  "public domain dedication": "LicenseRef-Public-Domain",
  proprietary: "LicenseRef-Proprietary",
  commercial: "LicenseRef-Proprietary",
};

/** Dual licences written as one word (Perl 5 is "Artistic or GPL"). */
const COMPOUND: Record<string, string> = {
  perl: "Artistic-1.0-Perl OR GPL-1.0-or-later",
  perl_5: "Artistic-1.0-Perl OR GPL-1.0-or-later",
};

/** Texts that say nothing about the terms. */
const UNKNOWN = new Set([
  "",
  "unknown",
  "none",
  "other",
  "various",
  "open source",
  "file",
  "see file",
  "see",
  "not specified",
  "n/a",
  "na",
  "custom",
  "custom free software",
]);

function spdx(id: string): LicenseExpr {
  const known = SPDX_BY_LOWER.get(id.toLowerCase());
  return { kind: "license", id: known ?? id, spdx: known !== undefined };
}

/** GPL family spellings: GPL-2, GPLv2+, GPL 3.0, GPL2, GNU GPL 3+, LGPL version 2.1, AGPLv3 … */
function gplFamily(s: string): string | undefined {
  const t = s
    .replace(/^gnu (lesser|library) general public( license)?/, "lgpl")
    .replace(/^gnu affero general public( license)?/, "agpl")
    .replace(/^gnu general public( license)?/, "gpl")
    .replace(/^gnu /, "");
  const m = /^(a|l)?gpl(?:[\s_-]*(?:version|v)?[\s_-]*(\d(?:\.\d+)?))?\s*(\+|-or-later|-only)?$/.exec(t);
  if (!m) return undefined;
  const fam = `${(m[1] ?? "").toUpperCase()}GPL`;
  let v = m[2];
  const later = m[3] === "+" || m[3] === "-or-later";
  if (v === undefined) {
    // No version: "any version" (SPDX reads an unversioned GPL as GPL-1.0+).
    const base = fam === "AGPL" ? "3.0" : fam === "LGPL" ? "2.0" : "1.0";
    return `${fam}-${base}-or-later`;
  }
  if (!v.includes(".")) v = `${v}.0`;
  return `${fam}-${v}-${later ? "or-later" : "only"}`;
}

/** BSD spellings: BSD, New BSD, 3-clause BSD, BSD_3_clause, BSD 2-Clause, Simplified BSD … */
function bsdFamily(s: string): string | undefined {
  if (!/(^|[^a-z])bsd([^a-z]|$)/.test(s) || /like|style|-based/.test(s)) return undefined;
  const n = /([234])[\s_-]*clause|clause[\s_-]*([234])|bsd[\s_-]*([234])\b/.exec(s);
  const clauses = n ? (n[1] ?? n[2] ?? n[3]) : undefined;
  if (clauses) return `BSD-${clauses}-Clause`;
  if (/simplified|freebsd/.test(s)) return "BSD-2-Clause";
  if (/^(new |modified |revised )?bsd$/.test(s) || /^netbsd$/.test(s))
    return s === "netbsd" ? "BSD-2-Clause" : "BSD-3-Clause";
  return undefined;
}

function apacheFamily(s: string): string | undefined {
  const m = /^apache(?: software)?(?: version)?[\s-]*v?(\d(?:\.\d)?)?$/.exec(s);
  if (!m) return undefined;
  const v = m[1] ?? "2.0";
  return `Apache-${v.includes(".") ? v : `${v}.0`}`;
}

/** One licence name as written (no operators) to an expression leaf. */
export function normalizeLicenseTerm(text: string): LicenseExpr {
  const raw = text.trim();
  let s = raw
    .toLowerCase()
    .replace(/\s+/g, " ")
    .replace(/^the /, "")
    .replace(/\b(license|licence)\b/g, "")
    .replace(/\s+/g, " ")
    .trim();
  s = s.replace(/\s*\(\s*==\s*([\d.]+)\s*\)/, " $1").trim();
  if (UNKNOWN.has(s) || /^file licen[cs]e/.test(raw.toLowerCase())) return { kind: "unknown", text: raw };
  const known = SPDX_BY_LOWER.get(raw.toLowerCase());
  if (known) return spdx(known);
  // Deprecated SPDX forms: GPL-2.0, GPL-2.0+, LGPL-2.1+.
  const dep = /^((?:a|l)?gpl)-(\d\.\d)(\+)?$/.exec(s);
  if (dep) return spdx(`${dep[1].toUpperCase()}-${dep[2]}-${dep[3] ? "or-later" : "only"}`);
  const id = ALIASES[s] ?? gplFamily(s) ?? bsdFamily(s) ?? apacheFamily(s);
  if (id) return spdx(id);
  return { kind: "license", id: raw, spdx: false };
}

// ------------------------------------------------------------------------------------------
// Parsing

type Token = { op: "(" | ")" | "or" | "and" | "list" | "with" } | { word: string };

function preprocess(text: string): string {
  return (
    text
      // R: "GPL (>= 2)" is GPL 2 or later.
      .replace(/\(\s*>=\s*([\d.]+)\s*\)/g, "$1+")
      .replace(/\s+or\s+later\b/gi, "+")
      .replace(/\s*\+\s*file\s+licen[cs]e\b/gi, "")
      // "SIL Open Font License, Version 1.1": the comma is not a list separator.
      .replace(/,\s*(version\b)/gi, " $1")
      .replace(/\(\s*https?:[^)]*\)/gi, "")
  );
}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  const re = /\s*(\(|\)|\||,|;|&|[^\s()|,;&]+)/gy;
  let m: RegExpExecArray | null;
  let words: string[] = [];
  const flush = () => {
    if (words.length) out.push({ word: words.join(" ") });
    words = [];
  };
  while ((m = re.exec(text)) !== null) {
    const t = m[1];
    const lower = t.toLowerCase();
    if (t === "(" || t === ")") {
      flush();
      out.push({ op: t });
    } else if (t === "|" || lower === "or") {
      flush();
      out.push({ op: "or" });
    } else if (t === "&" || lower === "and") {
      flush();
      out.push({ op: "and" });
    } else if (t === "," || t === ";") {
      flush();
      out.push({ op: "list" });
    } else if (lower === "with") {
      flush();
      out.push({ op: "with" });
    } else words.push(t);
  }
  flush();
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peekOp(): string | undefined {
    const t = this.tokens[this.i];
    return t && "op" in t ? t.op : undefined;
  }

  private join(kind: "and" | "or", items: LicenseExpr[]): LicenseExpr {
    const flat: LicenseExpr[] = [];
    for (const x of items) {
      if (x.kind === kind) flat.push(...x.items);
      else flat.push(x);
    }
    return flat.length === 1 ? flat[0] : { kind, items: flat };
  }

  /** list := or (',' or)*  — a comma-separated list means all of them apply. */
  list(): LicenseExpr | undefined {
    const items: LicenseExpr[] = [];
    for (;;) {
      const x = this.or();
      if (x) items.push(x);
      if (this.peekOp() !== "list") break;
      this.i++;
    }
    return items.length ? this.join("and", items) : undefined;
  }

  private or(): LicenseExpr | undefined {
    const items: LicenseExpr[] = [];
    for (;;) {
      const x = this.and();
      if (x) items.push(x);
      if (this.peekOp() !== "or") break;
      this.i++;
    }
    return items.length ? this.join("or", items) : undefined;
  }

  private and(): LicenseExpr | undefined {
    const items: LicenseExpr[] = [];
    for (;;) {
      const x = this.with();
      if (x) items.push(x);
      if (this.peekOp() !== "and") break;
      this.i++;
    }
    return items.length ? this.join("and", items) : undefined;
  }

  private with(): LicenseExpr | undefined {
    const base = this.primary();
    if (this.peekOp() !== "with") return base;
    this.i++;
    const t = this.tokens[this.i];
    const exception = t && "word" in t ? t.word : undefined;
    if (exception !== undefined) this.i++;
    if (base?.kind !== "license" || exception === undefined) return base;
    return { ...base, exception };
  }

  private primary(): LicenseExpr | undefined {
    const t = this.tokens[this.i];
    if (!t) return undefined;
    if ("op" in t) {
      if (t.op !== "(") return undefined;
      this.i++;
      const inner = this.list();
      if (this.peekOp() === ")") this.i++;
      return inner;
    }
    this.i++;
    const leaf = COMPOUND[t.word.toLowerCase()];
    const x = leaf ? parseLicense(leaf) : normalizeLicenseTerm(t.word);
    // A parenthesis right after a name is a remark ("Modified BSD License (3-clause)",
    // "GNU General Public License v2+ (GPLv2+)"), not a group.
    if (this.peekOp() === "(") {
      const words: string[] = [];
      let depth = 0;
      do {
        const tok = this.tokens[this.i];
        if ("word" in tok) words.push(tok.word);
        else if (tok.op === "(") depth++;
        else if (tok.op === ")") depth--;
        this.i++;
      } while (depth > 0 && this.i < this.tokens.length);
      // An unrecognised name keeps its remark ("Free software (MIT-like)"): it is all we know.
      if (x.kind === "license" && !x.spdx && words.length)
        return { ...x, id: `${x.id} (${words.join(" ")})` };
    }
    return x;
  }
}

function simplify(x: LicenseExpr): LicenseExpr {
  if (x.kind !== "and" && x.kind !== "or") return x;
  const items = x.items.map(simplify);
  // "GPL-3 | file LICENSE": the unknown alternative adds nothing a policy can judge.
  const known = items.filter((i) => i.kind !== "unknown");
  if (known.length === 0)
    return { kind: "unknown", text: items.map(licenseToString).join(` ${x.kind.toUpperCase()} `) };
  const seen = new Set<string>();
  const uniq = known.filter((i) => {
    const k = licenseToString(i);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return uniq.length === 1 ? uniq[0] : { kind: x.kind, items: uniq };
}

/**
 * Reads a record's free-form licence text. Returns `{kind: "unknown"}` when it says nothing
 * usable (missing, "unknown", "file LICENSE"…).
 */
export function parseLicense(text: string | undefined | null): LicenseExpr {
  if (text === undefined || text === null || text.trim() === "") return { kind: "unknown", text: "" };
  const tree = new Parser(tokenize(preprocess(text))).list();
  return tree ? simplify(tree) : { kind: "unknown", text };
}

/** The expression in SPDX syntax (non-SPDX names as written). */
export function licenseToString(x: LicenseExpr): string {
  if (x.kind === "unknown") return x.text || "unknown";
  if (x.kind === "license") return x.exception ? `${x.id} WITH ${x.exception}` : x.id;
  const sep = x.kind === "and" ? " AND " : " OR ";
  return x.items
    .map((i) => (i.kind === "and" || i.kind === "or" ? `(${licenseToString(i)})` : licenseToString(i)))
    .join(sep);
}

/** True when every leaf is a known SPDX id (so the expression is valid SPDX). */
export function isSpdxExpression(x: LicenseExpr): boolean {
  if (x.kind === "unknown") return false;
  if (x.kind === "license")
    return x.spdx && (x.exception === undefined || /^[A-Za-z0-9.-]+$/.test(x.exception));
  return x.items.every(isSpdxExpression);
}
