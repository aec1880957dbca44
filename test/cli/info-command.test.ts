// `taipan info` through the real CLI: --base (what scripts eval), --envs, --json.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type CliWorld, createCliWorld } from "./cli-channel-fixture.js";

let w: CliWorld;
before(async () => {
  w = await createCliWorld("info");
  await w.ok(["create", "-n", "one", "dependency", "-y", "-q"]);
});
after(async () => {
  await w?.close();
});

describe("info", () => {
  test("--base prints the root prefix alone, or as root_prefix with --json", async () => {
    assert.equal(await w.ok(["info", "--base"]), `${w.root}\n`);
    assert.deepEqual(JSON.parse(await w.ok(["info", "--base", "--json"])), { root_prefix: w.root });
  });

  test("--envs --json lists the environments; plain --json has conda's keys", async () => {
    const envs = JSON.parse(await w.ok(["info", "--envs", "--json"])).envs as string[];
    assert.ok(envs.includes(join(w.root, "envs", "one")), envs.join(" "));
    const info = JSON.parse(await w.ok(["info", "--json"]));
    for (const k of ["root_prefix", "envs_dirs", "pkgs_dirs", "platform", "channels", "conda_version"])
      assert.ok(k in info, k);
    assert.equal(info.root_prefix, w.root);
  });
});
