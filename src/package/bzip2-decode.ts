import { spawn, spawnSync } from "node:child_process";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";

/*
 * bzip2 decoding for legacy `.tar.bz2` packages. The system `bzip2` (when present) streams and runs
 * about 2x faster than the pure-JS decoder (46 vs 21 MB/s measured here, LIBRARIES.md); seek-bzip is
 * the fallback and works on a whole buffer, so the caller's size limit also bounds its memory.
 */

export class Bzip2DecodeError extends Error {}

let cliAvailable: boolean | undefined;

function hasBzip2Cli(): boolean {
  if (cliAvailable === undefined) {
    if (process.env.TAIPAN_NO_BZIP2_CLI) cliAvailable = false;
    else {
      const r = spawnSync("bzip2", ["--help"], { stdio: "ignore" });
      cliAvailable = r.error === undefined;
    }
  }
  return cliAvailable;
}

/** Decompressed chunks of a `.bz2` file; throws `Bzip2DecodeError('limit')` past `limit` bytes. */
export async function* bzip2Decode(path: string, limit = Number.POSITIVE_INFINITY): AsyncGenerator<Buffer> {
  if (!hasBzip2Cli()) {
    const input = await readFile(path);
    let out: Buffer;
    try {
      const { default: Bunzip } = await import("seek-bzip");
      out = Bunzip.decode(input, undefined, true);
    } catch (e) {
      throw new Bzip2DecodeError(`invalid bzip2 data: ${(e as Error).message}`);
    }
    if (out.length > limit) throw new Bzip2DecodeError("limit");
    yield out;
    return;
  }
  const child = spawn("bzip2", ["-dc"], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const input = createReadStream(path);
  input.on("error", (e) => child.stdin.destroy(e));
  child.stdin.on("error", () => {}); // EPIPE when bzip2 stops early on bad data; reported via exit code
  input.pipe(child.stdin);
  let total = 0;
  let completed = false;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > limit) throw new Bzip2DecodeError("limit");
      yield chunk;
    }
    const code = await exited;
    if (code !== 0)
      throw new Bzip2DecodeError(`invalid bzip2 data: ${stderr.trim() || `bzip2 exit ${code}`}`);
    completed = true;
  } finally {
    if (!completed) {
      input.destroy();
      child.kill();
    }
  }
}
