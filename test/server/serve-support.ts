// Shared set-up for the channel server tests: a ROOT with channels made by packPackage and indexed,
// and a ChannelServer on 127.0.0.1 with a random port.
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PackRecipe } from "../../src/package/pack/recipe.js";
import { packPackage } from "../../src/package/pack/pack.js";
import { indexChannel } from "../../src/server/index/index-channel.js";

export async function tempDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `taipan-${label}-`));
}

/** Packs a tiny noarch package into `outDir`; returns the archive path and its record. */
export async function makePackage(
  work: string,
  recipe: Partial<PackRecipe> & { name: string; version: string },
  outDir: string,
  formats: ("conda" | "tar.bz2")[] = ["conda"],
) {
  const src = join(work, `src-${recipe.name}-${recipe.version}-${Math.random().toString(36).slice(2)}`);
  await mkdir(join(src, "share", recipe.name), { recursive: true });
  await writeFile(join(src, "share", recipe.name, "hello.txt"), `${recipe.name} ${recipe.version}\n`);
  return packPackage({
    sourceDir: src,
    recipe: { noarch: "generic", ...recipe },
    outDir,
    formats,
    zstdLevel: 3,
  });
}

/** ROOT with `pub` (public) and `priv` (private) channels, each holding one indexed package. */
export async function makeRoot(work: string): Promise<string> {
  const root = join(work, "root");
  for (const ch of ["pub", "priv"]) {
    await makePackage(work, { name: `${ch}pkg`, version: "1.0" }, join(root, ch, "noarch"));
    await indexChannel(join(root, ch), { bz2: false });
  }
  return root;
}

/** A raw HTTP request to `base`: fetch() would normalise `..` and `%2e%2e` away before sending. */
export function rawRequest(
  base: string,
  path: string,
  headers: Record<string, string> = {},
  method = "GET",
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((ok, fail) => {
    const u = new URL(base);
    const req = request({ host: u.hostname, port: u.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        ok({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on("error", fail);
    req.end();
  });
}

/** An audit-log entry for a GET of file `i` (the bytes field numbers the entry). */
export const auditEntry = (i: number) => ({
  time: new Date(0).toISOString(),
  client: "127.0.0.1",
  token_id: null,
  method: "GET",
  path: `/c/noarch/f${i}`,
  status: 200,
  bytes: i,
});
