import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { describe, it } from "node:test";
import { TaipanError } from "../../src/conda/errors.js";
import { InvalidRecordError, normalizeTimestamp, PackageRecord } from "../../src/conda/package-record.js";
import { sharedData } from "../support/paths.js";

type Json = Record<string, unknown>;

/** `<channel>/<subdir>/repodata.json` files of the shared data, plus conda's format-test repo. */
function repodataFiles(): string[] {
  const out: string[] = [];
  for (const root of [sharedData("channels"), sharedData("packages")]) {
    for (const ch of readdirSync(root)) {
      if (!statSync(join(root, ch)).isDirectory()) continue;
      for (const sub of readdirSync(join(root, ch))) {
        const f = join(root, ch, sub, "repodata.json");
        try {
          if (statSync(f).isFile()) out.push(f);
        } catch {
          // not a channel subdir
        }
      }
    }
  }
  return out.sort();
}

interface Loaded {
  file: string;
  channel: string;
  subdir: string;
  raw: [string, Json, "packages" | "packages.conda"][];
  records: PackageRecord[];
}

function load(file: string): Loaded {
  const subdir = basename(dirname(file));
  const channel = basename(dirname(dirname(file)));
  const rd = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  const raw: Loaded["raw"] = [];
  const records: PackageRecord[] = [];
  for (const key of ["packages", "packages.conda"] as const) {
    for (const [fn, obj] of Object.entries((rd[key] ?? {}) as Record<string, Json>)) {
      raw.push([fn, obj, key]);
      records.push(
        PackageRecord.fromJson(obj, {
          fn,
          subdir,
          channel,
          baseUrl: `file:///channels/${channel}/${subdir}/`,
        }),
      );
    }
  }
  return { file, channel, subdir, raw, records };
}

const loaded = repodataFiles().map(load);
const byKey = new Map<string, { rec: PackageRecord; raw: Json }>();
for (const l of loaded)
  l.raw.forEach(([fn, raw], i) => {
    byKey.set(`${l.channel}/${l.subdir}/${fn}`, { rec: l.records[i], raw });
  });
function get(key: string): PackageRecord {
  const r = byKey.get(key);
  assert.ok(r, `no record ${key}`);
  return r.rec;
}

describe("PackageRecord.fromJson over every shared repodata file", () => {
  it("loads the documented number of records per channel/subdir", () => {
    const counts: Record<string, number> = {};
    for (const l of loaded) counts[`${l.channel}/${l.subdir}`] = l.records.length;
    assert.deepEqual(counts, {
      "anaconda-main/noarch": 322,
      "anaconda-r/linux-64": 4211,
      "conda-index1-pip/linux-64": 1149,
      "conda-index1-pip/noarch": 0,
      "conda-index1/linux-64": 1149,
      "conda-index1/noarch": 0,
      "conda-index2/linux-64": 4112,
      "conda-index2/noarch": 6,
      "conda-index4/linux-64": 5305,
      "conda-index4/noarch": 338,
      "conda-index5/linux-64": 820,
      "conda-index5/noarch": 332,
      "conda-format-repo/linux-64": 3,
      "conda-format-repo/osx-64": 2,
      "conda-format-repo/win-32": 2,
      "conda-format-repo/win-64": 5,
      "pytorch/linux-64": 2181,
    });
    const conda = loaded.flatMap((l) => l.raw.filter(([, , k]) => k === "packages.conda"));
    assert.ok(conda.length >= 4, "the format repo has .conda records");
  });

  it("keeps name, version, build, depends and the context fields of every record", () => {
    for (const l of loaded)
      l.raw.forEach(([fn, raw], i) => {
        const r = l.records[i];
        const where = `${l.channel}/${l.subdir}/${fn}`;
        assert.equal(r.name, raw.name, where);
        assert.equal(r.version, String(raw.version), where);
        assert.equal(r.build, raw.build, where);
        assert.equal(r.build_number, raw.build_number ?? 0, where);
        assert.deepEqual(r.depends, raw.depends ?? [], where);
        assert.deepEqual(r.constrains, raw.constrains ?? [], where);
        assert.equal(r.subdir, raw.subdir ?? l.subdir, where);
        assert.equal(r.fn, fn, where);
        assert.equal(r.channel, l.channel, where);
        assert.equal(r.url, `file:///channels/${l.channel}/${l.subdir}/${fn}`, where);
        assert.equal(r.md5, raw.md5 ?? undefined, where);
        assert.equal(r.size, raw.size ?? undefined, where);
        assert.equal(r.distName, `${raw.name}-${raw.version}-${raw.build}`, where);
        if (typeof raw.timestamp === "number")
          assert.equal(
            r.timestamp,
            raw.timestamp > 253402300799 ? raw.timestamp : raw.timestamp * 1000,
            where,
          );
        else assert.equal(r.timestamp, undefined, where);
      });
  });

  it("round-trips through toJson without losing a non-null field", () => {
    let n = 0;
    for (const l of loaded)
      l.raw.forEach(([fn, raw], i) => {
        const r = l.records[i];
        const out = r.toJson();
        for (const [k, v] of Object.entries(raw)) {
          if (v === null) continue;
          const where = `${l.channel}/${l.subdir}/${fn} ${k}`;
          assert.ok(k in out, where);
          if (k === "timestamp") assert.equal(out[k], normalizeTimestamp(v), where);
          else if (k === "noarch" && v === true) assert.equal(out[k], "generic", where);
          else if ((k === "track_features" || k === "features") && typeof v === "string")
            assert.equal(
              out[k],
              v
                .split(/[\s,]+/)
                .filter(Boolean)
                .join(" ") || undefined,
              where,
            );
          else assert.deepEqual(out[k], v, where);
        }
        // and the JSON form is a fixed point, except for conda's toy timestamps (1 and 2 seconds):
        // written back as 1000/2000 ms they fall below the seconds/milliseconds threshold and read as
        // seconds again, exactly as in conda.
        const again = PackageRecord.fromJson(out, { fn, subdir: l.subdir }).toJson();
        if (typeof out.timestamp === "number" && out.timestamp <= 253402300799) {
          assert.equal(again.timestamp, out.timestamp * 1000, fn);
          again.timestamp = out.timestamp;
        }
        assert.deepEqual(again, out, fn);
        n++;
      });
    assert.ok(n > 19_900);
  });

  it("reads the fields of known records", () => {
    const affine = get("anaconda-main/noarch/affine-2.1.0-pyh128a3a6_1.tar.bz2");
    assert.equal(affine.noarch, "python");
    assert.equal(affine.build_number, 1);
    assert.equal(affine.timestamp, 1510000844780);
    assert.equal(affine.size, 14341);
    assert.equal(affine.license, "BSD 3-Clause");
    assert.equal(affine.md5, "0240708ea8947eec2539e8021d783f39");
    assert.equal(affine.sha256, "4602fc9f8ea6170576fcbdff785a4e4a81d73712b1d66cda5a767d097ee28539");
    assert.deepEqual(affine.depends, ["python"]);
    assert.equal(affine.arch, undefined);
    assert.equal(affine.platform, undefined);

    const mutex = get("anaconda-r/linux-64/_r-mutex-1.0.0-anacondar_1.tar.bz2");
    assert.deepEqual(mutex.track_features, ["anacondar"]);
    assert.equal(mutex.arch, "x86_64");
    assert.equal(mutex.platform, "linux");
    assert.equal(mutex.toJson().track_features, "anacondar");

    const mkl = get("conda-index1/linux-64/mkl-rt-11.0-p0.tar.bz2");
    assert.deepEqual(mkl.features, ["mkl"]);
    assert.equal(mkl.timestamp, undefined);
    assert.deepEqual(mkl.extra.requires, []);
    assert.equal(mkl.extra.pub_date, "2013-04-29");

    const font = get("conda-index4/noarch/font-ttf-inconsolata-2.000-0.tar.bz2");
    assert.equal(font.noarch, "generic", "noarch: true is the old spelling of generic");
    assert.deepEqual(font.extra.binstar, {
      channel: "main",
      owner_id: "58596cc93d1b550ffad38672",
      package_id: "5888e88c8e911420a15a0fa6",
    });

    const cuda = get("conda-index1/linux-64/cuda-constrain-10.0-0.tar.bz2");
    assert.deepEqual(cuda.depends, [], "a record without depends");
    assert.deepEqual(cuda.constrains, ["__cuda>=10.0,<11"]);

    const r312 = get("anaconda-r/linux-64/r-3.1.2-0.tar.bz2");
    assert.equal(r312.subdir, "linux-64", "a record without subdir takes its repodata's");

    const cloog = get("conda-index4/linux-64/cloog-0.18.0-0.tar.bz2");
    assert.equal(cloog.timestamp, 1506534614000, "timestamps in seconds become milliseconds");
    assert.equal(get("conda-index5/noarch/test_timestamp_sort-1.0-pyh1234567_0.tar.bz2").timestamp, 2000);

    const zlib = get("conda-format-repo/linux-64/zlib-1.2.11-h7b6447c_3.conda");
    assert.equal(zlib.fn, "zlib-1.2.11-h7b6447c_3.conda");
    assert.equal(zlib.sha256, "f33afff2144e1d6c4cf2e3e184937db8bf825b4537df74662aea5ee207b6a31b");
    assert.equal(zlib.timestamp, 1542814864621);
    assert.deepEqual(zlib.depends, ["libgcc-ng >=7.3.0"]);
  });
});

describe("PackageRecord.fromJson edge cases", () => {
  const base = { name: "a", version: "1.0", build: "0" };
  it("tolerates nulls where lists are expected", () => {
    const r = PackageRecord.fromJson({
      ...base,
      depends: null,
      constrains: null,
      track_features: null,
      features: null,
    });
    assert.deepEqual(r.depends, []);
    assert.deepEqual(r.constrains, []);
    assert.deepEqual(r.track_features, []);
    assert.deepEqual(r.features, []);
    assert.equal(r.build_number, 0);
    assert.equal(r.subdir, "noarch");
    assert.equal(r.fn, "a-1.0-0.conda");
    const r2 = PackageRecord.fromJson({ ...base, license: null, size: null, timestamp: null, md5: null });
    assert.equal(r2.license, undefined);
    assert.equal(r2.size, undefined);
    assert.equal(r2.timestamp, undefined);
    assert.equal(r2.md5, undefined);
  });
  it("reads track_features and features as strings or lists", () => {
    for (const tf of ["mkl debug", "mkl,debug", " mkl , debug ", ["mkl", "debug"], ["mkl", "", "debug"]])
      assert.deepEqual(
        PackageRecord.fromJson({ ...base, track_features: tf }).track_features,
        ["mkl", "debug"],
        String(tf),
      );
    assert.deepEqual(PackageRecord.fromJson({ ...base, features: "" }).features, []);
    assert.equal(
      PackageRecord.fromJson({ ...base, track_features: ["x", "y"] }).toJson().track_features,
      "x y",
    );
    assert.ok(!("track_features" in PackageRecord.fromJson({ ...base, track_features: "" }).toJson()));
  });
  it("timestamps: seconds, fractional seconds and milliseconds", () => {
    assert.equal(normalizeTimestamp(1510000844), 1510000844000);
    assert.equal(normalizeTimestamp(1510000844.78), 1510000844780);
    assert.equal(normalizeTimestamp(1510000844780), 1510000844780);
    assert.equal(
      normalizeTimestamp(253402300799),
      253402300799000,
      "the year 9999 in seconds is still seconds",
    );
    assert.equal(normalizeTimestamp(253402300800), 253402300800, "above it, milliseconds");
    for (const bad of [0, -1, Number.NaN, "1510000844", null, undefined])
      assert.equal(normalizeTimestamp(bad), undefined, String(bad));
    assert.equal(
      PackageRecord.fromJson({ ...base, timestamp: 1510000844 }).toJson().timestamp,
      1510000844000,
    );
  });
  it("accepts build_string and numeric versions, keeps unknown fields", () => {
    const r = PackageRecord.fromJson({ name: "a", version: 2, build_string: "py_0", custom: { x: 1 } });
    assert.equal(r.version, "2");
    assert.equal(r.build, "py_0");
    assert.deepEqual(r.extra.custom, { x: 1 });
    assert.deepEqual(r.toJson().custom, { x: 1 });
  });
  it("builds the url from the context, unless the record has one", () => {
    assert.equal(
      PackageRecord.fromJson(base, { fn: "a-1.0-0.tar.bz2", baseUrl: "https://h/c/noarch/" }).url,
      "https://h/c/noarch/a-1.0-0.tar.bz2",
    );
    assert.equal(
      PackageRecord.fromJson({ ...base, url: "https://x/y.conda" }, { baseUrl: "https://h" }).url,
      "https://x/y.conda",
    );
  });
  it("rejects what is not a record with a typed error naming it", () => {
    const bad: [unknown, RegExp][] = [
      [null, /expected a JSON object/],
      [[], /expected a JSON object/],
      ["a-1-0", /expected a JSON object/],
      [{ version: "1", build: "0" }, /missing 'name'/],
      [{ name: "a", build: "0" }, /missing 'version'/],
      [{ name: "a", version: "1" }, /missing 'build'/],
      [{ name: "a", version: null, build: "0" }, /missing 'version'/],
    ];
    for (const [obj, why] of bad)
      assert.throws(
        () => PackageRecord.fromJson(obj, { fn: "a-1-0.conda" }),
        (e: unknown) => {
          assert.ok(e instanceof InvalidRecordError);
          assert.ok(e instanceof TaipanError);
          assert.equal(e.code, "INVALID_RECORD");
          assert.match(e.message, why);
          assert.match(e.message, /a-1-0\.conda/);
          assert.ok(e.hint);
          return true;
        },
      );
  });
});

describe("conda-meta records", () => {
  function metaFiles(dir: string): string[] {
    const out: string[] = [];
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) out.push(...metaFiles(p));
      else if (name.endsWith(".json")) out.push(p);
    }
    return out;
  }
  const files = metaFiles(sharedData("conda-meta"));

  it("loads every installed-package record with its install fields", () => {
    assert.ok(files.length >= 170, `${files.length} files`);
    for (const f of files) {
      const raw = JSON.parse(readFileSync(f, "utf8")) as Json;
      const r = PackageRecord.fromJson(raw, { fn: basename(f) });
      assert.equal(r.name, raw.name, f);
      assert.equal(r.version, raw.version, f);
      assert.equal(r.build, raw.build, f);
      assert.equal(r.channel, raw.channel, f);
      assert.equal(r.url, raw.url, f);
      assert.equal(r.subdir, raw.subdir, f);
      assert.deepEqual(r.depends, raw.depends, f);
      assert.equal(`${r.distName}.json`, basename(f), f);
      for (const k of ["files", "paths_data", "link", "requested_spec", "extracted_package_dir"])
        if (k in raw) assert.deepEqual(r.extra[k], raw[k], `${f} ${k}`);
      const out = r.toJson();
      assert.deepEqual(PackageRecord.fromJson(out, { fn: r.fn }).toJson(), out, f);
    }
  });

  it("reads a known record", () => {
    const f = files.find((p) => p.endsWith(join("envpy37win", "conda-meta", "pip-10.0.1-py37_0.json")));
    assert.ok(f);
    const r = PackageRecord.fromJson(JSON.parse(readFileSync(f, "utf8")));
    assert.equal(r.fn, "pip-10.0.1-py37_0.tar.bz2");
    assert.equal(r.channel, "https://repo.anaconda.com/pkgs/main/win-64");
    assert.equal(r.subdir, "win-64");
    assert.equal(r.size, 1826765);
    assert.equal(r.timestamp, 1530221618643);
    assert.deepEqual(r.depends, ["python >=3.7,<3.8.0a0", "setuptools", "wheel"]);
    assert.deepEqual(r.track_features, []);
    assert.ok(Array.isArray(r.extra.files) && (r.extra.files as string[]).length > 0);
  });
});
