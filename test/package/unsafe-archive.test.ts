import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ChecksumMismatchError, CorruptArchiveError, UnsafeArchiveError } from "../../src/package/errors.js";
import { extractPackage } from "../../src/package/extract.js";
import type { TarMember } from "../../src/package/tar-write.js";
import { makeConda, makeTarBz2 } from "./craft-archive.js";
import { describeTree } from "./tree.js";

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), "taipan-unsafe-"));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const f = (name: string, text = "x", mode?: number): TarMember => ({ name, data: Buffer.from(text), mode });

/** Each case: the entries, and the entry the error must name. */
const CASES: { what: string; members: TarMember[]; entry: string; reason: RegExp }[] = [
  {
    what: "parent traversal",
    members: [f("ok.txt"), f("../evil.txt")],
    entry: "../evil.txt",
    reason: /'\.\.'/,
  },
  { what: "nested traversal", members: [f("a/../../evil.txt")], entry: "a/../../evil.txt", reason: /'\.\.'/ },
  {
    what: "absolute path",
    members: [f("/tmp/taipan-evil.txt")],
    entry: "/tmp/taipan-evil.txt",
    reason: /absolute/,
  },
  {
    what: "symlink out of the package",
    members: [{ name: "lib/out", type: "symlink", linkname: "../../outside" }],
    entry: "lib/out",
    reason: /outside the package/,
  },
  {
    what: "absolute symlink",
    members: [{ name: "passwd", type: "symlink", linkname: "/etc/passwd" }],
    entry: "passwd",
    reason: /absolute/,
  },
  {
    what: "symlink escaping through another symlink",
    members: [
      { name: "d/x", type: "symlink", linkname: ".." },
      { name: "e", type: "symlink", linkname: "d/x/.." },
    ],
    entry: "e",
    reason: /outside the package/,
  },
  {
    what: "file written through a symlink",
    members: [{ name: "s", type: "symlink", linkname: "sub" }, f("sub/keep"), f("s/evil")],
    entry: "s/evil",
    reason: /below the symlink/,
  },
  {
    what: "hard link outside",
    members: [{ name: "h", type: "link", linkname: "../../etc/passwd" }],
    entry: "h",
    reason: /hard link/,
  },
  {
    what: "hard link to a missing entry",
    members: [{ name: "h", type: "link", linkname: "nothere" }],
    entry: "h",
    reason: /not an earlier file/,
  },
  {
    what: "character device",
    members: [{ name: "dev/null", type: "character-device" }],
    entry: "dev/null",
    reason: /device/,
  },
  { what: "fifo", members: [{ name: "pipe", type: "fifo" }], entry: "pipe", reason: /FIFO|fifo/ },
  {
    what: "duplicate file",
    members: [f("bin/tool"), f("bin/tool", "y")],
    entry: "bin/tool",
    reason: /duplicate/,
  },
  {
    what: "duplicate via ./ prefix",
    members: [f("a.txt"), f("./a.txt")],
    entry: "./a.txt",
    reason: /duplicate/,
  },
  { what: "file over an implied directory", members: [f("d/x"), f("d")], entry: "d", reason: /duplicate/ },
  {
    what: "file over a symlink's parent",
    members: [{ name: "e/link", type: "symlink", linkname: "x" }, f("e")],
    entry: "e",
    reason: /duplicate/,
  },
];

async function expectRefused(archive: string, entry: string, reason: RegExp) {
  const parent = join(tmp, `parent-${Math.random().toString(36).slice(2)}`);
  await mkdir(parent);
  await writeFile(join(parent, "sentinel"), "keep");
  const dest = join(parent, "pkg");
  await assert.rejects(extractPackage(archive, dest), (e: unknown) => {
    assert.ok(e instanceof UnsafeArchiveError, `expected UnsafeArchiveError, got ${e}`);
    assert.equal(e.entry, entry);
    assert.match(e.reason, reason);
    assert.ok(e.message.includes(archive), "the message names the archive");
    assert.ok(e.hint);
    return true;
  });
  // Nothing left behind: no destination, no temporary directory, nothing written beside it.
  assert.deepEqual(await readdir(parent), ["sentinel"]);
  assert.deepEqual(await readdir(tmp).then((l) => l.filter((n) => n.includes("evil"))), []);
}

describe("hostile archives are refused with nothing left behind", () => {
  for (const c of CASES) {
    it(`${c.what} (.conda)`, async () => {
      const a = join(tmp, `case-${CASES.indexOf(c)}.conda`);
      await makeConda(a, c.members);
      await expectRefused(a, c.entry, c.reason);
    });
    it(`${c.what} (.tar.bz2)`, async () => {
      const a = join(tmp, `case-${CASES.indexOf(c)}.tar.bz2`);
      await makeTarBz2(a, c.members);
      await expectRefused(a, c.entry, c.reason);
    });
  }

  it("an entry in both the info and pkg parts of a .conda is a duplicate", async () => {
    const a = join(tmp, "dup-parts.conda");
    await makeConda(a, [f("info/index.json", "{}")]);
    await expectRefused(a, "info/index.json", /duplicate/);
  });

  it("an archive that expands beyond its limit is refused (tar sizes and decoder output)", async () => {
    const big = Buffer.alloc(4 << 20); // 4 MiB of zeros compresses to almost nothing
    for (const ext of ["conda", "tar.bz2"]) {
      const a = join(tmp, `bomb.${ext}`);
      if (ext === "conda") await makeConda(a, [{ name: "zeros", data: big }]);
      else await makeTarBz2(a, [{ name: "zeros", data: big }]);
      const dest = join(tmp, `bomb-${ext}`);
      await assert.rejects(
        extractPackage(a, dest, { limits: { maxUnpackedBytes: 1 << 20 } }),
        (e: unknown) => {
          assert.ok(e instanceof UnsafeArchiveError, String(e));
          assert.match(e.reason, /expand/);
          return true;
        },
      );
      await assert.rejects(readdir(dest), { code: "ENOENT" });
    }
  });
});

describe("archives that are fine", () => {
  it("keeps exec bits, internal symlinks and hard links", async () => {
    const a = join(tmp, "good.conda");
    await makeConda(a, [
      f("bin/tool", "#!/bin/sh\necho hi\n", 0o755),
      f("lib/libx.so.1.2", "elf"),
      { name: "lib/libx.so", type: "symlink", linkname: "libx.so.1.2" },
      { name: "lib/up", type: "symlink", linkname: "../bin/tool" },
      { name: "lib/hard", type: "link", linkname: "lib/libx.so.1.2" },
      { name: "share/empty", type: "directory" },
    ]);
    const r = await extractPackage(a, join(tmp, "good"));
    const t = await describeTree(r.path);
    assert.match(t.get("bin/tool")!, /:x$/);
    assert.match(t.get("lib/libx.so.1.2")!, /:-$/);
    assert.equal(t.get("lib/libx.so"), "link:libx.so.1.2");
    assert.equal(t.get("lib/up"), "link:../bin/tool");
    assert.equal(t.get("lib/hard"), t.get("lib/libx.so.1.2"));
    assert.deepEqual(await readdir(join(r.path, "share", "empty")), []);
  });

  it("replaces an existing destination atomically", async () => {
    const a = join(tmp, "v2.tar.bz2");
    await makeTarBz2(a, [f("new.txt", "2")]);
    const dest = join(tmp, "replace");
    await mkdir(dest);
    await writeFile(join(dest, "old.txt"), "1");
    await extractPackage(a, dest);
    assert.deepEqual((await readdir(dest)).sort(), ["info", "new.txt"]);
  });
});

describe("verification before use", () => {
  it("refuses a sha256 or md5 mismatch before writing anything", async () => {
    const a = join(tmp, "plain.conda");
    await makeConda(a, [f("a.txt")]);
    const dest = join(tmp, "never");
    await assert.rejects(
      extractPackage(a, dest, { expectedSha256: "0".repeat(64) }),
      (e: unknown) => e instanceof ChecksumMismatchError && e.algorithm === "sha256" && e.message.includes(a),
    );
    await assert.rejects(
      extractPackage(a, dest, { expectedMd5: "0".repeat(32) }),
      (e: unknown) => e instanceof ChecksumMismatchError && e.algorithm === "md5",
    );
    await assert.rejects(readdir(dest), { code: "ENOENT" });
  });

  it("reports truncated and garbage archives as corrupt", async () => {
    const good = join(tmp, "trunc-src.conda");
    await makeConda(good, [f("a.txt", "y".repeat(100000))]);
    const { readFile } = await import("node:fs/promises");
    const bytes = await readFile(good);
    const cut = join(tmp, "truncated.conda");
    await writeFile(cut, bytes.subarray(0, bytes.length - 200));
    await assert.rejects(extractPackage(cut, join(tmp, "t1")), CorruptArchiveError);
    const junk = join(tmp, "junk.tar.bz2");
    await writeFile(junk, "this is not bzip2");
    await assert.rejects(extractPackage(junk, join(tmp, "t2")), CorruptArchiveError);
    const flipped = Buffer.from(bytes);
    flipped[200] ^= 0xff; // inside the zstd data of the first member
    const bad = join(tmp, "flipped.conda");
    await writeFile(bad, flipped);
    await assert.rejects(extractPackage(bad, join(tmp, "t3")), CorruptArchiveError);
    assert.deepEqual(
      (await readdir(tmp)).filter((n) => n.startsWith(".t")),
      [],
    );
  });
});
