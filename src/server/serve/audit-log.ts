import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { AuditChainError } from "./errors.js";

/** One request as the audit log records it. Tokens never appear: only the id of the token used. */
export interface AuditEntry {
  time: string;
  client: string;
  token_id: string | null;
  method: string;
  /** The request path with any `/t/<token>` segment replaced by `/t/<TOKEN>`. */
  path: string;
  status: number;
  bytes: number;
  /** sha256 of an uploaded (or deleted) package. */
  sha256?: string;
  /**
   * Failed token checks from this client that were not logged one by one (only the first of each
   * throttling window is), counted over the client's previous window.
   */
  suppressed?: number;
  /** sha256 of the previous line's text; GENESIS for the first line. */
  prev: string;
}

export const GENESIS = "0".repeat(64);

/**
 * Size at which the current file is rotated when the configuration says nothing: about 250k
 * requests, small enough to verify, copy or grep comfortably, few enough files for a busy server.
 */
export const DEFAULT_AUDIT_MAX_BYTES = 64 * 1024 * 1024;

/** The file being written. */
export function auditFile(stateDir: string): string {
  return join(stateDir, "audit.log");
}

/**
 * A rotated file. Numbers only grow (1 is the oldest) and a rotated file is never renamed again,
 * so a name in a verification report stays valid; zero-padded so `ls` lists them in chain order.
 */
export function rotatedAuditFile(stateDir: string, seq: number): string {
  return join(stateDir, `audit.${String(seq).padStart(6, "0")}.log`);
}

const ROTATED = /^audit\.(\d+)\.log$/;

/** Sequence numbers of the rotated files in `stateDir`, ascending. */
async function rotatedSeqs(stateDir: string): Promise<number[]> {
  const names = await readdir(stateDir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return [] as string[];
    throw e;
  });
  const seqs: number[] = [];
  for (const n of names) {
    const m = ROTATED.exec(n);
    if (m) seqs.push(Number(m[1]));
  }
  return seqs.sort((a, b) => a - b);
}

/** Every file of the log in chain order: the rotated ones, oldest first, then audit.log. */
export async function auditFiles(stateDir: string): Promise<string[]> {
  return [...(await rotatedSeqs(stateDir)).map((s) => rotatedAuditFile(stateDir, s)), auditFile(stateDir)];
}

/** Holds the hash of the last line, so removing or editing the final line is detectable too. */
function headFile(stateDir: string): string {
  return join(stateDir, "audit.head");
}

function sha256(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

export interface AuditLogOptions {
  /**
   * audit.log is rotated before a write would take it past this size (a single larger batch still
   * goes into one fresh file); 0 never rotates.
   */
  maxBytes?: number;
}

/**
 * An append-only JSON-lines log where every line carries the sha256 of the line before it: editing,
 * removing or inserting a line breaks the chain at that point (`verifyAuditLog`). Appends go
 * through one writer so lines never interleave and the chain stays linear; lines that arrive while
 * a write is running are batched into the next write (one append and one head update per batch).
 *
 * Rotation renames audit.log to the next `audit.NNNNNN.log` and starts a new audit.log whose first
 * line chains to the last line of the rotated one, so the files together form one chain.
 */
export class AuditLog {
  private last = GENESIS;
  private size = 0;
  private nextSeq = 1;
  private pending: { entry: Omit<AuditEntry, "prev">; done: () => void }[] = [];
  private writing: Promise<void> | undefined;
  private failed: unknown;

  private constructor(
    private readonly stateDir: string,
    private readonly maxBytes: number,
  ) {}

  static async open(stateDir: string, opts: AuditLogOptions = {}): Promise<AuditLog> {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    const log = new AuditLog(stateDir, opts.maxBytes ?? DEFAULT_AUDIT_MAX_BYTES);
    const seqs = await rotatedSeqs(stateDir);
    log.nextSeq = (seqs[seqs.length - 1] ?? 0) + 1;
    log.size = (await stat(auditFile(stateDir)).catch(() => undefined))?.size ?? 0;
    // A crash between a rotation and the first write after it leaves no audit.log: the chain then
    // continues from the newest rotated file.
    let last = await lastLine(auditFile(stateDir));
    for (let i = seqs.length - 1; last === undefined && i >= 0; i--)
      last = await lastLine(rotatedAuditFile(stateDir, seqs[i]!));
    if (last !== undefined) log.last = sha256(last);
    return log;
  }

  /** Queues a line; resolves once it is written. Lines queued meanwhile go out in one write. */
  append(entry: Omit<AuditEntry, "prev">): Promise<void> {
    return new Promise((done) => {
      this.pending.push({ entry, done });
      this.writing ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0);
      let text = "";
      let last = this.last;
      for (const { entry } of batch) {
        const line = JSON.stringify({ ...entry, prev: last });
        text += `${line}\n`;
        last = sha256(line);
      }
      const bytes = Buffer.byteLength(text);
      try {
        if (this.maxBytes > 0 && this.size > 0 && this.size + bytes > this.maxBytes) await this.rotate();
        const fh = await open(auditFile(this.stateDir), "a", 0o600);
        try {
          await fh.write(text);
        } finally {
          await fh.close();
        }
        this.last = last;
        this.size += bytes;
        const head = headFile(this.stateDir);
        await writeFile(`${head}.${process.pid}.tmp`, `${last}\n`);
        await rename(`${head}.${process.pid}.tmp`, head);
      } catch (e) {
        // An audit write that fails must not crash the server; it is reported by flush() on close.
        this.failed ??= e;
      }
      for (const { done } of batch) done();
    }
    this.writing = undefined;
  }

  /** One rename: a reader sees the lines either in audit.log or in the rotated file, never lost. */
  private async rotate(): Promise<void> {
    try {
      await rename(auditFile(this.stateDir), rotatedAuditFile(this.stateDir, this.nextSeq));
      this.nextSeq++;
    } catch (e) {
      // audit.log vanished (moved away by hand): nothing to rotate; verify will report the gap.
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    this.size = 0;
  }

  /** Waits for every queued line; throws if any line could not be written. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.failed) throw this.failed;
  }
}

/** The last line of a file without reading all of it (audit logs grow without bound). */
async function lastLine(file: string): Promise<string | undefined> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(file, "r");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  try {
    const size = (await fh.stat()).size;
    for (let window = 64 * 1024; ; window *= 4) {
      const start = Math.max(0, size - window);
      const buf = Buffer.alloc(size - start);
      await fh.read(buf, 0, buf.length, start);
      const text = buf.toString("utf8").replace(/\n+$/, "");
      const nl = text.lastIndexOf("\n");
      if (nl >= 0) return text.slice(nl + 1);
      if (start === 0) return text === "" ? undefined : text;
    }
  } finally {
    await fh.close();
  }
}

/**
 * The lines of a file as raw bytes (without their `\n`), streamed so a large log costs one chunk
 * of memory; `complete` is false for a last line without its newline. Splits on `\n` only: a `\r`
 * slipped into a line is part of it and so changes its hash.
 */
async function* fileLines(file: string): AsyncGenerator<{ bytes: Buffer; complete: boolean }> {
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let buf = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
    for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10)) {
      yield { bytes: buf.subarray(0, nl), complete: true };
      buf = buf.subarray(nl + 1);
    }
    rest = Buffer.from(buf);
  }
  if (rest.length > 0) yield { bytes: rest, complete: false };
}

export interface AuditVerification {
  /** Lines in all files together. */
  lines: number;
  /** sha256 of the last line (what audit.head should hold). */
  head: string;
  /** The files checked, in chain order (rotated ones first, audit.log last). */
  files: string[];
}

/**
 * Checks the hash chain across the rotated files and audit.log; throws AuditChainError naming the
 * file and line (1-based, within that file) where the chain first breaks. A missing rotated file
 * (a gap in the numbers) breaks it too: its lines are gone.
 */
export async function verifyAuditLog(stateDir: string): Promise<AuditVerification> {
  const seqs = await rotatedSeqs(stateDir);
  seqs.forEach((seq, i) => {
    if (seq !== i + 1)
      throw new AuditChainError(rotatedAuditFile(stateDir, i + 1), 0, "this rotated file is missing");
  });
  const files = await auditFiles(stateDir);
  const checked: string[] = [];
  let prev = GENESIS;
  let total = 0;
  /** The file and line number of the line `prev` is the hash of (none yet: GENESIS). */
  let lastFile: string | undefined;
  let lastLineNo = 0;
  for (const file of files) {
    let n = 0;
    try {
      for await (const { bytes, complete } of fileLines(file)) {
        n++;
        if (!complete) throw new AuditChainError(file, n, "the last line is incomplete");
        const line = bytes.toString("utf8");
        let entry: Partial<AuditEntry>;
        try {
          entry = JSON.parse(line) as Partial<AuditEntry>;
        } catch {
          throw new AuditChainError(file, n, "not valid JSON");
        }
        if (entry.prev !== prev) {
          const before =
            lastFile === undefined
              ? undefined
              : lastFile === file
                ? `line ${lastLineNo}`
                : `line ${lastLineNo} of ${basename(lastFile)}, the end of the previous file`;
          throw new AuditChainError(
            file,
            n,
            before === undefined
              ? "its `prev` is not the start of the chain (lines before it were removed)"
              : `its \`prev\` does not match the sha256 of ${before}: one of the two was changed, or lines between them were removed`,
          );
        }
        prev = sha256(bytes);
        lastFile = file;
        lastLineNo = n;
      }
    } catch (e) {
      // No audit.log yet (nothing written since the last rotation, or ever).
      if ((e as NodeJS.ErrnoException).code === "ENOENT" && file === auditFile(stateDir)) continue;
      throw e;
    }
    checked.push(file);
    total += n;
  }
  const where = lastFile ?? auditFile(stateDir);
  const recorded = (await readFile(headFile(stateDir), "utf8").catch(() => "")).trim();
  if (recorded !== "" && recorded !== prev)
    throw new AuditChainError(
      where,
      lastLineNo,
      "the last line does not match audit.head (the end was edited or cut off)",
    );
  if (recorded === "" && total > 0) throw new AuditChainError(where, lastLineNo, "audit.head is missing");
  return { lines: total, head: prev, files: checked };
}
