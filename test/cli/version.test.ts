import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { CLI_MAIN, REPO_ROOT } from "../support/paths.js";

test("taipan --version prints the package version", () => {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
  const out = execFileSync(process.execPath, [CLI_MAIN, "--version"], { encoding: "utf8" });
  assert.equal(out.trim(), `taipan ${pkg.version}`);
});

test("the built entry point runs directly (what npx and the bin link do)", {
  skip: process.env.TAIPAN_CLI_MAIN ? "TAIPAN_CLI_MAIN points at another build" : false,
}, () => {
  const out = execFileSync(CLI_MAIN, ["--version"], { encoding: "utf8" });
  assert.match(out, /^taipan \d+\.\d+\.\d+/);
});
