import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { dependencyOrder } from "../conda/dependency-order.js";
import { PackageRecord } from "../conda/package-record.js";
import { VERSION } from "../taipan-version.js";
import {
  condaMetaDir,
  type PrefixRecord,
  prefixRecordFromJson,
  readPrefixRecords,
  recordFileName,
  writeFileAtomic,
  writePrefixRecord,
} from "./conda-meta.js";
import { faultPoint } from "./fault-injection.js";
import { appendHistory, historyDist, historyTimestamp } from "./history.js";
import { LinkError, PrefixStateError } from "./install-errors.js";
import {
  type Journal,
  type JournalProgress,
  type LinkStep,
  markProgress,
  readJournal,
  readProgress,
  removeJournal,
  removeLeftovers,
  removeTornJournal,
  journalPath,
  type UnlinkStep,
  writeJournal,
} from "./journal.js";
import { type Clobber, type LinkMode, linkPackage, plannedTargetPaths, unlinkPackage } from "./link.js";
import { runLinkScript, type ScriptAction, scriptRelPath } from "./link-scripts.js";
import { type PythonInfo, pycPath, pythonInfoFor } from "./noarch-python.js";
import { type PackageContents, readPackageContents } from "./package-contents.js";
import { stripUrlCredentials } from "../conda/url-credentials.js";

/** A package the prefix should have after the transaction, with its extracted directory in a package cache. */
export interface TargetPackage {
  record: PackageRecord;
  extractedDir: string;
  requestedSpec?: string;
  packageTarballFullPath?: string;
}

export interface TransactionPlan {
  prefix: string;
  /** Installed packages to remove, dependents first. */
  unlink: PrefixRecord[];
  /** Packages to link, dependencies first. */
  link: TargetPackage[];
  unchanged: PrefixRecord[];
}

export interface TransactionProgress {
  phase: "unlink" | "link";
  dist: string;
  index: number;
  total: number;
}

export interface ExecuteOptions {
  /** Run pre-link / post-link / pre-unlink scripts (off by default, like pixi and pnpm). */
  allowScripts?: boolean;
  linkMode?: LinkMode;
  onProgress?: (event: TransactionProgress) => void;
  /** The command line recorded in conda-meta/history. */
  cmd?: string;
  updateSpecs?: string[];
  removeSpecs?: string[];
}

export interface SkippedScripts {
  dist: string;
  scripts: string[];
}

export interface TransactionResult {
  linked: PrefixRecord[];
  unlinked: PrefixRecord[];
  clobbers: Clobber[];
  /** Packages whose link scripts did not run because scripts were not allowed. */
  skippedScripts: SkippedScripts[];
  /** Human-readable warnings: clobbers, skipped scripts, failing pre-unlink scripts. */
  warnings: string[];
  /** What link scripts left in `.messages.txt`. */
  messages: string[];
}

export interface RecoveryResult {
  action: "none" | "rolled-forward" | "rolled-back";
  journalId?: string;
}

// python is linked before everything else it does not need, so noarch python packages can be
// compiled against it.
const LINK_FIRST = ["python"];

function sameBuild(installed: PrefixRecord, target: PackageRecord): boolean {
  const a = installed.record;
  if (a.distName !== target.distName) return false;
  if (a.sha256 && target.sha256) return a.sha256 === target.sha256;
  if (a.md5 && target.md5) return a.md5 === target.md5;
  if (a.channel && target.channel) return a.channel === target.channel;
  return true;
}

function pythonMinor(r: PackageRecord | undefined): string | undefined {
  return r ? pythonInfoFor(r).sitePackages : undefined;
}

/**
 * Diffs a prefix's installed records against the complete target set: missing names are linked,
 * names not in the target are unlinked, a different build of a name is unlink + link, identical
 * records are left alone. noarch python packages are relinked when python's site-packages moves
 * (a new minor version), as conda does, and so are the names in `forceReinstall`
 * (`install --force-reinstall`, the repair `doctor` suggests). An interrupted earlier transaction
 * is recovered first.
 */
export function planTransaction(
  prefix: string,
  targets: TargetPackage[],
  options: { forceReinstall?: ReadonlySet<string> } = {},
): TransactionPlan {
  const force = options.forceReinstall ?? new Set<string>();
  recoverPrefix(prefix);
  const installed = readPrefixRecords(prefix);
  const targetByName = new Map(targets.map((t) => [t.record.name, t]));
  const oldPython = installed.find((p) => p.record.name === "python")?.record;
  const newPython = targetByName.get("python")?.record;
  const pythonMoved = pythonMinor(oldPython) !== pythonMinor(newPython);

  const unlink: PrefixRecord[] = [];
  const unchanged: PrefixRecord[] = [];
  const keepNames = new Set<string>();
  for (const pr of installed) {
    const t = targetByName.get(pr.record.name);
    const relinkNoarch = pythonMoved && pr.record.noarch === "python";
    if (t && sameBuild(pr, t.record) && !relinkNoarch && !force.has(pr.record.name)) {
      unchanged.push(pr);
      keepNames.add(pr.record.name);
    } else unlink.push(pr);
  }
  const link = targets.filter((t) => !keepNames.has(t.record.name));
  return {
    prefix,
    unlink: dependencyOrder(unlink, { recordOf: (p) => p.record, first: LINK_FIRST }).reverse(),
    link: dependencyOrder(link, { recordOf: (t) => t.record, first: LINK_FIRST }),
    unchanged,
  };
}

/** The python the prefix has once the given records are installed (only python matters). */
function pythonOf(records: PackageRecord[]): PythonInfo | undefined {
  const py = records.find((r) => r.name === "python");
  return py ? pythonInfoFor(py) : undefined;
}

function recordJsonOf(t: TargetPackage): Record<string, unknown> {
  const json = t.record.toJson();
  if (t.record.channel) json.channel = t.record.channel;
  if (t.record.url) json.url = stripUrlCredentials(t.record.url);
  json.fn = t.record.fn;
  return json;
}

function recordFromStep(step: LinkStep): PackageRecord {
  return PackageRecord.fromJson(step.record, {
    fn: typeof step.record.fn === "string" ? step.record.fn : undefined,
  });
}

const SCRIPT_NAME = /^(?:bin|Scripts)\/\.(.+)-(pre-link|post-link|pre-unlink)\.(?:sh|bat)$/;

/** Runs a plan: journal first, then unlinks, then links (conda-meta JSON last per package), then history. */
export function executeTransaction(plan: TransactionPlan, options: ExecuteOptions = {}): TransactionResult {
  const prefix = plan.prefix;
  const result: TransactionResult = {
    linked: [],
    unlinked: [],
    clobbers: [],
    skippedScripts: [],
    warnings: [],
    messages: [],
  };
  if (plan.unlink.length === 0 && plan.link.length === 0) return result;

  const finalRecords = [...plan.unchanged.map((p) => p.record), ...plan.link.map((t) => t.record)];
  const python = pythonOf(finalRecords);
  const steps: (UnlinkStep | LinkStep)[] = [];
  for (const pr of plan.unlink) {
    const file = join(condaMetaDir(prefix), pr.fileName);
    steps.push({ kind: "unlink", fileName: pr.fileName, recordJson: JSON.parse(readFileSync(file, "utf8")) });
  }
  const contentsCache = new Map<string, PackageContents>();
  for (const t of plan.link) {
    const contents = readPackageContents(t.extractedDir);
    contentsCache.set(t.extractedDir, contents);
    let targets = plannedTargetPaths(contents, python);
    if (contents.noarchType === "python" && python) {
      targets = [
        ...targets,
        ...targets.filter((p) => p.endsWith(".py")).map((p) => pycPath(p, python.version)),
      ];
    }
    steps.push({
      kind: "link",
      fileName: recordFileName(t.record),
      extractedDir: t.extractedDir,
      record: recordJsonOf(t),
      requestedSpec: t.requestedSpec,
      packageTarballFullPath: t.packageTarballFullPath,
      targets,
    });
  }
  const journal: Journal = {
    version: 1,
    id: randomUUID(),
    pid: process.pid,
    created: new Date().toISOString(),
    prefix,
    linkMode: options.linkMode ?? "hardlink",
    allowScripts: options.allowScripts ?? false,
    history: {
      date: historyTimestamp(),
      cmd: options.cmd ?? process.argv.join(" "),
      version: VERSION,
      updateSpecs: options.updateSpecs ?? [],
      removeSpecs: options.removeSpecs ?? [],
    },
    steps,
  };
  writeJournal(prefix, journal);
  faultPoint();
  try {
    runForward(journal, readProgress(prefix), result, options.onProgress, contentsCache);
  } catch (err) {
    if (err instanceof ScriptFailure) {
      rollBack(journal, readProgress(prefix));
      throw new LinkError(
        `${err.action} script of '${err.dist}' failed (exit ${err.exitCode}); the transaction was rolled back`,
        {
          hint: `The script's output ends with:\n${err.output.split("\n").slice(-15).join("\n")}`,
        },
      );
    }
    // Any other failure (a full disk, a permission error): undo the steps done so far, so the
    // prefix is as it was. If the rollback fails too, the journal stays and the next command
    // (or `taipan doctor`) recovers.
    try {
      rollBack(journal, readProgress(prefix));
    } catch {
      // keep the journal for recoverPrefix
    }
    throw err;
  }
  return result;
}

class ScriptFailure extends Error {
  constructor(
    readonly dist: string,
    readonly action: ScriptAction,
    readonly exitCode: number | null,
    readonly output: string,
  ) {
    super(`${action} script of ${dist} failed`);
  }
}

/** Records in conda-meta that this journal does not touch. */
function untouchedRecords(prefix: string, journal: Journal): PrefixRecord[] {
  const touched = new Set(journal.steps.map((s) => s.fileName));
  return readPrefixRecords(prefix).filter((p) => !touched.has(p.fileName));
}

function firstNotDone(journal: Journal, progress: JournalProgress): number {
  let i = 0;
  while (i < journal.steps.length && progress.done.has(i)) i++;
  return i;
}

function runForward(
  journal: Journal,
  progress: JournalProgress,
  result: TransactionResult,
  onProgress?: (e: TransactionProgress) => void,
  contentsCache?: Map<string, PackageContents>,
): void {
  const prefix = journal.prefix;
  const untouched = untouchedRecords(prefix, journal);
  const owners = new Map<string, string>();
  for (const pr of untouched) for (const f of pr.files) owners.set(f, pr.record.distName);
  const keep = new Set(owners.keys());
  const linkRecords = journal.steps.filter((s): s is LinkStep => s.kind === "link").map(recordFromStep);
  const python = pythonOf([...untouched.map((p) => p.record), ...linkRecords]);
  const total = journal.steps.length;
  const skipped = new Map<string, Set<string>>();
  const noteSkipped = (dist: string, script: string) => {
    if (!skipped.has(dist)) skipped.set(dist, new Set());
    skipped.get(dist)?.add(script);
  };

  journal.steps.forEach((step, index) => {
    if (progress.done.has(index)) return;
    if (step.kind === "unlink") {
      const pr = prefixRecordFromJson(step.recordJson, step.fileName);
      onProgress?.({ phase: "unlink", dist: pr.record.distName, index, total });
      const script = scriptRelPath(pr.record.name, "pre-unlink");
      if (pr.files.includes(script)) {
        if (journal.allowScripts) {
          const r = runLinkScript(prefix, pr.record, "pre-unlink");
          if (r.messages) result.messages.push(r.messages);
          // conda only warns when a pre-unlink script fails: the package is going away anyway
          if (r.ran && !r.ok)
            result.warnings.push(`pre-unlink script of ${pr.record.distName} failed (exit ${r.exitCode})`);
        } else noteSkipped(pr.record.distName, script);
      }
      unlinkPackage(prefix, pr, { keep });
      result.unlinked.push(pr);
    } else {
      const record = recordFromStep(step);
      const dist = record.distName;
      onProgress?.({ phase: "link", dist, index, total });
      const contents = contentsCache?.get(step.extractedDir) ?? readPackageContents(step.extractedDir);
      const scripts = contents.paths
        .map((p) => SCRIPT_NAME.exec(p._path))
        .filter((m) => m && m[1] === record.name);
      if (journal.allowScripts) {
        const pre = runLinkScript(prefix, record, "pre-link", step.extractedDir);
        if (pre.messages) result.messages.push(pre.messages);
        if (pre.ran && !pre.ok) throw new ScriptFailure(dist, "pre-link", pre.exitCode, pre.output);
      } else {
        for (const m of scripts) if (m && m[2] !== "pre-unlink") noteSkipped(dist, m[0]);
      }
      const linked = linkPackage(prefix, step.extractedDir, {
        record,
        contents,
        python,
        owners,
        linkMode: journal.linkMode,
        requestedSpec: step.requestedSpec,
        packageTarballFullPath: step.packageTarballFullPath,
      });
      for (const c of linked.clobbers) {
        result.clobbers.push(c);
        result.warnings.push(
          c.previousOwner
            ? `${c.newOwner} clobbers '${c.path}' of ${c.previousOwner}`
            : `${c.newOwner} overwrites '${c.path}', which no package owned`,
        );
      }
      for (const f of linked.prefixRecord.files) owners.set(f, dist);
      if (journal.allowScripts) {
        const post = runLinkScript(prefix, record, "post-link");
        if (post.messages) result.messages.push(post.messages);
        if (post.ran && !post.ok) throw new ScriptFailure(dist, "post-link", post.exitCode, post.output);
      }
      faultPoint();
      writePrefixRecord(prefix, linked.prefixRecord);
      result.linked.push(linked.prefixRecord);
    }
    faultPoint();
    markProgress(prefix, `done ${index}`);
    progress.done.add(index);
  });

  for (const [dist, scripts] of skipped) {
    result.skippedScripts.push({ dist, scripts: [...scripts] });
    result.warnings.push(
      `${dist} has link scripts that were not run (${[...scripts].join(", ")}); allow scripts to run them`,
    );
  }
  faultPoint();
  appendHistory(prefix, {
    date: journal.history.date,
    cmd: journal.history.cmd,
    version: journal.history.version,
    removed: journal.steps
      .filter((s): s is UnlinkStep => s.kind === "unlink")
      .map((s) => {
        const r = prefixRecordFromJson(s.recordJson, s.fileName).record;
        return historyDist(r.channel, r.distName);
      }),
    added: linkRecords.map((r) => historyDist(r.channel, r.distName)),
    updateSpecs: journal.history.updateSpecs,
    removeSpecs: journal.history.removeSpecs,
  });
  faultPoint();
  removeJournal(prefix);
}

/**
 * Undoes a journaled transaction: removes what its link steps created (from their conda-meta
 * record, or from the journal's target list when the record was not written yet) and re-links the
 * packages it had removed from their extracted directories, restoring their conda-meta JSON
 * verbatim. Steps after the first unfinished one never started and are skipped.
 */
function rollBack(journal: Journal, progress: JournalProgress): void {
  const prefix = journal.prefix;
  if (!progress.rollingBack) {
    markProgress(prefix, "rollback");
    progress.rollingBack = true;
  }
  const started = firstNotDone(journal, progress);
  const untouched = untouchedRecords(prefix, journal);
  const keep = new Set<string>();
  for (const pr of untouched) for (const f of pr.files) keep.add(f);
  const oldRecords = journal.steps
    .filter((s): s is UnlinkStep => s.kind === "unlink")
    .map((s) => prefixRecordFromJson(s.recordJson, s.fileName).record);
  const oldPython = pythonOf([...untouched.map((p) => p.record), ...oldRecords]);

  for (let index = journal.steps.length - 1; index >= 0; index--) {
    if (progress.undone.has(index)) continue;
    const step = journal.steps[index];
    if (index <= started) {
      if (step.kind === "link") {
        const metaFile = join(condaMetaDir(prefix), step.fileName);
        const pr: PrefixRecord = existsSync(metaFile)
          ? prefixRecordFromJson(JSON.parse(readFileSync(metaFile, "utf8")), step.fileName)
          : {
              record: recordFromStep(step),
              files: step.targets,
              paths: step.targets.map((p) => ({ _path: p, path_type: "hardlink" })),
              fileName: step.fileName,
            };
        unlinkPackage(prefix, pr, { keep });
      } else {
        const pr = prefixRecordFromJson(step.recordJson, step.fileName);
        const source = pr.extractedPackageDir ?? pr.link?.source;
        if (!source || !existsSync(join(source, "info"))) {
          throw new PrefixStateError(
            `cannot roll back: '${pr.record.distName}' was removed and its extracted package '${source ?? "(unknown)"}' is gone`,
            "Fetch the package into the package cache again and rerun the command, or recreate the environment.",
          );
        }
        const linked = linkPackage(prefix, source, {
          record: pr.record,
          python: oldPython,
          linkMode: journal.linkMode,
        });
        faultPoint();
        // the original JSON, not a re-serialisation: the prefix goes back to exactly what it was
        const restored = { ...step.recordJson };
        if (!Array.isArray(restored.files)) restored.files = linked.prefixRecord.files;
        writeFileAtomic(
          join(condaMetaDir(prefix), step.fileName),
          `${JSON.stringify(restored, null, 2)}\n`,
          join(condaMetaDir(prefix), `.${step.fileName}.taipan-tmp`),
        );
      }
    }
    faultPoint();
    markProgress(prefix, `undone ${index}`);
    progress.undone.add(index);
  }
  removeJournal(prefix);
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Brings a prefix out of an interrupted transaction. Policy: roll forward when every package still
 * to be linked has its extracted directory (the usual case: the cache outlives the crash); else
 * roll back, which needs the extracted directories of the packages the transaction removed; a
 * rollback that was already under way is always continued. Scripts are not re-run by recovery.
 */
export function recoverPrefix(prefix: string): RecoveryResult {
  if (!existsSync(condaMetaDir(prefix))) return { action: "none" };
  let journal: Journal | undefined;
  if (existsSync(journalPath(prefix))) {
    journal = readJournal(prefix);
    if (!journal) removeTornJournal(prefix);
  }
  removeLeftovers(prefix);
  if (!journal) return { action: "none" };
  if (processAlive(journal.pid)) {
    throw new PrefixStateError(
      `prefix '${prefix}' is being changed by another process (pid ${journal.pid})`,
      "Wait for that process to finish; if it is not taipan, remove conda-meta/.taipan-transaction.json.",
    );
  }
  const progress = readProgress(prefix);
  const quiet = { ...journal, allowScripts: false };
  if (progress.rollingBack) {
    rollBack(quiet, progress);
    return { action: "rolled-back", journalId: journal.id };
  }
  const first = firstNotDone(journal, progress);
  const forwardPossible = journal.steps
    .slice(first)
    .every((s) => s.kind === "unlink" || existsSync(join(s.extractedDir, "info", "index.json")));
  if (forwardPossible) {
    const sink: TransactionResult = {
      linked: [],
      unlinked: [],
      clobbers: [],
      skippedScripts: [],
      warnings: [],
      messages: [],
    };
    runForward(quiet, progress, sink);
    return { action: "rolled-forward", journalId: journal.id };
  }
  rollBack(quiet, progress);
  return { action: "rolled-back", journalId: journal.id };
}
