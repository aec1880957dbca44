// conda's own solver test cases (../shared/data/solver/conda-cases.json) through the CLI contract of
// issue 4: `taipan create --dry-run --json -p PREFIX -c DIR --override-channels --platform P SPEC...`.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { promisify } from "node:util";
import { CLI_MAIN, sharedData } from "../support/paths.js";

const run = promisify(execFile);

interface Case {
  source: string;
  channels: string[];
  platform: string;
  specs: string[];
  expected: string[] | "unsatisfiable";
}

const cases = JSON.parse(readFileSync(sharedData("solver", "conda-cases.json"), "utf8")) as Case[];
const home = mkdtempSync(join(tmpdir(), "taipan-contract-"));
after(() => rmSync(home, { recursive: true, force: true }));

// Fixed virtual packages and an isolated root, so the host cannot change the answer.
const env = {
  ...process.env,
  HOME: home,
  TAIPAN_ROOT_PREFIX: join(home, "root"),
  CONDA_PKGS_DIRS: join(home, "pkgs"),
  CONDA_OVERRIDE_GLIBC: "2.35",
  CONDA_OVERRIDE_LINUX: "6.5",
  CONDA_OVERRIDE_CUDA: "",
};

async function taipan(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [CLI_MAIN, ...args], { env, maxBuffer: 64 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe("conda's solver cases through `taipan create --dry-run --json`", () => {
  for (const c of cases) {
    it(`${c.source.split("::").pop()}: ${c.specs.join(" ")}`, async () => {
      const channelArgs = c.channels.flatMap((ch) => ["-c", sharedData("channels", ch)]);
      const r = await taipan([
        "create",
        "--dry-run",
        "--json",
        "-p",
        join(home, "env"),
        "--override-channels",
        ...channelArgs,
        "--platform",
        c.platform,
        ...c.specs,
      ]);
      const out = JSON.parse(r.stdout) as Record<string, unknown>;
      if (c.expected === "unsatisfiable") {
        assert.equal(r.code, 1, r.stderr);
        assert.equal(out.success, false);
        assert.ok(
          out.exception_name === "UnsatisfiableError" || out.exception_name === "PackagesNotFoundError",
          String(out.exception_name),
        );
        assert.ok(typeof out.message === "string" && out.message.length > 0);
        return;
      }
      assert.equal(r.code, 0, r.stderr);
      assert.equal(out.success, true);
      assert.equal(out.dry_run, true);
      const actions = out.actions as { LINK: Record<string, unknown>[]; UNLINK: unknown[] };
      assert.deepEqual(actions.UNLINK, []);
      const got = actions.LINK.map((l) => `${l.name}-${l.version}-${l.build_string}`).sort();
      assert.deepEqual(got, c.expected);
      for (const l of actions.LINK) {
        for (const key of [
          "name",
          "version",
          "build_string",
          "build_number",
          "channel",
          "platform",
          "dist_name",
          "base_url",
          "url",
        ])
          assert.ok(key in l, `LINK entry lacks ${key}`);
        assert.match(String(l.url), /^file:\/\/.+\.(conda|tar\.bz2)$/);
      }
    });
  }
});
