import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { decompress } from "@mongodb-js/zstd";
import { unpack } from "msgpackr";
import { packPackage } from "../../src/package/pack/pack.js";
import { validateRecipe } from "../../src/package/pack/recipe.js";
import { indexChannel } from "../../src/server/index/index-channel.js";
import { sharedData } from "../support/paths.js";

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), "taipan-index-"));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function copyDir(from: string, to: string, filter: (f: string) => boolean = () => true): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const f of await readdir(from)) if (filter(f)) await copyFile(join(from, f), join(to, f));
  for (const f of await readdir(to)) await chmod(join(to, f), 0o644);
}

const isArchive = (f: string) => f.endsWith(".conda") || f.endsWith(".tar.bz2");
const readJson = async (p: string) => JSON.parse(await readFile(p, "utf8"));

describe("indexChannel on conda-format-repo", () => {
  let channel: string;
  before(async () => {
    channel = join(tmp, "format-repo");
    for (const s of ["linux-64", "osx-64", "win-32", "win-64"])
      await copyDir(sharedData("packages", "conda-format-repo", s), join(channel, s), isArchive);
  });

  it("writes the same records as the channel's own repodata.json (hashes, sizes, fields)", async () => {
    const { subdirs } = await indexChannel(channel);
    assert.deepEqual(
      subdirs.map((s) => [s.subdir, s.packages]),
      [
        ["linux-64", 2],
        ["noarch", 0],
        ["osx-64", 2],
        ["win-32", 2],
        ["win-64", 2],
      ],
    );
    for (const s of ["linux-64", "osx-64", "win-32", "win-64"]) {
      const ours = await readJson(join(channel, s, "repodata.json"));
      const given = await readJson(sharedData("packages", "conda-format-repo", s, "repodata.json"));
      assert.deepEqual(ours.info, { subdir: s });
      assert.deepEqual(ours.removed, []);
      assert.equal(ours.repodata_version, 1);
      for (const key of ["packages", "packages.conda"]) {
        assert.equal(Object.keys(ours[key]).length, 1, `${s} ${key}`);
        for (const [fn, rec] of Object.entries(ours[key]))
          assert.deepEqual(rec, given[key][fn], `${s}/${fn}`);
      }
    }
    // noarch/repodata.json exists even though the channel has no noarch packages.
    const noarch = await readJson(join(channel, "noarch", "repodata.json"));
    assert.deepEqual(noarch, {
      info: { subdir: "noarch" },
      packages: {},
      "packages.conda": {},
      removed: [],
      repodata_version: 1,
    });
  });

  it("writes .zst and .bz2 holding exactly repodata.json", async () => {
    const json = await readFile(join(channel, "linux-64", "repodata.json"));
    assert.deepEqual(await decompress(await readFile(join(channel, "linux-64", "repodata.json.zst"))), json);
    assert.deepEqual(execFileSync("bzip2", ["-dc", join(channel, "linux-64", "repodata.json.bz2")]), json);
  });

  it("writes CEP 16 shards: an index naming each shard by the sha256 of its bytes", async () => {
    const dir = join(channel, "win-64");
    const index = unpack(await decompress(await readFile(join(dir, "repodata_shards.msgpack.zst"))));
    assert.deepEqual(index.info, { subdir: "win-64", base_url: "", shards_base_url: "./shards/" });
    assert.deepEqual(Object.keys(index.shards), ["zlib"]);
    const hex = Buffer.from(index.shards.zlib).toString("hex");
    const bytes = await readFile(join(dir, "shards", `${hex}.msgpack.zst`));
    assert.equal(createHash("sha256").update(bytes).digest("hex"), hex);
    const shard = unpack(await decompress(bytes));
    const repodata = await readJson(join(dir, "repodata.json"));
    const [fn, rec] = Object.entries<Record<string, unknown>>(shard["packages.conda"])[0];
    assert.equal(
      Buffer.from(rec.sha256 as Uint8Array).toString("hex"),
      repodata["packages.conda"][fn].sha256,
    );
    assert.equal(Buffer.from(rec.md5 as Uint8Array).toString("hex"), repodata["packages.conda"][fn].md5);
    assert.deepEqual(rec.depends, repodata["packages.conda"][fn].depends);
    assert.deepEqual(shard.removed, []);
  });

  it("writes channeldata.json listing every name with its subdirs", async () => {
    const cd = await readJson(join(channel, "channeldata.json"));
    assert.equal(cd.channeldata_version, 1);
    assert.deepEqual(cd.subdirs, ["linux-64", "noarch", "osx-64", "win-32", "win-64"]);
    assert.deepEqual(cd.packages.zlib.subdirs, ["linux-64", "osx-64", "win-32", "win-64"]);
    assert.equal(cd.packages.zlib.version, "1.2.11");
    assert.equal(cd.packages.zlib.text_prefix || cd.packages.zlib.binary_prefix, true);
  });

  it("is incremental: unchanged files are not read again, changed and removed ones are noticed", async () => {
    const again = await indexChannel(channel);
    assert.equal(
      again.subdirs.reduce((n, s) => n + s.read, 0),
      0,
    );
    const before = await readFile(join(channel, "linux-64", "repodata.json"));
    assert.deepEqual(await readFile(join(channel, "linux-64", "repodata.json")), before);
    // A touched file is read again; a removed one disappears from repodata.
    const t = new Date(Date.now() + 5000);
    await utimes(join(channel, "osx-64", "zlib-1.2.11-h1de35cc_3.tar.bz2"), t, t);
    await rm(
      join(channel, "win-32", (await readdir(join(channel, "win-32"))).find((f) => f.endsWith(".conda"))!),
    );
    const third = await indexChannel(channel);
    assert.deepEqual(
      third.subdirs.filter((s) => s.read > 0).map((s) => [s.subdir, s.read]),
      [["osx-64", 1]],
    );
    const win32 = await readJson(join(channel, "win-32", "repodata.json"));
    assert.deepEqual(Object.keys(win32["packages.conda"]), []);
    // A garbled cache is never trusted: everything is read again.
    await writeFile(join(channel, "linux-64", ".cache", "taipan-index.json"), "{garbage");
    const fourth = await indexChannel(channel);
    assert.equal(fourth.subdirs.find((s) => s.subdir === "linux-64")!.read, 2);
    assert.deepEqual(await readFile(join(channel, "linux-64", "repodata.json")), before);
  });
});

describe("indexChannel on conda's test recipes, read back by rattler", () => {
  let channel: string;
  before(async () => {
    channel = join(tmp, "recipes");
    await copyDir(sharedData("packages", "conda-test-recipes", "noarch"), join(channel, "noarch"), isArchive);
    await copyDir(
      sharedData("packages", "conda-test-recipes", "linux-fake"),
      join(channel, "linux-fake"),
      isArchive,
    );
    await writeFile(join(channel, "noarch", "broken-1.0-0.conda"), "not a zip");
    // A linux-64 package made by taipan pack, depending on the noarch ones.
    const src = join(tmp, "tool-src");
    await mkdir(join(src, "bin"), { recursive: true });
    await writeFile(join(src, "bin", "mytool"), "#!/bin/sh\n");
    await packPackage({
      sourceDir: src,
      recipe: validateRecipe({
        name: "mytool",
        version: "1.0",
        subdir: "linux-64",
        depends: ["another_dependent >=2"],
      }),
      outDir: join(channel, "linux-64"),
    });
  });

  it("indexes every subdir and skips a broken upload with a warning", async () => {
    const { subdirs, warnings } = await indexChannel(channel);
    const noarch = subdirs.find((s) => s.subdir === "noarch")!;
    assert.equal(noarch.packages, (await readdir(join(channel, "noarch"))).filter(isArchive).length - 1);
    assert.deepEqual(
      noarch.skipped.map((s) => s.fn),
      ["broken-1.0-0.conda"],
    );
    assert.ok(warnings.some((w) => w.includes("broken-1.0-0.conda")));
    assert.equal(subdirs.find((s) => s.subdir === "linux-fake")!.packages, 3);
    const py = (await readJson(join(channel, "noarch", "repodata.json")))["packages.conda"][
      "python-3.99.99-0.conda"
    ];
    assert.equal(py.python_site_packages_path, "lib/python3.99t/site-packages");
    assert.equal(py.arch, undefined, "build-machine fields are dropped as conda-index does");
  });

  for (const useShards of [true, false]) {
    it(`is solvable by @conda-org/rattler simpleSolve (${useShards ? "CEP 16 shards" : "repodata.json"})`, async () => {
      const rattler = await import("@conda-org/rattler");
      const fetched: string[] = [];
      const realFetch = globalThis.fetch;
      globalThis.fetch = (async (input: string | URL | Request) => {
        const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
        fetched.push(url);
        const rel = url.replace(/^http:\/\/peer\.local\/ch\//, "");
        let status = 404;
        let body: Buffer | string = "not found";
        if (rel !== url && (useShards || !/shards/.test(rel))) {
          try {
            body = await readFile(join(channel, rel));
            status = 200;
          } catch {}
        }
        const res = new Response(body, { status });
        Object.defineProperty(res, "url", { value: url });
        return res;
      }) as typeof fetch;
      try {
        const solved = await rattler.simpleSolve(
          ["mytool", "sample_noarch_python"],
          ["http://peer.local/ch"],
          ["linux-64", "noarch"],
          null,
        );
        const got = solved.map((p) => `${p.packageName}-${p.version}-${p.build}`).sort();
        assert.deepEqual(got, [
          "another_dependent-2.0-0",
          "dependency-2.0-0",
          "dependent-2.0-0",
          "mytool-1.0-0",
          "python-3.99.99-0",
          "sample_noarch_python-1.0-py_0",
        ]);
        const repodata = await readJson(join(channel, "noarch", "repodata.json"));
        const dep = solved.find((p) => p.packageName === "dependency")!;
        assert.equal(dep.sha256, repodata["packages.conda"]["dependency-2.0-0.conda"].sha256);
        assert.equal(
          fetched.some((u) => /\/shards\/[0-9a-f]{64}\.msgpack\.zst$/.test(u)),
          useShards,
          `shards ${useShards ? "used" : "not used"}: ${fetched.join(" ")}`,
        );
      } finally {
        globalThis.fetch = realFetch;
      }
    });
  }
});
