// `taipan compare` through the real CLI, with conda's sentences and exit status.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type CliWorld, createCliWorld } from "./cli-channel-fixture.js";

let w: CliWorld;
before(async () => {
  w = await createCliWorld("compare");
  await w.ok(["create", "-n", "cmp", "hello", "libgreet=1.0", "-y", "-q"]);
});
after(async () => {
  await w?.close();
});

function envFile(name: string, deps: string[]): string {
  const f = join(w.home, `${name}.yml`);
  writeFileSync(
    f,
    `name: cmp\nchannels:\n  - ${w.url}\ndependencies:\n${deps.map((d) => `  - ${d}\n`).join("")}`,
  );
  return f;
}

describe("compare", () => {
  test("every spec satisfied: conda's success sentence, exit 0", async () => {
    const out = await w.ok([
      "compare",
      "-n",
      "cmp",
      envFile("ok", ["hello", "libgreet=1.0", "libgreet >=0.9,<2"]),
    ]);
    assert.equal(
      out.trim(),
      "Success. All the packages in the specification file are present in the environment with matching version and build string.",
    );
  });

  test("a mismatch and a missing package: one line each, exit 1; --json gives the same lines", async () => {
    const file = envFile("bad", ["libgreet=1.1", "dependency", "hello"]);
    const r = await w.taipan(["compare", "-n", "cmp", file]);
    assert.equal(r.code, 1);
    const lines = r.stdout.trim().split("\n");
    assert.deepEqual(lines, [
      "libgreet found but mismatch. Specification pkg: libgreet=1.1, Running pkg: libgreet==1.0=0",
      "dependency not found",
    ]);
    const j = await w.taipan(["compare", "-n", "cmp", file, "--json"]);
    assert.equal(j.code, 1);
    assert.deepEqual(JSON.parse(j.stdout), lines);
  });

  test("without -n the file's name picks the environment", async () => {
    const out = await w.ok(["compare", envFile("byname", ["hello"])]);
    assert.match(out, /^Success\./);
  });
});
