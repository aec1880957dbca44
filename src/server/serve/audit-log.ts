import { createHash } from "node:crypto";
import { open, readFile, mkdir, writeFile, rename } from "node:fs/promises";
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
 * removing or inserting a line breaks the chain at that point (`verifyAuditLog`). Appends are
 * serialised in one queue so lines never interleave and the chain stays linear.
 */
export class AuditLog {
  private last = GENESIS;
  private queue: Promise<void> = Promise.resolve();
  private failed: unknown;

  private constructor(private readonly stateDir: string) {}

  static async open(stateDir: string): Promise<AuditLog> {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    const log = new AuditLog(stateDir);
    const text = await readFile(auditFile(stateDir), "utf8").catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return "";
      throw e;
    });
    const lines = text.split("\n").filter((l) => l !== "");
    if (lines.length > 0) log.last = sha256(lines[lines.length - 1]!);
    return log;
  }

  append(entry: Omit<AuditEntry, "prev">): Promise<void> {
    this.queue = this.queue
      .then(async () => {
        const line = JSON.stringify({ ...entry, prev: this.last });
        const fh = await open(auditFile(this.stateDir), "a", 0o600);
        try {
          await fh.write(`${line}\n`);
        } finally {
          await fh.close();
        }
        this.last = sha256(line);
        const head = headFile(this.stateDir);
        await writeFile(`${head}.tmp`, `${this.last}\n`);
        await rename(`${head}.tmp`, head);
      })
      .catch((e) => {
        // An audit write that fails must not crash the server, but it is reported on close.
        this.failed ??= e;
      });
    return this.queue;
  }

  /** Waits for every queued line; throws if any line could not be written. */
  async flush(): Promise<void> {
    await this.queue;
    if (this.failed) throw this.failed;
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
