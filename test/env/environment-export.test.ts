import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { environmentFileFromRecords, exportChannelName } from "../../src/env/environment-export.js";
import { formatEnvironmentFile, parseEnvironmentFile } from "../../src/env/environment-file.js";
import { installPipRequirements, PipInstallError, PipNotAvailableError } from "../../src/env/pip-section.js";

let root: string;
const config = () => ({
  envs_dirs: [join(root, "envs")],
  root_prefix: root,
  env_prompt: "",
  changeps1: false,
});

before(() => {
  root = mkdtempSync(join(tmpdir(), "taipan-export-"));
});
after(() => rmSync(root, { recursive: true, force: true }));

describe("environment export", () => {
  it("writes name=version=build per record, record channels first, and parses back", () => {
    const env = environmentFileFromRecords(
      [
        {
          name: "zlib",
          version: "1.3.1",
          build: "h4ab18f5_1",
          channel: "https://conda.anaconda.org/conda-forge/linux-64",
        },
        { name: "python", version: "3.12.4", build: "h194c7f8_0", channel: "conda-forge" },
        {
          name: "mkl",
          version: "2023.1.0",
          build: "h213fc3f_46344",
          channel: "https://repo.anaconda.com/pkgs/main",
        },
      ],
      { name: "demo", channels: ["conda-forge", "bioconda"], variables: { A: "b" } },
    );
    assert.deepEqual(env.dependencies, [
      "mkl=2023.1.0=h213fc3f_46344",
      "python=3.12.4=h194c7f8_0",
      "zlib=1.3.1=h4ab18f5_1",
    ]);
    assert.deepEqual(env.channels, ["defaults", "conda-forge", "bioconda"]);
    assert.deepEqual(parseEnvironmentFile(formatEnvironmentFile(env)), env);
    const nb = environmentFileFromRecords([{ name: "a", version: "1", build: "0" }], { noBuilds: true });
    assert.deepEqual(nb.dependencies, ["a=1"]);
    assert.equal(
      exportChannelName("http://localhost:8080/my-channel/noarch"),
      "http://localhost:8080/my-channel",
    );
  });
});

describe("pip: sections", () => {
  it("runs the environment's python -m pip with a requirements file beside the environment file", async () => {
    const prefix = join(root, "envs", "withpip");
    mkdirSync(join(prefix, "bin"), { recursive: true });
    mkdirSync(join(prefix, "conda-meta"));
    writeFileSync(join(prefix, "conda-meta", "pip-24.0-pyhd8ed1ab_0.json"), "{}");
    const log = join(root, "pip-log.txt");
    // A stand-in python that records how it was called and what the requirements file held.
    writeFileSync(
      join(prefix, "bin", "python"),
      `#!/bin/sh\n{ echo "args=$*"; echo "cwd=$(pwd)"; echo "prefix=$CONDA_PREFIX"; cat "$6"; } > '${log}'\n`,
    );
    chmodSync(join(prefix, "bin", "python"), 0o755);
    const workdir = join(root, "project");
    mkdirSync(workdir);
    await installPipRequirements(prefix, ["requests==2.31.0", "-e ."], {
      config: config(),
      workdir,
      env: { PATH: "/bin" },
    });
    const text = readFileSync(log, "utf8");
    assert.match(
      text,
      /^args=-m pip install -U -r .*\/project\/condaenv\.[^/]+\/requirements\.txt --exists-action=b$/m,
    );
    assert.match(text, new RegExp(`^cwd=${workdir}$`, "m"));
    assert.match(text, new RegExp(`^prefix=${prefix}$`, "m"));
    assert.match(text, /^requests==2\.31\.0\n-e \.$/m);

    writeFileSync(join(prefix, "bin", "python"), "#!/bin/sh\nexit 3\n");
    await assert.rejects(
      installPipRequirements(prefix, ["x"], {
        config: config(),
        workdir,
        env: { PATH: "/bin" },
        stdio: "ignore",
      }),
      PipInstallError,
    );
  });

  it("says what is missing when the environment has no python or pip", async () => {
    const bare = join(root, "envs", "bare");
    mkdirSync(join(bare, "conda-meta"), { recursive: true });
    await assert.rejects(
      installPipRequirements(bare, ["x"], { config: config(), workdir: root }),
      (e: unknown) =>
        e instanceof PipNotAvailableError && /has no python/.test(e.message) && /'pip'/.test(e.hint!),
    );
    mkdirSync(join(bare, "bin"));
    writeFileSync(join(bare, "bin", "python"), "#!/bin/sh\n");
    chmodSync(join(bare, "bin", "python"), 0o755);
    await assert.rejects(
      installPipRequirements(bare, ["x"], { config: config(), workdir: root }),
      /has no pip/,
    );
  });
});
