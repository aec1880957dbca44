import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { describe, it } from "node:test";
import {
  formatEnvironmentFile,
  parseEnvironmentFile,
  readEnvironmentFile,
} from "../../src/env/environment-file.js";
import { EnvironmentFileError } from "../../src/env/errors.js";
import { sharedData } from "../support/paths.js";

const DIR = sharedData("lockfiles", "rattler", "environments");

describe("environment.yml", () => {
  it("parses every real environment file in the shared data", () => {
    const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));
    assert.ok(files.length >= 5);
    for (const f of files) {
      const env = readEnvironmentFile(`${DIR}/${f}`);
      assert.ok(env.dependencies.length > 0, f);
      assert.ok(env.channels.length > 0, f);
      // A round trip through the writer gives the same content.
      assert.deepEqual(parseEnvironmentFile(formatEnvironmentFile(env)), env, f);
    }
  });

  it("splits pip sections, variables and extra keys", () => {
    const vqgan = readEnvironmentFile(`${DIR}/asymmetric_vqgan.environment.yaml`);
    assert.equal(vqgan.name, undefined);
    assert.deepEqual(vqgan.channels, ["pytorch", "defaults"]);
    assert.equal(vqgan.dependencies[0], "python=3.8.5");
    assert.equal(vqgan.dependencies.length, 6);
    assert.equal(vqgan.pip.length, 19);
    assert.equal(vqgan.pip.at(-1), "-e .");
    const vars = readEnvironmentFile(`${DIR}/variables.environment.yaml`);
    assert.deepEqual(vars.variables, { MY_ENV_VAR: "My Value" });
    assert.equal(vars.name, "test");
    const lock = readEnvironmentFile(`${DIR}/conda_lock_dev.environment.yaml`);
    assert.deepEqual(lock.extra, { category: "dev" });
    assert.deepEqual(lock.pip, ["types-click-default-group"]);
    const inv = readEnvironmentFile(`${DIR}/channel_inversion.environment.yaml`);
    assert.deepEqual(inv.dependencies, ["cudf", "conda-forge::cuda-python"]);
  });

  it("writes the layout conda env export uses", () => {
    const text = formatEnvironmentFile({
      name: "demo",
      channels: ["conda-forge"],
      dependencies: ["python=3.12.1=h1_0", "pip=24.0=pyhd8ed1ab_0"],
      pip: ["requests==2.31.0"],
      otherInstallers: {},
      variables: { A: "1" },
      prefix: "/envs/demo",
      extra: {},
    });
    assert.equal(
      text,
      'name: demo\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.12.1=h1_0\n  - pip=24.0=pyhd8ed1ab_0\n  - pip:\n      - requests==2.31.0\nvariables:\n  A: "1"\nprefix: /envs/demo\n',
    );
  });

  it("names the file and key of what is wrong", () => {
    const cases: [string, RegExp][] = [
      ["dependencies: numpy\n", /env\.yml \(key 'dependencies'\)/],
      ["dependencies:\n  - [a, b]\n", /key 'dependencies\[0\]'/],
      ["dependencies:\n  - pip: numpy\n", /key 'dependencies\[0\]\.pip'/],
      ["channels: {a: 1}\n", /key 'channels'/],
      ["variables: [A]\n", /key 'variables'/],
      ["variables:\n  A: {b: 1}\n", /key 'variables\.A'/],
      ["name: [x]\n", /key 'name'/],
      ["dependencies: [unclosed\n", /env\.yml:\d+: not valid YAML/],
      ["", /is empty/],
    ];
    for (const [text, re] of cases) {
      assert.throws(
        () => parseEnvironmentFile(text, "env.yml"),
        (e: unknown) => e instanceof EnvironmentFileError && re.test(e.message) && !!e.hint,
        text,
      );
    }
    assert.throws(() => readEnvironmentFile("/nonexistent/env.yml"), /cannot be read \(ENOENT\)/);
  });
});
