import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { condaMetaDir, fsyncDir } from "./conda-meta.js";
import { PrefixStateError } from "./install-errors.js";

export const JOURNAL_FILE = ".taipan-transaction.json";
export const PROGRESS_FILE = ".taipan-transaction.progress";

/** An installed package a transaction removes: its conda-meta JSON verbatim, so it can be restored. */
export interface UnlinkStep {
  kind: "unlink";
  fileName: string;
  recordJson: Record<string, unknown>;
}

/** A package a transaction links, and every prefix path it will occupy (for rolling back without the package). */
export interface LinkStep {
  kind: "link";
  fileName: string;
  extractedDir: string;
  /** Repodata fields of the record, as `PackageRecord.toJson()` plus channel and url. */
  record: Record<string, unknown>;
  requestedSpec?: string;
  packageTarballFullPath?: string;
  targets: string[];
}

export type JournalStep = UnlinkStep | LinkStep;

/**
 * The plan of a transaction, written to conda-meta/ (and fsync'd) before the prefix is touched.
 * Progress goes to a separate append-only file, one line per finished step ("done 3"); a rollback
 * writes "rollback" and then "undone 3" lines. Both files are removed when the transaction ends.
 */
export interface Journal {
  version: 1;
  id: string;
  pid: number;
  created: string;
  prefix: string;
  linkMode: "hardlink" | "copy";
  allowScripts: boolean;
  history: {
    date: string;
    cmd: string;
    version: string;
    updateSpecs: string[];
    removeSpecs: string[];
  };
  steps: JournalStep[];
}

export interface JournalProgress {
  done: Set<number>;
  rollingBack: boolean;
  undone: Set<number>;
}

export function journalPath(prefix: string): string {
  return join(condaMetaDir(prefix), JOURNAL_FILE);
}

function progressPath(prefix: string): string {
  return join(condaMetaDir(prefix), PROGRESS_FILE);
}

/** Creates the journal; fails if one exists (another transaction is running, or one was interrupted). */
export function writeJournal(prefix: string, journal: Journal): void {
  const file = journalPath(prefix);
  mkdirSync(condaMetaDir(prefix), { recursive: true });
  let fd: number;
  try {
    fd = openSync(file, "wx");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") {
      throw new PrefixStateError(
        `another transaction holds '${file}'`,
        "Wait for the other taipan process to finish; if none is running, the next command recovers the prefix.",
      );
    }
    throw err;
  }
  try {
    writeSync(fd, `${JSON.stringify(journal, null, 1)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  rmSync(progressPath(prefix), { force: true });
  fsyncDir(condaMetaDir(prefix));
}

export function readJournal(prefix: string): Journal | undefined {
  const file = journalPath(prefix);
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, "utf8");
  try {
    const j = JSON.parse(text) as Journal;
    if (j.version !== 1 || !Array.isArray(j.steps)) throw new Error("unknown journal version");
    return j;
  } catch (err) {
    // the journal is written with O_EXCL and fsync before any change, so a torn journal means the
    // process died while writing it: nothing in the prefix was touched yet
    if (!text.endsWith("}\n")) return undefined;
    throw new PrefixStateError(
      `cannot read transaction journal '${file}'`,
      "The journal was written by another tool or version; inspect the prefix with `taipan doctor`.",
      { cause: err },
    );
  }
}

export function readProgress(prefix: string): JournalProgress {
  const out: JournalProgress = { done: new Set(), rollingBack: false, undone: new Set() };
  const file = progressPath(prefix);
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    // only whole lines count: a line cut by a crash is a step not known to be finished
    const m = /^(done|undone) (\d+)$/.exec(line);
    if (m) (m[1] === "done" ? out.done : out.undone).add(Number(m[2]));
    else if (line === "rollback") out.rollingBack = true;
  }
  return out;
}

/** Records that a step is finished. The write survives the process being killed (page cache). */
export function markProgress(prefix: string, line: string): void {
  appendFileSync(progressPath(prefix), `${line}\n`);
}

/**
 * Ends a transaction. Removing the journal is the commit point; the progress file alone means
 * nothing and is cleaned up by the next recovery if the process dies in between.
 */
export function removeJournal(prefix: string): void {
  rmSync(journalPath(prefix), { force: true });
  fsyncDir(condaMetaDir(prefix));
  rmSync(progressPath(prefix), { force: true });
}

/** Removes a journal file that is not a whole journal (the process died while writing it). */
export function removeTornJournal(prefix: string): void {
  rmSync(journalPath(prefix), { force: true });
  rmSync(progressPath(prefix), { force: true });
}

/** Removes leftovers of interrupted atomic writes and of a finished transaction's progress file. */
export function removeLeftovers(prefix: string): void {
  const dir = condaMetaDir(prefix);
  if (!existsSync(dir)) return;
  for (const n of readdirSync(dir)) {
    if (n.endsWith(".taipan-tmp")) rmSync(join(dir, n), { force: true });
  }
  if (!existsSync(journalPath(prefix))) rmSync(progressPath(prefix), { force: true });
}
