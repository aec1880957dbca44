import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { readWholeFile } from "../../src/fs/read-whole.js";

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), "taipan-read-whole-"));
});
after(() => rm(tmp, { recursive: true, force: true }));

describe("readWholeFile", () => {
  it("returns every byte of a file larger than readFile's chunk, by path or by open handle", async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const file = join(tmp, "big.bin");
    await writeFile(file, bytes);
    assert.ok((await readWholeFile(file)).equals(bytes));
    const fh = await open(file, "r");
    try {
      assert.ok((await readWholeFile(fh)).equals(bytes));
    } finally {
      await fh.close();
    }
  });

  it("reads an empty file and fails on a missing one as readFile does", async () => {
    const empty = join(tmp, "empty");
    await writeFile(empty, "");
    assert.equal((await readWholeFile(empty)).length, 0);
    await assert.rejects(readWholeFile(join(tmp, "missing")), { code: "ENOENT" });
  });
});
