import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { solve } from "../../src/solver/conda/solve.js";
import { PackagesNotFoundError, UnsatisfiableError } from "../../src/solver/errors.js";
import { sharedData } from "../support/paths.js";
import { LocalIndex, linuxVirtualPackages } from "./local-index.js";

interface Case {
  source: string;
  channels: string[];
  platform: string;
  specs: string[];
  expected: string[] | "unsatisfiable";
}

const cases = JSON.parse(readFileSync(sharedData("solver", "conda-cases.json"), "utf8")) as Case[];
const indexes = new Map<string, LocalIndex>();

describe("conda's own solver test cases", () => {
  for (const c of cases) {
    it(`${c.source.split("::").pop()}: ${c.specs.join(" ")}`, () => {
      const key = `${c.channels.join(",")}/${c.platform}`;
      let index = indexes.get(key);
      if (!index) indexes.set(key, (index = LocalIndex.shared(c.channels, c.platform)));
      const run = () => solve({ specs: c.specs, index: index!, virtualPackages: linuxVirtualPackages() });
      if (c.expected === "unsatisfiable") {
        assert.throws(
          run,
          (e: unknown) => e instanceof UnsatisfiableError || e instanceof PackagesNotFoundError,
        );
        return;
      }
      const got = run()
        .records.map((r) => `${r.name}-${r.version}-${r.build}`)
        .sort();
      assert.deepEqual(got, c.expected);
    });
  }
});
