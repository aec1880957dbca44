// Property: whatever entries an archive holds, extraction either refuses it with a typed error or
// produces a tree whose every path (following links) stays inside the destination; never a write outside.
import assert from "node:assert/strict";
import { lstat, mkdir, mkdtemp, readdir, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { after, before, it } from "node:test";
import fc from "fast-check";
import { CorruptArchiveError, UnsafeArchiveError } from "../../src/package/errors.js";
import { extractPackage } from "../../src/package/extract.js";
import type { TarMember } from "../../src/package/tar-write.js";
import { makeConda } from "./craft-archive.js";

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), "taipan-unsafe-prop-"));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const segment = fc.constantFrom("a", "b", "..", ".", "", "c d", "/", "info");
const pathArb = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join("/"));
const memberArb: fc.Arbitrary<TarMember> = fc.oneof(
  pathArb.map((name) => ({ name, data: Buffer.from("x") })),
  pathArb.map((name) => ({ name, type: "directory" as const })),
  fc.tuple(pathArb, pathArb).map(([name, linkname]) => ({ name, type: "symlink" as const, linkname })),
  fc.tuple(pathArb, pathArb).map(([name, linkname]) => ({ name, type: "link" as const, linkname })),
);

async function walk(dir: string, out: string[] = []): Promise<string[]> {
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    out.push(p);
    if (d.isDirectory()) await walk(p, out);
  }
  return out;
}

it("never writes outside the destination, whatever the entries", async () => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(memberArb, { minLength: 1, maxLength: 6 }), async (members) => {
      const box = join(tmp, `box-${n++}`);
      await mkdir(join(box, "outside"), { recursive: true });
      const archive = join(box, "p.conda");
      await makeConda(archive, members);
      const dest = join(box, "pkg");
      try {
        await extractPackage(archive, dest);
      } catch (e) {
        assert.ok(e instanceof UnsafeArchiveError || e instanceof CorruptArchiveError, `untyped error: ${e}`);
        await assert.rejects(lstat(dest), { code: "ENOENT" });
      }
      // Nothing appeared beside the destination or in the sibling directory.
      const beside = (await readdir(box)).filter((f) => f !== "pkg").sort();
      assert.deepEqual(beside, ["outside", "p.conda"]);
      assert.deepEqual(await readdir(join(box, "outside")), []);
      const root = await realpath(box);
      for (const p of await walk(dest).catch(() => [])) {
        const real = await realpath(p).catch(() => undefined); // dangling links inside are allowed
        if (real)
          assert.ok(
            real === join(root, "pkg") || real.startsWith(join(root, "pkg") + sep),
            `${p} -> ${real}`,
          );
      }
      await rm(box, { recursive: true, force: true });
    }),
    { numRuns: 150 },
  );
});
