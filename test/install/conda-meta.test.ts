import assert from "node:assert/strict";
import { readdirSync, readFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { PackageRecord } from "../../src/conda/package-record.js";
import {
  prefixRecordFromJson,
  prefixRecordToJson,
  readPrefixRecords,
  writePrefixRecord,
} from "../../src/install/conda-meta.js";
import { linkPackage } from "../../src/install/link.js";
import { sharedData } from "../support/paths.js";
import { extractWithCph, packagePath, removeDir, tempDir } from "./fixtures.js";

const META = sharedData("conda-meta");

function realPrefixes(): string[] {
  const envs = join(META, "conda-env-metadata");
  return readdirSync(envs)
    .map((e) => join(envs, e))
    .filter((p) => existsSync(join(p, "conda-meta")));
}

describe("reading real conda-meta directories", () => {
  it("reads every record of every environment conda recorded", () => {
    const prefixes = realPrefixes();
    assert.ok(prefixes.length >= 5);
    let total = 0;
    for (const prefix of prefixes) {
      const records = readPrefixRecords(prefix);
      const jsons = readdirSync(join(prefix, "conda-meta")).filter((f) => f.endsWith(".json"));
      assert.equal(records.length, jsons.length, prefix);
      for (const pr of records) {
        const raw = JSON.parse(readFileSync(join(prefix, "conda-meta", pr.fileName), "utf8"));
        assert.equal(pr.record.name, raw.name);
        assert.equal(pr.record.version, String(raw.version));
        assert.equal(pr.record.build, raw.build);
        assert.deepEqual(pr.files, raw.files ?? []);
        if (raw.paths_data) assert.equal(pr.paths.length, raw.paths_data.paths.length);
        assert.equal(`${pr.record.distName}.json`, pr.fileName, "conda names the file after the dist");
        // no install-only field leaks into the repodata record
        assert.equal(pr.record.extra.files, undefined);
        assert.equal(pr.record.extra.paths_data, undefined);
        total++;
      }
    }
    assert.ok(total > 100, `read ${total} records`);
  });

  it("reads rattler's conda-forge records", () => {
    const dir = join(META, "rattler");
    for (const f of readdirSync(dir).filter((n) => n.endsWith(".json"))) {
      const raw = JSON.parse(readFileSync(join(dir, f), "utf8"));
      const pr = prefixRecordFromJson(raw, f);
      assert.equal(pr.record.name, raw.name, f);
      assert.equal(pr.files.length, (raw.files ?? []).length, f);
      if (raw.paths_data?.paths) {
        assert.deepEqual(
          pr.paths.map((p) => p._path),
          raw.paths_data.paths.map((p: { _path: string }) => p._path),
        );
      }
      // a round trip keeps every field conda wrote
      const back = prefixRecordToJson(pr);
      for (const key of [
        "name",
        "version",
        "build",
        "build_number",
        "depends",
        "files",
        "channel",
        "url",
        "sha256",
        "md5",
      ]) {
        if (raw[key] !== undefined && raw[key] !== null) assert.deepEqual(back[key], raw[key], `${f} ${key}`);
      }
    }
  });
});

describe("writing conda-meta records", () => {
  let root: string;
  before(() => {
    root = tempDir("meta");
  });
  after(() => removeDir(root));

  it("writes conda's fields and reads them back", () => {
    const dir = extractWithCph(
      packagePath("conda-format-repo", "linux-64", "zlib-1.2.11-h7b6447c_3.tar.bz2"),
      join(root, "pkgs"),
    );
    const repodata = JSON.parse(
      readFileSync(packagePath("conda-format-repo", "linux-64", "repodata.json"), "utf8"),
    );
    const raw = repodata.packages["zlib-1.2.11-h7b6447c_3.tar.bz2"];
    const record = PackageRecord.fromJson(raw, {
      fn: "zlib-1.2.11-h7b6447c_3.tar.bz2",
      channel: "https://conda.example.org/format-repo/linux-64",
      baseUrl: "https://conda.example.org/format-repo/linux-64",
    });
    const prefix = join(root, "env");
    mkdirSync(prefix);
    const { prefixRecord } = linkPackage(prefix, dir, {
      record,
      requestedSpec: "zlib",
      packageTarballFullPath: `${dir}.tar.bz2`,
    });
    const file = writePrefixRecord(prefix, prefixRecord);
    assert.ok(file.endsWith("conda-meta/zlib-1.2.11-h7b6447c_3.json"));
    const json = JSON.parse(readFileSync(file, "utf8"));
    assert.deepEqual(Object.keys(json), [...Object.keys(json)].sort(), "keys sorted as conda writes them");
    assert.equal(json.md5, raw.md5);
    assert.equal(json.sha256, raw.sha256);
    assert.equal(json.url, "https://conda.example.org/format-repo/linux-64/zlib-1.2.11-h7b6447c_3.tar.bz2");
    assert.equal(json.channel, "https://conda.example.org/format-repo/linux-64");
    assert.equal(json.requested_spec, "zlib");
    assert.deepEqual(json.link, { source: dir, type: 1 });
    assert.equal(json.extracted_package_dir, dir);
    assert.equal(json.package_tarball_full_path, `${dir}.tar.bz2`);
    assert.equal(json.paths_data.paths_version, 1);
    assert.deepEqual(
      json.files,
      json.paths_data.paths.map((p: { _path: string }) => p._path),
    );
    const pc = json.paths_data.paths.find((p: { _path: string }) => p._path === "lib/pkgconfig/zlib.pc");
    assert.deepEqual(Object.keys(pc).sort(), [
      "_path",
      "file_mode",
      "path_type",
      "prefix_placeholder",
      "sha256",
      "sha256_in_prefix",
      "size_in_bytes",
    ]);
    const [back] = readPrefixRecords(prefix);
    assert.deepEqual(back.paths, prefixRecord.paths);
    assert.equal(back.requestedSpec, "zlib");
    assert.equal(back.record.sha256, raw.sha256);
    assert.deepEqual(back.record.depends, raw.depends);
  });
});
