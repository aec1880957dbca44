// Reading `--file` arguments and an environment file's channels, as a library user would.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  applyFileChannels,
  readEnvironmentSpecFile,
  readSpecInput,
  SpecFileError,
  UnknownInstallerError,
} from "../../src/env/spec-input.js";

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "spec-input-"));
  writeFileSync(join(dir, "specs.txt"), "# a comment\nnumpy >=1.26  # trailing\n\nzlib\n");
  writeFileSync(
    join(dir, "environment.yml"),
    "name: demo\nchannels:\n  - conda-forge\n  - nodefaults\ndependencies:\n  - python=3.12\n  - pip:\n    - requests\n",
  );
  writeFileSync(join(dir, "npm.yml"), "dependencies:\n  - zlib\n  - npm:\n    - left-pad\n");
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("spec input", () => {
  test("a plain file is one spec per line, comments dropped, after the command-line specs", () => {
    assert.deepEqual(readSpecInput([join(dir, "specs.txt")], ["xz"]).specs, ["xz", "numpy >=1.26", "zlib"]);
  });

  test("a missing file is a SpecFileError naming it", () => {
    assert.throws(
      () => readSpecInput([join(dir, "nope.txt")], []),
      (e: unknown) => {
        assert.ok(e instanceof SpecFileError);
        assert.match(e.message, /nope\.txt.*no such file/);
        return true;
      },
    );
  });

  test("an environment file's channels go after -c; nodefaults drops the configured ones", () => {
    const input = readEnvironmentSpecFile(join(dir, "environment.yml"));
    assert.deepEqual(input.specs, ["python=3.12"]);
    assert.deepEqual(input.environment?.pip, ["requests"]);
    const opts: { channel?: string[]; overrideChannels?: boolean } = { channel: ["mine"] };
    applyFileChannels(opts, input);
    assert.deepEqual(opts, { channel: ["mine", "conda-forge"], overrideChannels: true });
    const overridden = { channel: ["mine"], overrideChannels: true };
    applyFileChannels(overridden, input);
    assert.deepEqual(overridden, { channel: ["mine"], overrideChannels: true });
  });

  test("an installer other than conda and pip is refused before anything is installed", () => {
    assert.throws(() => readEnvironmentSpecFile(join(dir, "npm.yml")), UnknownInstallerError);
  });
});
