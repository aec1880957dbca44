import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadConfig } from "../../src/env/config.js";
import {
  environmentsTxtPath,
  listEnvironments,
  registerEnvironment,
  resolvePrefix,
  unregisterEnvironment,
} from "../../src/env/environments.js";
import { EnvironmentNotFoundError, InvalidEnvironmentError } from "../../src/env/errors.js";

let home: string;
let config: ReturnType<typeof loadConfig>;

function makeEnv(prefix: string, withRecord = false): string {
  mkdirSync(join(prefix, "conda-meta"), { recursive: true });
  writeFileSync(join(prefix, "conda-meta", "history"), "");
  if (withRecord) writeFileSync(join(prefix, "conda-meta", "zlib-1.2.11-0.json"), "{}");
  return prefix;
}

before(() => {
  home = mkdtempSync(join(tmpdir(), "taipan-envs-"));
  config = loadConfig({ env: { HOME: home, TAIPAN_ROOT_PREFIX: join(home, "tp") }, searchPath: [] });
  makeEnv(join(home, "tp"));
  makeEnv(join(home, "tp", "envs", "alpha"));
  makeEnv(join(home, ".conda", "envs", "beta"));
});
after(() => rmSync(home, { recursive: true, force: true }));

describe("resolvePrefix", () => {
  it("maps base, names in envs_dirs order, and paths", () => {
    assert.equal(resolvePrefix({ name: "base" }, config), join(home, "tp"));
    assert.equal(resolvePrefix({ name: "root" }, config), join(home, "tp"));
    assert.equal(resolvePrefix({ name: "alpha" }, config), join(home, "tp", "envs", "alpha"));
    assert.equal(resolvePrefix({ name: "beta" }, config), join(home, ".conda", "envs", "beta"));
    assert.equal(resolvePrefix({ prefix: "rel/p" }, config), join(process.cwd(), "rel/p"));
    assert.equal(resolvePrefix({}, config), join(home, "tp"));
    assert.equal(resolvePrefix({}, { ...config, activePrefix: "/active" }), "/active");
  });

  it("puts a new name in the first envs dir when it need not exist", () => {
    assert.equal(
      resolvePrefix({ name: "gamma" }, config, { mustExist: false }),
      join(home, "tp", "envs", "gamma"),
    );
  });

  it("says which environments exist when a name is unknown", () => {
    assert.throws(
      () => resolvePrefix({ name: "gamma" }, config),
      (e: unknown) =>
        e instanceof EnvironmentNotFoundError &&
        /environment 'gamma' not found/.test(e.message) &&
        /alpha, base, beta|alpha.*beta/.test(e.message) &&
        /taipan env list/.test(e.hint!),
    );
    assert.throws(() => resolvePrefix({ name: "bad name" }, config), InvalidEnvironmentError);
  });
});

describe("environments.txt", () => {
  it("registers once, lists registered prefixes, and unregisters emptied ones", () => {
    const elsewhere = makeEnv(join(home, "projects", "p1"), true);
    registerEnvironment(elsewhere, config);
    registerEnvironment(elsewhere, config);
    const file = environmentsTxtPath(config);
    assert.equal(file, join(home, ".conda", "environments.txt"));
    assert.equal(readFileSync(file, "utf8"), `${elsewhere}\n`);
    const envs = listEnvironments(config);
    assert.deepEqual(
      envs.map((e) => [e.name, e.prefix]),
      [
        ["beta", join(home, ".conda", "envs", "beta")],
        ["", elsewhere],
        ["base", join(home, "tp")],
        ["alpha", join(home, "tp", "envs", "alpha")],
      ].sort((a, b) => (a[1]! < b[1]! ? -1 : 1)),
    );
    // Still holds a package record: conda keeps it registered.
    unregisterEnvironment(elsewhere, config);
    assert.equal(readFileSync(file, "utf8"), `${elsewhere}\n`);
    rmSync(elsewhere, { recursive: true });
    unregisterEnvironment(elsewhere, config);
    assert.equal(readFileSync(file, "utf8"), "");
  });
});
