import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { parseEnvironmentFile } from "../../src/env/environment-file.js";
import { compareEnvironment } from "../../src/ops/compare-environment.js";

const prefix = mkdtempSync(join(tmpdir(), "taipan-compare-"));
after(() => rmSync(prefix, { recursive: true, force: true }));

test("pip requirements are compared with the distributions pip installed", () => {
  mkdirSync(join(prefix, "conda-meta"));
  const dist = join(prefix, "lib", "python3.11", "site-packages", "requests-2.31.0.dist-info");
  mkdirSync(dist, { recursive: true });
  writeFileSync(join(dist, "METADATA"), "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n");
  const file = parseEnvironmentFile(
    "name: x\ndependencies:\n  - pip:\n    - requests==2.31.0\n    - flask\n",
  );
  assert.deepEqual(compareEnvironment(prefix, file), { ok: false, lines: ["flask not found"] });
  const older = parseEnvironmentFile("name: x\ndependencies:\n  - pip:\n    - requests==2.0\n");
  assert.deepEqual(compareEnvironment(prefix, older).lines, [
    "requests found but mismatch. Specification pkg: requests==2.0, Running pkg: requests==2.31.0=pypi_0",
  ]);
  assert.equal(
    compareEnvironment(prefix, parseEnvironmentFile("name: x\ndependencies:\n  - pip:\n    - requests\n")).ok,
    true,
  );
});
