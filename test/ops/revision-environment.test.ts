// Reading history entries back into exact specs for `install --revision`.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { historyDistToSpec, RevisionError } from "../../src/ops/revision-environment.js";

describe("historyDistToSpec", () => {
  test("channel::name-version-build becomes an exact channel::name=version=build", () => {
    assert.equal(
      historyDistToSpec("conda-forge::python-dateutil-2.9.0-pyhd8ed1ab_0"),
      "conda-forge::python-dateutil=2.9.0=pyhd8ed1ab_0",
    );
  });

  test("an unknown channel is left out", () => {
    assert.equal(historyDistToSpec("<unknown>::zlib-1.2.13-0"), "zlib=1.2.13=0");
    assert.equal(historyDistToSpec("zlib-1.2.13-0"), "zlib=1.2.13=0");
  });

  test("an entry without version and build is a RevisionError (conda's CondaValueError)", () => {
    assert.throws(
      () => historyDistToSpec("conda-forge::zlib"),
      (e: unknown) => {
        assert.ok(e instanceof RevisionError);
        assert.equal(e.exceptionName, "CondaValueError");
        return true;
      },
    );
  });
});
