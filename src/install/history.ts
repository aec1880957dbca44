import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PrefixStateError } from "./install-errors.js";

/** One `==> date <==` block of conda-meta/history (CEP 32 keeps conda's format). */
export interface HistoryEntry {
  /** As written: `2026-11-26 01:02:03`. */
  date: string;
  cmd?: string;
  condaVersion?: string;
  /** `+channel::dist` lines, without the `+`. */
  added: string[];
  /** `-channel::dist` lines, without the `-`. */
  removed: string[];
  /** Lines that are neither, from very old conda that wrote the whole state per block. */
  state: string[];
  updateSpecs: string[];
  removeSpecs: string[];
  neuteredSpecs: string[];
  /** Every `#` line, verbatim. */
  comments: string[];
}

/** A revision: the set of `channel::dist` strings installed after history block `rev`. */
export interface HistoryRevision {
  rev: number;
  date: string;
  packages: Set<string>;
  entry: HistoryEntry;
}

function historyPath(prefix: string): string {
  return join(prefix, "conda-meta", "history");
}

/** `['a', "b"]` as conda writes Python list reprs in `# update specs:` lines. */
export function parseSpecList(text: string): string[] {
  const t = text.trim();
  if (!t.startsWith("[")) return t ? [t] : [];
  const out: string[] = [];
  for (const m of t.matchAll(/'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g))
    out.push((m[1] ?? m[2]).replace(/\\(.)/g, "$1"));
  return out;
}

/** A Python list repr of strings, as `# update specs:` expects (`['numpy>=1.2', 'python=3.11']`). */
export function formatSpecList(specs: string[]): string {
  return `[${specs.map((s) => (s.includes("'") ? JSON.stringify(s) : `'${s}'`)).join(", ")}]`;
}

export function parseHistory(text: string): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    const head = /^==>\s*(.+?)\s*<==/.exec(line);
    if (head) {
      out.push({
        date: head[1],
        added: [],
        removed: [],
        state: [],
        updateSpecs: [],
        removeSpecs: [],
        neuteredSpecs: [],
        comments: [],
      });
      continue;
    }
    const cur = out[out.length - 1];
    if (!cur) continue; // text before the first header: conda ignores it too
    if (line.startsWith("#")) {
      cur.comments.push(line);
      const m = /^#\s*(cmd|conda version|update specs|remove specs|neutered specs):\s?(.*)$/.exec(line);
      if (m) {
        if (m[1] === "cmd") cur.cmd = m[2];
        else if (m[1] === "conda version") cur.condaVersion = m[2];
        else if (m[1] === "update specs") cur.updateSpecs.push(...parseSpecList(m[2]));
        else if (m[1] === "remove specs") cur.removeSpecs.push(...parseSpecList(m[2]));
        else cur.neuteredSpecs.push(...parseSpecList(m[2]));
      }
    } else if (line.startsWith("+")) cur.added.push(line.slice(1));
    else if (line.startsWith("-")) cur.removed.push(line.slice(1));
    else cur.state.push(line);
  }
  return out;
}

export function readHistory(prefix: string): HistoryEntry[] {
  const file = historyPath(prefix);
  if (!existsSync(file)) return [];
  return parseHistory(readFileSync(file, "utf8"));
}

/**
 * Replays history into revisions as conda's History.construct_states does: a block with +/- lines
 * is a diff of the previous state; a block without any (old conda) is the full state.
 */
export function historyRevisions(entries: HistoryEntry[]): HistoryRevision[] {
  let cur = new Set<string>();
  return entries.map((entry, rev) => {
    if (entry.added.length === 0 && entry.removed.length === 0) {
      if (entry.state.length > 0) cur = new Set(entry.state);
    } else {
      if (entry.state.length > 0) {
        throw new PrefixStateError(
          `conda-meta/history block '${entry.date}' mixes +/- lines with '${entry.state[0]}'`,
          "The history file is damaged; revisions before this block cannot be restored.",
        );
      }
      for (const d of entry.removed) cur.delete(d);
      for (const d of entry.added) cur.add(d);
    }
    return { rev, date: entry.date, packages: new Set(cur), entry };
  });
}

/** Local time as conda writes it (time.strftime("%Y-%m-%d %H:%M:%S")). */
export function historyTimestamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export interface HistoryChange {
  date?: string;
  cmd: string;
  /** The conda version line; taipan writes its own version for it, as mamba does. */
  version: string;
  /** `channel::name-version-build` strings. */
  removed: string[];
  added: string[];
  updateSpecs?: string[];
  removeSpecs?: string[];
  neuteredSpecs?: string[];
}

export function formatHistoryEntry(c: HistoryChange): string {
  const lines = [
    `==> ${c.date ?? historyTimestamp()} <==`,
    `# cmd: ${c.cmd}`,
    `# conda version: ${c.version}`,
  ];
  for (const d of [...c.removed].sort()) lines.push(`-${d}`);
  for (const d of [...c.added].sort()) lines.push(`+${d}`);
  // conda's write_specs order: remove, update, neutered
  if (c.removeSpecs?.length) lines.push(`# remove specs: ${formatSpecList(c.removeSpecs)}`);
  if (c.updateSpecs?.length) lines.push(`# update specs: ${formatSpecList(c.updateSpecs)}`);
  if (c.neuteredSpecs?.length) lines.push(`# neutered specs: ${formatSpecList(c.neuteredSpecs)}`);
  return `${lines.join("\n")}\n`;
}

/**
 * Appends one block. Idempotent for the same block text: a transaction that is rolled forward after
 * a crash between writing history and removing its journal must not record itself twice.
 */
export function appendHistory(prefix: string, change: HistoryChange): void {
  const file = historyPath(prefix);
  mkdirSync(join(prefix, "conda-meta"), { recursive: true });
  const block = formatHistoryEntry(change);
  if (existsSync(file)) {
    const text = readFileSync(file, "utf8");
    if (text.endsWith(block)) return;
  }
  appendFileSync(file, block);
}

/** `channel::name-version-build` as history lines name a package (conda's dist_str). */
export function historyDist(channel: string | undefined, distName: string): string {
  return `${channelName(channel)}::${distName}`;
}

/** The short channel name for URLs of well-known hosts: `https://conda.anaconda.org/conda-forge/linux-64` → `conda-forge`. */
function channelName(channel: string | undefined): string {
  if (!channel) return "<unknown>";
  const m = /^https?:\/\/conda\.anaconda\.org\/([^/]+)/.exec(channel);
  if (m) return m[1];
  if (/^https?:\/\/repo\.(anaconda\.com|continuum\.io)\/pkgs\//.test(channel)) return "defaults";
  return channel.replace(/\/(noarch|[a-z]+-[a-z0-9_]+)\/?$/, "");
}
