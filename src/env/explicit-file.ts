import { readFileSync } from "node:fs";
import { stripUrlCredentials } from "../conda/url-credentials.js";
import { ExplicitFileError } from "./errors.js";

/** conda's marker line (CEP 23): everything after it is one package URL per line. */
export const EXPLICIT_MARKER = "@EXPLICIT";

/** One package line of an `@EXPLICIT` file. */
export interface ExplicitEntry {
  /** The URL without its hash fragment. */
  url: string;
  /** The archive file name (`name-version-build.conda` or `.tar.bz2`). */
  fn: string;
  name: string;
  version: string;
  build: string;
  /** The URL of the directory holding the archive (the channel subdir). */
  subdirUrl: string;
  /** The subdir taken from the URL (`linux-64`, `noarch`), when the URL has one. */
  subdir: string | undefined;
  md5?: string;
  sha256?: string;
}

export interface ExplicitFile {
  /** From the `# platform: X` header conda writes. */
  platform: string | undefined;
  packages: ExplicitEntry[];
}

const ARCHIVE = /^(.+)-([^-]+)-([^-]+)(\.conda|\.tar\.bz2)$/;

/** Does this text look like an explicit file (has the marker line)? `create --file` needs to know. */
export function isExplicitText(text: string): boolean {
  return text.split(/\r?\n/).some((l) => l.trim() === EXPLICIT_MARKER);
}

/** Parses one package URL line; the hash fragment is 32 hex (md5), 64 hex or `sha256:`+64 hex. */
export function parseExplicitLine(line: string, file = "<explicit>", lineNumber = 0): ExplicitEntry {
  const hashAt = line.lastIndexOf("#");
  let url = line;
  let md5: string | undefined;
  let sha256: string | undefined;
  if (hashAt >= 0) {
    url = line.slice(0, hashAt);
    const fragment = line.slice(hashAt + 1).trim();
    const hex = fragment.replace(/^(sha256|md5)[:=]/i, "").toLowerCase();
    if (/^[0-9a-f]{32}$/.test(hex) && !/^sha256/i.test(fragment)) md5 = hex;
    else if (/^[0-9a-f]{64}$/.test(hex) && !/^md5/i.test(fragment)) sha256 = hex;
    else
      throw new ExplicitFileError(
        file,
        lineNumber,
        `'${fragment}' after '#' is neither an md5 (32 hex digits) nor a sha256 (64 hex digits)`,
      );
  }
  url = url.trim();
  const slash = Math.max(url.lastIndexOf("/"), url.lastIndexOf("\\"));
  const fn = url.slice(slash + 1);
  const m = ARCHIVE.exec(fn);
  if (!m || slash < 0) {
    throw new ExplicitFileError(
      file,
      lineNumber,
      `'${line}' is not a package URL ending in name-version-build.conda or .tar.bz2`,
    );
  }
  const subdirUrl = url.slice(0, slash);
  const lastSegment = subdirUrl.slice(Math.max(subdirUrl.lastIndexOf("/"), subdirUrl.lastIndexOf("\\")) + 1);
  const subdir = /^(noarch|[a-z0-9]+-[a-z0-9_]+)$/.test(lastSegment) ? lastSegment : undefined;
  const entry: ExplicitEntry = { url, fn, name: m[1]!, version: m[2]!, build: m[3]!, subdirUrl, subdir };
  if (md5) entry.md5 = md5;
  if (sha256) entry.sha256 = sha256;
  return entry;
}

/** Parses `@EXPLICIT` text: comments and blank lines are skipped; the marker is required. */
export function parseExplicitFile(text: string, file = "<explicit>"): ExplicitFile {
  const lines = text.split(/\r?\n/);
  let platform: string | undefined;
  let seenMarker = false;
  const packages: ExplicitEntry[] = [];
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") return;
    if (line.startsWith("#")) {
      const m = /^#\s*platform:\s*(\S+)/.exec(line);
      if (m) platform = m[1];
      return;
    }
    if (line === EXPLICIT_MARKER) {
      seenMarker = true;
      return;
    }
    if (!seenMarker) {
      throw new ExplicitFileError(
        file,
        i + 1,
        `'${line}' comes before the ${EXPLICIT_MARKER} line`,
        `An explicit file starts with a line reading ${EXPLICIT_MARKER}; a file of specs is read with 'taipan create --file' without it.`,
      );
    }
    packages.push(parseExplicitLine(line, file, i + 1));
  });
  if (!seenMarker) {
    throw new ExplicitFileError(
      file,
      1,
      `no ${EXPLICIT_MARKER} line`,
      `Add a line reading ${EXPLICIT_MARKER} before the URLs.`,
    );
  }
  return { platform, packages };
}

export function readExplicitFile(path: string): ExplicitFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new ExplicitFileError(
      path,
      0,
      `cannot be read (${(cause as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  return parseExplicitFile(text, path);
}

/** What `formatExplicitFile` needs of an installed record (a PackageRecord fits). */
export interface ExplicitRecord {
  fn?: string;
  url?: string;
  md5?: string;
  sha256?: string;
}

/**
 * Writes the file as `conda list --explicit [--md5|--sha256]` prints it: the export header with
 * the platform, the marker, then one URL per record in the order given (records without a URL
 * become a `# no URL for:` comment, as in conda).
 */
export function formatExplicitFile(
  records: readonly ExplicitRecord[],
  platform: string,
  options: { hash?: "md5" | "sha256" } = {},
): string {
  const lines = [
    "# This file may be used to create an environment using:",
    "# $ conda create --name <env> --file <this file>",
    `# platform: ${platform}`,
    EXPLICIT_MARKER,
  ];
  for (const r of records) {
    if (!r.url || r.url.startsWith("<unknown>")) {
      lines.push(`# no URL for: ${r.fn ?? "<unknown>"}`);
      continue;
    }
    const url = stripUrlCredentials(r.url);
    const hash = options.hash ? r[options.hash] : undefined;
    lines.push(hash ? `${url}#${hash}` : url);
  }
  return `${lines.join("\n")}\n`;
}
