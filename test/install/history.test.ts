import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  appendHistory,
  formatHistoryEntry,
  historyRevisions,
  parseHistory,
  readHistory,
} from "../../src/install/history.js";
import { sharedData } from "../support/paths.js";
import { removeDir, tempDir } from "./fixtures.js";

describe("conda-meta/history", () => {
  it("parses every real history file into revisions that match the installed records", () => {
    const envs = sharedData("conda-meta", "conda-env-metadata");
    let checked = 0;
    for (const env of readdirSync(envs)) {
      const file = join(envs, env, "conda-meta", "history");
      if (!existsSync(file)) continue;
      const entries = parseHistory(readFileSync(file, "utf8"));
      assert.ok(entries.length > 0, env);
      assert.ok(entries[0].cmd, `${env}: first block has a cmd`);
      assert.match(entries[0].date, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      const revs = historyRevisions(entries);
      const last = revs[revs.length - 1].packages;
      // every conda-installed record of the prefix is in the last revision
      const dists = new Set([...last].map((d) => d.split("::").pop()));
      for (const f of readdirSync(join(envs, env, "conda-meta")).filter((n) => n.endsWith(".json"))) {
        const rec = JSON.parse(readFileSync(join(envs, env, "conda-meta", f), "utf8"));
        if (rec.channel === "pypi" || String(rec.build).startsWith("pypi")) continue;
        assert.ok(dists.has(f.replace(/\.json$/, "")), `${env}: ${f} in history`);
      }
      checked++;
    }
    assert.ok(checked >= 5);
  });

  it("reads update specs and diffs", () => {
    const text = [
      "==> 2018-08-14 20:10:51 <==",
      "# cmd: conda create -n x python=3.7 -y",
      "# conda version: 4.5.10",
      "+defaults::python-3.7.0-hea74fb7_0",
      "+defaults::pip-10.0.1-py37_0",
      "# update specs: ['python=3.7', \"a'b\"]",
      "==> 2018-08-15 10:00:00 <==",
      "# cmd: conda remove pip",
      "-defaults::pip-10.0.1-py37_0",
      "# remove specs: ['pip']",
    ].join("\n");
    const entries = parseHistory(text);
    assert.deepEqual(entries[0].updateSpecs, ["python=3.7", "a'b"]);
    assert.equal(entries[0].condaVersion, "4.5.10");
    assert.deepEqual(entries[1].removeSpecs, ["pip"]);
    const revs = historyRevisions(entries);
    assert.deepEqual([...revs[0].packages].sort(), [
      "defaults::pip-10.0.1-py37_0",
      "defaults::python-3.7.0-hea74fb7_0",
    ]);
    assert.deepEqual([...revs[1].packages], ["defaults::python-3.7.0-hea74fb7_0"]);
  });

  it("treats a block without +/- lines as a full state (very old conda)", () => {
    const revs = historyRevisions(
      parseHistory("==> 2014-01-01 00:00:00 <==\nzlib-1.2.7-0\npython-2.7.6-1\n"),
    );
    assert.deepEqual([...revs[0].packages].sort(), ["python-2.7.6-1", "zlib-1.2.7-0"]);
  });

  describe("writing", () => {
    let prefix: string;
    before(() => {
      prefix = tempDir("history");
    });
    after(() => removeDir(prefix));

    it("writes conda's format, once per transaction", () => {
      const change = {
        date: "2026-11-26 01:02:03",
        cmd: "taipan create -p /x zlib",
        version: "0.1.0",
        removed: ["defaults::zlib-1.2.8-0"],
        added: ["conda-forge::zlib-1.3-0", "conda-forge::abc-1-0"],
        updateSpecs: ["zlib"],
      };
      assert.equal(
        formatHistoryEntry(change),
        "==> 2026-11-26 01:02:03 <==\n# cmd: taipan create -p /x zlib\n# conda version: 0.1.0\n" +
          "-defaults::zlib-1.2.8-0\n+conda-forge::abc-1-0\n+conda-forge::zlib-1.3-0\n# update specs: ['zlib']\n",
      );
      appendHistory(prefix, change);
      appendHistory(prefix, change);
      const entries = readHistory(prefix);
      assert.equal(entries.length, 1);
      assert.deepEqual(entries[0].added, ["conda-forge::abc-1-0", "conda-forge::zlib-1.3-0"]);
      appendHistory(prefix, { ...change, date: "2026-11-26 01:05:00", removed: [], added: ["x::y-1-0"] });
      assert.equal(readHistory(prefix).length, 2);
    });
  });
});
