import { createHash } from "node:crypto";
import { mkdir, open, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
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

export function auditFile(stateDir: string): string {
  return join(stateDir, "audit.log");
}

/** Holds the hash of the last line, so removing or editing the final line is detectable too. */
function headFile(stateDir: string): string {
  return join(stateDir, "audit.head");
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * An append-only JSON-lines log where every line carries the sha256 of the line before it: editing,
 * removing or inserting a line breaks the chain at that point (`verifyAuditLog`). Appends go
 * through one writer so lines never interleave and the chain stays linear; lines that arrive while
 * a write is running are batched into the next write (one append and one head update per batch).
 */
export class AuditLog {
  private last = GENESIS;
  private pending: { entry: Omit<AuditEntry, "prev">; done: () => void }[] = [];
  private writing: Promise<void> | undefined;
  private failed: unknown;

  private constructor(private readonly stateDir: string) {}

  static async open(stateDir: string): Promise<AuditLog> {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    const log = new AuditLog(stateDir);
    const last = await lastLine(auditFile(stateDir));
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
      try {
        const fh = await open(auditFile(this.stateDir), "a", 0o600);
        try {
          await fh.write(text);
        } finally {
          await fh.close();
        }
        this.last = last;
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

export interface AuditVerification {
  lines: number;
  /** sha256 of the last line (what audit.head should hold). */
  head: string;
}

/** Checks the hash chain of `<stateDir>/audit.log`; throws AuditChainError at the first broken line. */
export async function verifyAuditLog(stateDir: string): Promise<AuditVerification> {
  const file = auditFile(stateDir);
  const text = await readFile(file, "utf8").catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return "";
    throw e;
  });
  if (text !== "" && !text.endsWith("\n"))
    throw new AuditChainError(file, text.split("\n").length, "the last line is incomplete");
  const lines = text === "" ? [] : text.slice(0, -1).split("\n");
  let prev = GENESIS;
  lines.forEach((line, i) => {
    let entry: Partial<AuditEntry>;
    try {
      entry = JSON.parse(line) as Partial<AuditEntry>;
    } catch {
      throw new AuditChainError(file, i + 1, "not valid JSON");
    }
    if (entry.prev !== prev)
      throw new AuditChainError(file, i + 1, "its `prev` does not match the sha256 of the line before it");
    prev = sha256(line);
  });
  const recorded = (await readFile(headFile(stateDir), "utf8").catch(() => "")).trim();
  if (recorded !== "" && recorded !== prev)
    throw new AuditChainError(
      file,
      lines.length,
      "the last line does not match audit.head (the end was edited or cut off)",
    );
  if (recorded === "" && lines.length > 0)
    throw new AuditChainError(file, lines.length, "audit.head is missing");
  return { lines: lines.length, head: prev };
}
