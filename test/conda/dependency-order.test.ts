import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dependencyOrder } from "../../src/conda/dependency-order.js";

const names = (rs: readonly { name: string }[]): string[] => rs.map((r) => r.name);

describe("dependencyOrder", () => {
  it("puts dependencies first, reading names out of full match specs", () => {
    const recs = [
      { name: "app", depends: ["conda-forge::python >=3.8", "zlib[version='>=1.2']"] },
      { name: "python", depends: ["zlib 1.2.*", "openssl>=3"] },
      { name: "openssl", depends: ["ca-certificates"] },
      { name: "zlib" },
    ];
    assert.deepEqual(names(dependencyOrder(recs)), ["openssl", "zlib", "python", "app"]);
  });

  it("does not depend on input order or on the order depends are listed in", () => {
    const a = [
      { name: "a", depends: ["c", "b"] },
      { name: "b", depends: [] },
      { name: "c", depends: [] },
    ];
    const b = [
      { name: "c", depends: [] },
      { name: "a", depends: ["b", "c"] },
      { name: "b", depends: [] },
    ];
    assert.deepEqual(names(dependencyOrder(a)), ["b", "c", "a"]);
    assert.deepEqual(names(dependencyOrder(b)), ["b", "c", "a"]);
  });

  it("breaks cycles and keeps every item once", () => {
    const recs = [
      { name: "x", depends: ["y"] },
      { name: "y", depends: ["x"] },
      { name: "w", depends: ["x"] },
    ];
    const out = names(dependencyOrder(recs));
    assert.deepEqual([...out].sort(), ["w", "x", "y"]);
    assert.ok(out.indexOf("w") > out.indexOf("x"));
  });

  it("starts with the `first` names and reads wrapped records through recordOf", () => {
    const items = [
      { record: { name: "aaa", depends: [] } },
      { record: { name: "python", depends: ["zlib"] } },
      { record: { name: "zlib", depends: [] } },
    ];
    const out = dependencyOrder(items, { recordOf: (t) => t.record, first: ["python"] });
    assert.deepEqual(
      out.map((t) => t.record.name),
      ["zlib", "python", "aaa"],
    );
    assert.deepEqual(names(dependencyOrder(items.map((t) => t.record))), ["aaa", "zlib", "python"]);
  });
});
