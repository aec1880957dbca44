// The pure-JS bzip2 path (no `bzip2` program on PATH) must extract exactly what cph extracts.
process.env.TAIPAN_NO_BZIP2_CLI = "1";

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { promisify } from "node:util";
import { extractPackage } from "../../src/package/extract.js";
import { readPackageInfo } from "../../src/package/package-info.js";
import { sharedData } from "../support/paths.js";
import { describeTree } from "./tree.js";

const run = promisify(execFile);
let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), "taipan-bz2js-"));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

it("extracts .tar.bz2 with seek-bzip identically to cph", async () => {
  for (const a of [
    sharedData("packages", "mamba", "cph_test_data-0.0.1-0.tar.bz2"),
    sharedData("packages", "conda-format-repo", "linux-64", "zlib-1.2.11-h7b6447c_3.tar.bz2"),
  ]) {
    const name = a.slice(a.lastIndexOf("/") + 1);
    await run("cph", ["extract", a, "--dest", join(tmp, `cph-${name}`)]);
    const ours = await extractPackage(a, join(tmp, `ours-${name}`));
    assert.deepEqual(await describeTree(ours.path), await describeTree(join(tmp, `cph-${name}`)), name);
    assert.equal((await readPackageInfo(a)).index.subdir !== undefined, true);
  }
});

it("applies the size limit to the whole-buffer decoder too", async () => {
  const a = sharedData("packages", "conda-format-repo", "linux-64", "zlib-1.2.11-h7b6447c_3.tar.bz2");
  await assert.rejects(extractPackage(a, join(tmp, "limited"), { limits: { maxUnpackedBytes: 10_000 } }), {
    name: "UnsafeArchiveError",
  });
});
