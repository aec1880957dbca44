import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { dependencyOrder as sortForExplicit } from "../../src/conda/dependency-order.js";
import { stripUrlCredentials as removeCredentials } from "../../src/conda/url-credentials.js";
import { ExplicitFileError } from "../../src/env/errors.js";
import {
  formatExplicitFile,
  isExplicitText,
  parseExplicitFile,
  parseExplicitLine,
  readExplicitFile,
} from "../../src/env/explicit-file.js";
import { sharedData } from "../support/paths.js";

const DIR = sharedData("lockfiles", "rattler", "explicit-envs");

describe("@EXPLICIT files", () => {
  it("parses every real explicit file and writes it back byte for byte", () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith(".txt"));
    assert.ok(files.length >= 3);
    for (const f of files) {
      const text = readFileSync(`${DIR}/${f}`, "utf8");
      assert.ok(isExplicitText(text));
      const parsed = readExplicitFile(`${DIR}/${f}`);
      assert.ok(parsed.packages.length > 0);
      assert.equal(parsed.platform, f.replace(/^.*_|\.txt$/g, ""));
      const hash = parsed.packages[0]!.md5 ? "md5" : parsed.packages[0]!.sha256 ? "sha256" : undefined;
      const records = parsed.packages.map((p) => ({ url: p.url, md5: p.md5, sha256: p.sha256, fn: p.fn }));
      assert.equal(formatExplicitFile(records, parsed.platform!, { hash }), text, f);
    }
  });

  it("splits the URL into channel subdir, file name, name, version, build and hash", () => {
    const xt = readExplicitFile(`${DIR}/xtensor_linux-64.txt`);
    const e = xt.packages.find((p) => p.name === "xtensor")!;
    assert.deepEqual(e, {
      url: "https://conda.anaconda.org/conda-forge/linux-64/xtensor-0.21.8-hc9558a2_0.tar.bz2",
      fn: "xtensor-0.21.8-hc9558a2_0.tar.bz2",
      name: "xtensor",
      version: "0.21.8",
      build: "hc9558a2_0",
      subdirUrl: "https://conda.anaconda.org/conda-forge/linux-64",
      subdir: "linux-64",
      md5: "1030174db5c183f3afb4181a0a02873d",
    });
    const vs = readExplicitFile(`${DIR}/vs2015_runtime_win-64.txt`);
    assert.equal(vs.packages[1]!.name, "vs2015_runtime");
    assert.equal(vs.packages[1]!.fn.endsWith(".conda"), true);
    const sha = "a".repeat(64);
    assert.equal(parseExplicitLine(`https://x/noarch/a-1-0.conda#${sha}`).sha256, sha);
    assert.equal(parseExplicitLine(`https://x/noarch/a-1-0.conda#sha256:${sha}`).sha256, sha);
    assert.equal(parseExplicitLine("file:///tmp/ch/linux-64/my-pkg-1.0-py_0.tar.bz2").name, "my-pkg");
  });

  it("rejects lines that are not package URLs, with the line number", () => {
    const cases: [string, RegExp][] = [
      ["@EXPLICIT\nnumpy\n", /:2: 'numpy' is not a package URL/],
      ["@EXPLICIT\nhttps://x/linux-64/a-1-0.conda#zz\n", /:2: 'zz' after '#'/],
      ["https://x/linux-64/a-1-0.conda\n", /:1: .*comes before the @EXPLICIT line/],
      ["# only a comment\n", /no @EXPLICIT line/],
    ];
    for (const [text, re] of cases) {
      assert.throws(
        () => parseExplicitFile(text, "f.txt"),
        (err: unknown) => err instanceof ExplicitFileError && re.test(err.message) && !!err.hint,
        text,
      );
    }
  });

  it("writes records without URLs as comments and removes credentials", () => {
    const out = formatExplicitFile(
      [
        {
          url: "https://u:p@h.example/t/tk-123/ch/linux-64/a-1-0.conda",
          sha256: "b".repeat(64),
          md5: "c".repeat(32),
        },
        { fn: "local-1-0.conda" },
      ],
      "linux-64",
      { hash: "sha256" },
    );
    assert.match(out, /^# platform: linux-64$/m);
    assert.match(out, new RegExp(`^https://h.example/ch/linux-64/a-1-0.conda#${"b".repeat(64)}$`, "m"));
    assert.match(out, /^# no URL for: local-1-0.conda$/m);
    assert.equal(removeCredentials("https://h/t/abc/x/y"), "https://h/x/y");
  });

  it("orders records dependencies first", () => {
    const recs = [
      { name: "app", depends: ["python >=3.8", "zlib"] },
      { name: "python", depends: ["zlib 1.2.*", "openssl"] },
      { name: "openssl", depends: [] },
      { name: "zlib" },
    ];
    assert.deepEqual(
      sortForExplicit(recs).map((r) => r.name),
      ["openssl", "zlib", "python", "app"],
    );
  });
});
