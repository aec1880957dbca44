import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { Command } from "commander";
import { register as registerIndex } from "../../src/cli/commands/index.js";
import { register as registerPack } from "../../src/cli/commands/pack.js";
import { sharedData } from "../support/paths.js";

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), "taipan-index-cli-"));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function run(args: string[]): Promise<string> {
  const program = new Command("taipan").exitOverride();
  registerIndex(program);
  registerPack(program);
  let out = "";
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => {
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(args, { from: "user" });
  } finally {
    process.stdout.write = write;
  }
  return out;
}

it("taipan pack then taipan index --json make a channel whose repodata lists the new package", async () => {
  const channel = join(tmp, "channel");
  await mkdir(join(channel, "noarch"), { recursive: true });
  await copyFile(
    sharedData("packages", "conda-test-recipes", "noarch", "dependency-1.0-0.conda"),
    join(channel, "noarch", "dependency-1.0-0.conda"),
  );
  const src = join(tmp, "src");
  await mkdir(join(src, "share"), { recursive: true });
  const { writeFile } = await import("node:fs/promises");
  await writeFile(join(src, "share", "hello.txt"), "hello\n");
  const recipe = join(tmp, "recipe.yaml");
  await writeFile(recipe, "name: hello\nversion: 0.1.0\nnoarch: generic\ndepends: [dependency]\n");
  const packed = JSON.parse(await run(["pack", src, "-r", recipe, "-o", join(channel, "noarch"), "--json"]));
  assert.equal(packed[0].record.name, "hello");
  const result = JSON.parse(await run(["index", channel, "--json", "--no-shards"]));
  assert.deepEqual(
    result.subdirs.map((s: { subdir: string; packages: number }) => [s.subdir, s.packages]),
    [["noarch", 2]],
  );
  const repodata = JSON.parse(await readFile(join(channel, "noarch", "repodata.json"), "utf8"));
  assert.equal(repodata["packages.conda"]["hello-0.1.0-0.conda"].sha256, packed[0].record.sha256);
  assert.deepEqual(repodata["packages.conda"]["hello-0.1.0-0.conda"].depends, ["dependency"]);
  await assert.rejects(readFile(join(channel, "noarch", "repodata_shards.msgpack.zst")), { code: "ENOENT" });
});
