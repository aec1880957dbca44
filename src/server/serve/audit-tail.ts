import { open } from "node:fs/promises";
import { type AuditEntry, auditFile } from "./audit-log.js";

/**
 * The last `limit` entries of `<stateDir>/audit.log`, newest first, read from the end of the file
 * so a long log costs only the tail. Lines already hold redacted paths and token ids, never tokens.
 */
export async function tailAuditLog(stateDir: string, limit: number): Promise<AuditEntry[]> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(auditFile(stateDir), "r");
  } catch (e) {
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
    const out: AuditEntry[] = [];
    for (const line of lines.slice(-limit).reverse()) {
      try {
        out.push(JSON.parse(line) as AuditEntry);
      } catch {
        // A line being written right now (or a damaged one): `taipan serve audit verify` reports it.
      }
    }
    return out;
  } finally {
    await fh.close();
  }
}
