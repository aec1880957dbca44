// `taipan serve` as a user runs it: a subprocess on a random port, tokens made with
// `taipan serve token create`, SIGTERM for a graceful stop, then `taipan serve audit verify`.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { cliCommand, Sandbox } from "../cli/support/cli-sandbox.js";
import { makePackage, makeRoot, tempDir } from "./serve-support.js";

let work: string;
let root: string;
let sandbox: Sandbox;

before(async () => {
  work = await tempDir("serve-cli");
  root = await makeRoot(work);
  sandbox = await Sandbox.create("serve-cli");
});

after(async () => {
  await sandbox.cleanup();
  await rm(work, { recursive: true, force: true });
});

it("serve, upload with a CLI-made token, stop with SIGTERM, verify the audit chain (and catch an edit)", async () => {
  await writeFile(join(work, "server.yaml"), "channels:\n  priv: {access: private}\n");
  const created = JSON.parse(
    (
      await sandbox.ok([
        "serve",
        "token",
        "create",
        "--root",
        root,
        "--channel",
        "priv",
        "--scope",
        "write",
        "--json",
      ])
    ).stdout,
  ) as { id: string; token: string; scopes: string[] };
  assert.deepEqual(created.scopes, ["write:priv"]);
  const listed = await sandbox.ok(["serve", "token", "list", "--root", root, "--json"]);
  assert.ok(!listed.stdout.includes(created.token), "token list never shows the token");

  const child = spawn(
    process.execPath,
    [...cliCommand(), "serve", root, "--port", "0", "--config", join(work, "server.yaml"), "--json"],
    { env: sandbox.env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] },
  );
  const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  let out = "";
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const url = await new Promise<string>((ok, fail) => {
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      try {
        ok((JSON.parse(out) as { url: string }).url);
      } catch {}
    });
    child.on("close", () => fail(new Error(`serve exited early:\n${stderr}`)));
  });
  try {
    assert.equal((await fetch(`${url}/priv/noarch/repodata.json`)).status, 401);
    const built = await makePackage(work, { name: "viacli", version: "1.0" }, join(work, "out"));
    const put = await fetch(`${url}/t/${created.token}/api/channels/priv/noarch/viacli-1.0-0.conda`, {
      method: "PUT",
      body: await readFile(built.path),
    });
    assert.equal(put.status, 201);
    const rd = await fetch(`${url}/t/${created.token}/priv/noarch/repodata.json`);
    assert.ok(
      Object.keys(((await rd.json()) as { "packages.conda": object })["packages.conda"]).includes(
        "viacli-1.0-0.conda",
      ),
    );
  } finally {
    child.kill("SIGTERM");
  }
  assert.equal(await exited, 0, stderr);
  assert.doesNotMatch(stderr, new RegExp(created.token));

  const verified = JSON.parse(
    (await sandbox.ok(["serve", "audit", "verify", "--root", root, "--json"])).stdout,
  ) as {
    ok: boolean;
    lines: number;
  };
  assert.deepEqual([verified.ok, verified.lines], [true, 3]);
  const logFile = join(root, ".taipan-server", "audit.log");
  const text = await readFile(logFile, "utf8");
  await writeFile(logFile, text.replace('"status":401', '"status":200'));
  const broken = await sandbox.run(["serve", "audit", "verify", "--root", root]);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /audit log .* is not intact at line 2/);
});
