import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { RepodataParseError } from "../../src/repodata/errors.js";
import { SparseRepodata } from "../../src/repodata/sparse-index.js";

const OPTS = {
  source: "test/repodata.json",
  subdir: "linux-64",
  channel: "ch",
  subdirUrl: "https://x.org/ch/linux-64",
};

function parse(doc: unknown, indent?: number | string): SparseRepodata {
  return SparseRepodata.parse(Buffer.from(JSON.stringify(doc, null, indent)), OPTS);
}

/** JSON with object keys sorted, so key order does not matter when comparing records. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );
}

function rec(name: string, version: string, build: string, extra: Record<string, unknown> = {}) {
  return { name, version, build, build_number: 0, depends: [], ...extra };
}

describe("SparseRepodata", () => {
  test("records keep every field, with the channel, subdir and URL filled in", () => {
    const r = rec("zlib", "1.2.13", "h0_0", {
      depends: ["libgcc-ng >=12"],
      sha256: "ab".repeat(32),
      timestamp: 1700000000000,
      run_exports: { weak: ["zlib >=1.2"] },
      custom_field: { nested: ["{", "}", '"quoted"'] },
    });
    const sp = parse({ packages: { "zlib-1.2.13-h0_0.tar.bz2": r } }, 2);
    const [got] = sp.records("zlib");
    assert.equal(got.fn, "zlib-1.2.13-h0_0.tar.bz2");
    assert.equal(got.url, "https://x.org/ch/linux-64/zlib-1.2.13-h0_0.tar.bz2");
    assert.equal(got.channel, "ch");
    assert.equal(got.subdir, "linux-64");
    assert.deepEqual(got.depends, ["libgcc-ng >=12"]);
    assert.deepEqual(got.run_exports, { weak: ["zlib >=1.2"] });
    assert.deepEqual(got.extra.custom_field, { nested: ["{", "}", '"quoted"'] });
  });

  test(".conda wins over .tar.bz2 of the same name-version-build; removed files are dropped", () => {
    const sp = parse({
      packages: {
        "a-1-0.tar.bz2": rec("a", "1", "0"),
        "a-2-0.tar.bz2": rec("a", "2", "0"),
        "a-3-0.tar.bz2": rec("a", "3", "0"),
      },
      "packages.conda": { "a-1-0.conda": rec("a", "1", "0") },
      removed: ["a-3-0.tar.bz2"],
    });
    assert.deepEqual(
      sp
        .records("a")
        .map((r) => r.fn)
        .sort(),
      ["a-1-0.conda", "a-2-0.tar.bz2"],
    );
    assert.equal(sp.entryCount, 4);
  });

  test("CEP 15 base_url (absolute or relative) decides record URLs; info.subdir wins", () => {
    const abs = parse({
      info: { subdir: "linux-aarch64", base_url: "https://cdn.example.com/pkgs/" },
      repodata_version: 2,
      packages: { "a-1-0.tar.bz2": rec("a", "1", "0") },
    });
    assert.equal(abs.records("a")[0].url, "https://cdn.example.com/pkgs/a-1-0.tar.bz2");
    assert.equal(abs.subdir, "linux-aarch64");
    assert.equal(abs.repodataVersion, 2);
    const relative = parse({
      info: { base_url: "../../mirror/" },
      repodata_version: 2,
      packages: { "a-1-0.tar.bz2": rec("a", "1", "0") },
    });
    assert.equal(relative.records("a")[0].url, "https://x.org/mirror/a-1-0.tar.bz2");
  });

  test("keys in any order, escapes in names and filenames, a BOM, whitespace anywhere", () => {
    const text = `\ufeff {"packages.conda" : { "b\\u002dx-1-0.conda" :{"version":"1" , "build":"0","name" : "b\\u002dx","depends":["c \\"q\\""]}} ,
      "info":{"subdir":"noarch"}, "packages":{} }`;
    const sp = SparseRepodata.parse(Buffer.from(text), OPTS);
    assert.deepEqual([...sp.names()], ["b-x"]);
    const [r] = sp.records("b-x");
    assert.equal(r.fn, "b-x-1-0.conda");
    assert.deepEqual(r.depends, ['c "q"']);
    assert.equal(sp.subdir, "noarch");
  });

  test("a record without a name is indexed under the name in its filename", () => {
    const sp = parse({ packages: { "my-pkg-1.0-py_0.tar.bz2": { version: "1.0", build: "py_0" } } });
    assert.equal(sp.records("my-pkg")[0].name, "my-pkg");
  });

  test("an unusable record is skipped with a warning, the others stay", () => {
    const sp = parse({
      packages: { "a-1-0.tar.bz2": { name: "a", build: "0" }, "a-2-0.tar.bz2": rec("a", "2", "0") },
    });
    assert.deepEqual(
      sp.records("a").map((r) => r.version),
      ["2"],
    );
    assert.equal(sp.warnings.length, 1);
    assert.match(sp.warnings[0], /a-1-0\.tar\.bz2/);
  });

  const malformed: [string, string][] = [
    ["empty", ""],
    ["not an object", "[1, 2]"],
    ["truncated record", '{"packages": {"a-1-0.conda": {"name": "a", "depends": ["x"'],
    ["unterminated string", '{"packages": {"a-1-0.conda": {"name": "a'],
    ["missing colon", '{"packages" {}}'],
    ["trailing garbage", '{"packages": {}} xyz'],
    ["record not an object", '{"packages": {"a-1-0.conda": 5}}'],
    ["packages not an object", '{"packages": 5}'],
  ];
  for (const [what, text] of malformed) {
    test(`malformed input is a RepodataParseError naming the file: ${what}`, () => {
      assert.throws(
        () => SparseRepodata.parse(Buffer.from(text), OPTS),
        (e: unknown) =>
          e instanceof RepodataParseError && e.message.includes("test/repodata.json") && !!e.hint,
      );
    });
  }

  test("a syntax error inside one record surfaces when that name is read, naming file and record", () => {
    const sp = SparseRepodata.parse(
      Buffer.from('{"packages": {"a-1-0.conda": {"name": "a", "size": 1x}}}'),
      OPTS,
    );
    assert.throws(
      () => sp.records("a"),
      (e: unknown) => e instanceof RepodataParseError && /a-1-0\.conda/.test(e.message),
    );
  });

  test("repodata_version newer than 2 is refused with an upgrade hint", () => {
    assert.throws(
      () => parse({ repodata_version: 3, packages: {} }),
      (e: unknown) =>
        e instanceof RepodataParseError &&
        /repodata_version 3/.test(e.message) &&
        /Upgrade/.test(e.hint ?? ""),
    );
  });

  test("property: same records as JSON.parse for random repodata in any formatting, raw or compacted", async () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9_.]{0,6}(-[a-z]{1,3})?$/);
    const str = fc.string({ maxLength: 12 });
    const record = fc.record({
      name,
      version: fc.stringMatching(/^[0-9][0-9a-z.]{0,5}$/),
      build: fc.stringMatching(/^[a-z0-9_]{1,6}$/),
      depends: fc.array(str, { maxLength: 4 }),
      // prefixed: keys that are record fields (fn, url, license...) are not "extra"
      extra: fc.dictionary(
        str.map((k) => `x_${k}`),
        fc.jsonValue({ maxDepth: 3 }),
        { maxKeys: 3 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(record, fc.boolean()), { maxLength: 25 }),
        fc.constantFrom<number | string | undefined>(undefined, 0, 1, 2, "\t"),
        fc.boolean(),
        async (entries, indent, compact) => {
          const packages: Record<string, unknown> = {};
          const conda: Record<string, unknown> = {};
          const want = new Map<string, Set<string>>();
          for (const [r, isConda] of entries) {
            const stem = `${r.name}-${r.version}-${r.build}`;
            const body = { ...r.extra, name: r.name, version: r.version, build: r.build, depends: r.depends };
            if (isConda) conda[`${stem}.conda`] = body;
            else packages[`${stem}.tar.bz2`] = body;
          }
          const stems = new Set(Object.keys(conda).map((k) => k.slice(0, -6)));
          for (const [fn, b] of [...Object.entries(packages), ...Object.entries(conda)]) {
            if (fn.endsWith(".tar.bz2") && stems.has(fn.slice(0, -8))) continue;
            const r = b as { name: string };
            const set = want.get(r.name) ?? new Set<string>();
            set.add(canonical(b));
            want.set(r.name, set);
          }
          const sp = parse({ packages, "packages.conda": conda }, indent);
          if (compact) await sp.compact();
          assert.deepEqual(new Set(sp.names()), new Set(want.keys()));
          for (const [n, set] of want) {
            const got = sp.records(n).map((r) => {
              const { name, version, build, depends } = r;
              return canonical({ ...r.extra, name, version, build, depends });
            });
            assert.deepEqual(new Set(got), set);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
