import { createHash } from "node:crypto";
import { existsSync, lstatSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type PrefixPathEntry, readPrefixRecords } from "./conda-meta.js";
import { journalPath } from "./journal.js";

export interface PrefixProblem {
  /** The dist name of the record, or "" for problems of the prefix itself. */
  dist: string;
  path: string;
  kind: "missing" | "modified" | "wrong-type" | "interrupted-transaction";
  detail: string;
}

export interface PrefixVerification {
  ok: boolean;
  records: number;
  files: number;
  problems: PrefixProblem[];
}

/**
 * Checks that every file of every conda-meta record is present, of the recorded type, and (for
 * regular files) has the recorded `sha256_in_prefix` (or `sha256` when conda did not record the
 * former). Used by `doctor` and by the crash tests.
 */
export function verifyPrefix(prefix: string): PrefixVerification {
  const problems: PrefixProblem[] = [];
  if (existsSync(journalPath(prefix))) {
    problems.push({
      dist: "",
      path: "conda-meta/.taipan-transaction.json",
      kind: "interrupted-transaction",
      detail:
        "a transaction was interrupted; the next taipan command on this prefix finishes or rolls it back",
    });
  }
  const records = readPrefixRecords(prefix);
  let files = 0;
  for (const pr of records) {
    const dist = pr.record.distName;
    const entries =
      pr.paths.length > 0
        ? pr.paths
        : pr.files.map((f): PrefixPathEntry => ({ _path: f, path_type: "hardlink" }));
    for (const e of entries) {
      files++;
      const full = join(prefix, e._path);
      let st: ReturnType<typeof lstatSync>;
      try {
        st = lstatSync(full);
      } catch {
        problems.push({
          dist,
          path: e._path,
          kind: "missing",
          detail: "listed in conda-meta but not in the prefix",
        });
        continue;
      }
      if (e.path_type === "directory") {
        if (!st.isDirectory())
          problems.push({ dist, path: e._path, kind: "wrong-type", detail: "expected a directory" });
        continue;
      }
      if (e.path_type === "softlink" || st.isSymbolicLink()) continue;
      if (!st.isFile()) {
        problems.push({ dist, path: e._path, kind: "wrong-type", detail: "expected a file" });
        continue;
      }
      // a relocated file only matches its package hash when conda recorded no placeholder
      const relocated = Boolean(e.prefix_placeholder);
      const expected =
        e.sha256_in_prefix ?? (e.path_type === "hardlink" && !relocated ? e.sha256 : undefined);
      if (!expected) continue;
      const actual = createHash("sha256").update(readFileSync(full)).digest("hex");
      if (actual !== expected) {
        problems.push({
          dist,
          path: e._path,
          kind: "modified",
          detail: `sha256 ${actual}, recorded ${expected}`,
        });
      }
    }
  }
  return { ok: problems.length === 0, records: records.length, files, problems };
}
