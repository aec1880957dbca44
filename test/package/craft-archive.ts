// Builds small .conda / .tar.bz2 archives with arbitrary (also hostile) entries for the tests.
import { spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { compress } from "@mongodb-js/zstd";
import { type TarMember, writeTar } from "../../src/package/tar-write.js";
import { writeStoredZip } from "../../src/package/zip-store.js";

export const INDEX_JSON: TarMember = {
  name: "info/index.json",
  data: Buffer.from(
    JSON.stringify({ name: "evil", version: "1.0", build: "0", build_number: 0, depends: [] }),
  ),
};

export async function makeConda(
  path: string,
  pkg: TarMember[],
  info: TarMember[] = [INDEX_JSON],
): Promise<void> {
  const stem = "evil-1.0-0";
  const zip = writeStoredZip([
    { name: "metadata.json", data: Buffer.from('{"conda_pkg_format_version": 2}') },
    { name: `pkg-${stem}.tar.zst`, data: await compress(await writeTar(pkg), 3) },
    { name: `info-${stem}.tar.zst`, data: await compress(await writeTar(info), 3) },
  ]);
  await writeFile(path, zip);
}

export async function makeTarBz2(path: string, members: TarMember[]): Promise<void> {
  const tar = await writeTar([INDEX_JSON, ...members]);
  const r = spawnSync("bzip2", ["-c"], { input: tar, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`bzip2 failed: ${r.stderr}`);
  await writeFile(path, r.stdout);
}
