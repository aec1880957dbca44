import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { extractPackage } from "../../src/package/extract.js";
import { readPackageInfo } from "../../src/package/package-info.js";
import { packPackage } from "../../src/package/pack/pack.js";
import { RecipeError, readRecipe, validateRecipe } from "../../src/package/pack/recipe.js";
import { describeTree } from "./tree.js";

const run = promisify(execFile);
const PLACEHOLDER = "/opt/anaconda1anaconda2anaconda3";

let tmp: string;
let src: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), "taipan-pack-"));
  src = join(tmp, "src");
  await mkdir(join(src, "bin"), { recursive: true });
  await mkdir(join(src, "lib"), { recursive: true });
  await mkdir(join(src, "share", "empty"), { recursive: true });
  await writeFile(join(src, "bin", "tool"), `#!${PLACEHOLDER}/bin/python\nprint('hi')\n`);
  await chmod(join(src, "bin", "tool"), 0o755);
  const bin = Buffer.concat([
    Buffer.from("\x7fELF\0\0"),
    Buffer.from(`${PLACEHOLDER}/lib\0`),
    Buffer.alloc(64),
  ]);
  await writeFile(join(src, "lib", "libthing.so.1"), bin);
  await symlink("libthing.so.1", join(src, "lib", "libthing.so"));
  await writeFile(join(src, "lib", "plain.txt"), "no prefix here\n");
  await writeFile(join(src, "ünïcode name.txt"), "x");
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const RECIPE = validateRecipe({
  name: "thing",
  version: "1.2.3",
  build_number: 2,
  build: "h123_2",
  depends: ["libzlib >=1.2"],
  constrains: ["other <2"],
  license: "BSD-3-Clause",
  subdir: "linux-64",
  run_exports: { weak: ["thing >=1.2,<2"] },
  about: { summary: "a test package", home: "https://example.org" },
});

describe("packPackage", () => {
  it("writes the conda metadata files with hashes and detected prefix placeholders", async () => {
    const { path, record } = await packPackage({ sourceDir: src, recipe: RECIPE, outDir: join(tmp, "out1") });
    assert.ok(path.endsWith("thing-1.2.3-h123_2.conda"));
    const bytes = await readFile(path);
    assert.equal(record.sha256, createHash("sha256").update(bytes).digest("hex"));
    assert.equal(record.size, bytes.length);
    assert.equal(record.fn, "thing-1.2.3-h123_2.conda");
    const info = await readPackageInfo(path);
    assert.deepEqual(info.index, {
      arch: "x86_64",
      build: "h123_2",
      build_number: 2,
      constrains: ["other <2"],
      depends: ["libzlib >=1.2"],
      license: "BSD-3-Clause",
      name: "thing",
      platform: "linux",
      subdir: "linux-64",
      version: "1.2.3",
    });
    const paths = (info.paths as { paths: Record<string, unknown>[] }).paths;
    const byPath = new Map(paths.map((p) => [p._path, p]));
    assert.deepEqual(byPath.get("bin/tool"), {
      _path: "bin/tool",
      file_mode: "text",
      path_type: "hardlink",
      prefix_placeholder: PLACEHOLDER,
      sha256: createHash("sha256")
        .update(await readFile(join(src, "bin", "tool")))
        .digest("hex"),
      size_in_bytes: (await readFile(join(src, "bin", "tool"))).length,
    });
    assert.equal(byPath.get("lib/libthing.so.1")!.file_mode, "binary");
    assert.equal(byPath.get("lib/libthing.so")!.path_type, "softlink");
    assert.equal(byPath.get("lib/libthing.so")!.sha256, byPath.get("lib/libthing.so.1")!.sha256);
    assert.equal(byPath.get("lib/plain.txt")!.prefix_placeholder, undefined);
    assert.equal(byPath.get("share/empty")!.path_type, "directory");
    assert.deepEqual(info.files, [
      "bin/tool",
      "lib/libthing.so",
      "lib/libthing.so.1",
      "lib/plain.txt",
      "ünïcode name.txt",
    ]);
    assert.deepEqual(info.hasPrefix, [
      `${PLACEHOLDER} text bin/tool`,
      `${PLACEHOLDER} binary lib/libthing.so.1`,
    ]);
    assert.deepEqual(info.runExports, { weak: ["thing >=1.2,<2"] });
    assert.equal(info.about?.summary, "a test package");
    assert.equal(info.about?.license, "BSD-3-Clause");
  });

  it("is deterministic: the same input gives the same bytes, in both formats", async () => {
    const a = await packPackage({
      sourceDir: src,
      recipe: RECIPE,
      outDir: join(tmp, "det-a"),
      formats: ["conda", "tar.bz2"],
    });
    const b = await packPackage({
      sourceDir: src,
      recipe: RECIPE,
      outDir: join(tmp, "det-b"),
      formats: ["conda", "tar.bz2"],
    });
    assert.equal(a.archives.length, 2);
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(await readFile(a.archives[i].path), await readFile(b.archives[i].path));
      assert.equal(a.archives[i].record.sha256, b.archives[i].record.sha256);
    }
  });

  it("round-trips through Debian's cph and through extractPackage with identical trees", async () => {
    const { archives } = await packPackage({
      sourceDir: src,
      recipe: RECIPE,
      outDir: join(tmp, "cph"),
      formats: ["conda", "tar.bz2"],
    });
    for (const a of archives) {
      const theirs = join(tmp, `cph-x-${a.record.fn}`);
      await run("cph", ["extract", a.path, "--dest", theirs]);
      const ours = await extractPackage(a.path, join(tmp, `our-x-${a.record.fn}`), {
        expectedSha256: a.record.sha256,
      });
      const tc = await describeTree(theirs);
      assert.deepEqual(await describeTree(ours.path), tc, a.record.fn);
      // The payload equals the source directory (cph keeps the exec bit and the symlink).
      const srcTree = await describeTree(src);
      for (const [p, d] of srcTree) assert.equal(tc.get(p), d, p);
      assert.ok(tc.has("info/index.json") && tc.has("info/paths.json"));
      // cph can also re-read the metadata as conda does.
      const listed = await run("cph", ["list", a.path]).catch(() => undefined);
      if (listed) assert.match(listed.stdout, /info\/index\.json/);
    }
  });

  it("writes link.json with entry points for noarch python", async () => {
    const py = join(tmp, "pysrc");
    await mkdir(join(py, "site-packages", "mod"), { recursive: true });
    await writeFile(join(py, "site-packages", "mod", "__init__.py"), "def main():\n    pass\n");
    const recipe = validateRecipe({
      name: "pymod",
      version: "0.1",
      noarch: "python",
      entry_points: ["mod-cli = mod:main"],
    });
    const { path, record } = await packPackage({ sourceDir: py, recipe, outDir: join(tmp, "py") });
    assert.equal(record.subdir, "noarch");
    assert.equal(record.build, "py_0");
    const info = await readPackageInfo(path);
    assert.deepEqual(info.linkJson, {
      noarch: { entry_points: ["mod-cli = mod:main"], type: "python" },
      package_metadata_version: 1,
    });
    assert.equal(info.index.noarch, "python");
    assert.equal(info.index.arch, null);
  });
});

describe("recipes", () => {
  it("reads YAML and conda-build-style nesting", async () => {
    const f = join(tmp, "recipe.yaml");
    await writeFile(
      f,
      "package:\n  name: foo\n  version: 2.0\nbuild:\n  number: 3\n  noarch: generic\nrequirements:\n  run:\n    - bar >=1\n",
    );
    const r = await readRecipe(f);
    assert.equal(r.name, "foo");
    assert.equal(r.version, "2.0");
    assert.equal(r.build_number, 3);
    assert.equal(r.noarch, "generic");
    assert.deepEqual(r.depends, ["bar >=1"]);
  });

  it("refuses bad recipes with a RecipeError naming the file", async () => {
    assert.throws(
      () => validateRecipe({ version: "1" }, "r.yaml"),
      (e: unknown) => e instanceof RecipeError && /r\.yaml/.test(e.message),
    );
    assert.throws(() => validateRecipe({ name: "x", version: "1-2" }), RecipeError);
    assert.throws(() => validateRecipe({ name: "x", version: "1", depends: "a" }), RecipeError);
    assert.throws(
      () => validateRecipe({ name: "x", version: "1", entry_points: ["a = b:c"] }),
      /noarch: python/,
    );
    const f = join(tmp, "bad.json");
    await writeFile(f, "{nope");
    await assert.rejects(readRecipe(f), RecipeError);
  });
});
