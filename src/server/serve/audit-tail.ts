import { open } from "node:fs/promises";
import { type AuditEntry, auditFiles } from "./audit-log.js";

/** Up to `limit` last non-empty lines of a file, oldest first, read from the end of the file. */
async function tailLines(file: string, limit: number): Promise<string[]> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(file, "r");
  } catch (e) {
    // audit.log is absent right after a rotation; a rotated file may have just been archived.
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  try {
    const size = (await fh.stat()).size;
    let lines: string[] = [];
    for (let window = 64 * 1024; ; window *= 4) {
      const start = Math.max(0, size - window);
      const buf = Buffer.alloc(size - start);
      await fh.read(buf, 0, buf.length, start);
      lines = buf.toString("utf8").split("\n");
      // The first piece of a window that does not start the file may be a partial line.
      if (start > 0) lines.shift();
      lines = lines.filter((l) => l !== "");
      if (lines.length >= limit || start === 0) break;
    }
    return lines.slice(-limit);
  } finally {
    await fh.close();
  }
}

/**
 * The last `limit` entries of the audit log, newest first: from the end of audit.log and, when it
 * holds fewer, on into the rotated files, newest first. A long log costs only its tail. Lines
 * already hold redacted paths and token ids, never tokens.
 */
export async function tailAuditLog(stateDir: string, limit: number): Promise<AuditEntry[]> {
  const files = (await auditFiles(stateDir)).reverse();
  const out: AuditEntry[] = [];
  for (const file of files) {
    if (out.length >= limit) break;
    for (const line of (await tailLines(file, limit - out.length)).reverse()) {
      try {
        out.push(JSON.parse(line) as AuditEntry);
      } catch {
        // A line being written right now (or a damaged one): `taipan serve audit verify` reports it.
      }
    }
  }
  return out;
}
