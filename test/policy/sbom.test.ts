import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PackageRecord } from "../../src/conda/package-record.js";
import { readPrefixRecords } from "../../src/install/conda-meta.js";
import { condaPurl } from "../../src/policy/purl.js";
import { cycloneDxSbom } from "../../src/policy/sbom-cyclonedx.js";
import { spdxSbom } from "../../src/policy/sbom-spdx.js";
import { sharedData } from "../support/paths.js";

// A real environment recorded by conda (python 2.7 on osx-64, 16 packages).
const records = readPrefixRecords(sharedData("conda-meta", "conda-env-metadata", "envpy27osx")).map(
  (p) => p.record,
);
const opts = {
  name: "envpy27osx",
  toolVersion: "0.1.0",
  uuid: "00000000-0000-4000-8000-000000000000",
  timestamp: new Date(0),
};

// biome-ignore lint/suspicious/noExplicitAny: the test walks untyped JSON documents
type Json = Record<string, any>;

describe("purl of conda records", () => {
  it("follows the purl spec's conda type", () => {
    const r = PackageRecord.fromJson(
      { name: "absl-py", version: "0.4.1", build: "py36h06a4308_0", build_number: 0, depends: [] },
      {
        fn: "absl-py-0.4.1-py36h06a4308_0.tar.bz2",
        channel: "https://repo.anaconda.com/pkgs/main",
        subdir: "linux-64",
      },
    );
    // the spec's own example
    assert.equal(
      condaPurl(r),
      "pkg:conda/absl-py@0.4.1?build=py36h06a4308_0&channel=defaults&subdir=linux-64&type=tar.bz2",
    );
    const cf = PackageRecord.fromJson(
      { name: "numpy", version: "1.26.4", build: "py312h+x_0", build_number: 0, depends: [] },
      { fn: "numpy-1.26.4-py312h+x_0.conda", channel: "conda-forge", subdir: "linux-64" },
    );
    assert.equal(
      condaPurl(cf),
      "pkg:conda/numpy@1.26.4?build=py312h%2Bx_0&channel=conda-forge&subdir=linux-64&type=conda",
    );
  });
});

describe("CycloneDX 1.5", () => {
  const bom = cycloneDxSbom(records, opts) as Json;

  it("has the required top-level fields", () => {
    assert.equal(bom.bomFormat, "CycloneDX");
    assert.equal(bom.specVersion, "1.5");
    assert.match(bom.serialNumber, /^urn:uuid:[0-9a-f-]{36}$/);
    assert.equal(bom.version, 1);
    assert.equal(bom.metadata.timestamp, "1970-01-01T00:00:00.000Z");
    assert.equal(bom.metadata.tools.components[0].name, "taipan");
    assert.equal(bom.components.length, records.length);
  });

  it("describes each component with purl, hashes and license", () => {
    const refs = new Set<string>();
    for (const c of bom.components) {
      assert.equal(c.type, "library");
      assert.equal(c["bom-ref"], c.purl);
      assert.match(
        c.purl,
        /^pkg:conda\/[a-z0-9._-]+@[^?]+\?build=[^&]+&channel=[^&]+&subdir=osx-64&type=tar\.bz2$/,
      );
      assert.ok(!refs.has(c["bom-ref"]), "bom-refs are unique");
      refs.add(c["bom-ref"]);
      for (const h of c.hashes ?? []) {
        assert.ok(["SHA-256", "MD5"].includes(h.alg));
        assert.match(h.content, h.alg === "MD5" ? /^[0-9a-f]{32}$/ : /^[0-9a-f]{64}$/);
      }
    }
    const openssl = bom.components.find((c: Json) => c.name === "openssl");
    assert.equal(openssl.version, "1.0.2p");
    assert.deepEqual(openssl.licenses, [{ license: { id: "OpenSSL" } }]);
    const readline = bom.components.find((c: Json) => c.name === "readline");
    assert.deepEqual(readline.licenses, [{ license: { id: "GPL-3.0-only" } }]);
    assert.ok(bom.components.every((c: Json) => c.hashes?.length > 0));
  });

  it("has a dependency graph whose every ref resolves", () => {
    const refs = new Set<string>([
      bom.metadata.component["bom-ref"],
      ...bom.components.map((c: Json) => c["bom-ref"]),
    ]);
    assert.equal(bom.dependencies.length, records.length + 1);
    for (const d of bom.dependencies) {
      assert.ok(refs.has(d.ref), d.ref);
      for (const t of d.dependsOn) assert.ok(refs.has(t), t);
    }
    const python = bom.dependencies.find((d: Json) => d.ref.startsWith("pkg:conda/python@"));
    for (const dep of ["openssl", "zlib", "sqlite", "readline"])
      assert.ok(
        python.dependsOn.some((t: string) => t.startsWith(`pkg:conda/${dep}@`)),
        dep,
      );
  });
});

describe("SPDX 2.3", () => {
  const doc = spdxSbom(records, { ...opts, roots: ["python"] }) as Json;

  it("has the required document fields", () => {
    assert.equal(doc.spdxVersion, "SPDX-2.3");
    assert.equal(doc.dataLicense, "CC0-1.0");
    assert.equal(doc.SPDXID, "SPDXRef-DOCUMENT");
    assert.equal(doc.name, "envpy27osx");
    assert.match(doc.documentNamespace, /^https:\/\/.+00000000-0000-4000-8000-000000000000$/);
    assert.equal(doc.creationInfo.created, "1970-01-01T00:00:00Z");
    assert.deepEqual(doc.creationInfo.creators, ["Tool: taipan-0.1.0"]);
  });

  it("has packages with valid ids, checksums, purls and licenses", () => {
    assert.equal(doc.packages.length, records.length);
    const ids = new Set<string>();
    for (const p of doc.packages) {
      assert.match(p.SPDXID, /^SPDXRef-[A-Za-z0-9.-]+$/);
      assert.ok(!ids.has(p.SPDXID));
      ids.add(p.SPDXID);
      for (const k of [
        "name",
        "versionInfo",
        "downloadLocation",
        "licenseConcluded",
        "licenseDeclared",
        "copyrightText",
      ])
        assert.equal(typeof p[k], "string", `${p.name}.${k}`);
      assert.equal(p.filesAnalyzed, false);
      assert.equal(p.externalRefs[0].referenceType, "purl");
      for (const c of p.checksums ?? []) assert.ok(["SHA256", "MD5"].includes(c.algorithm));
    }
    const python = doc.packages.find((p: Json) => p.name === "python");
    assert.equal(python.licenseDeclared, "PSF-2.0");
  });

  it("relationships reference existing elements; the document describes the requested package", () => {
    const ids = new Set<string>(["SPDXRef-DOCUMENT", ...doc.packages.map((p: Json) => p.SPDXID)]);
    for (const r of doc.relationships) {
      assert.ok(ids.has(r.spdxElementId), r.spdxElementId);
      assert.ok(ids.has(r.relatedSpdxElement), r.relatedSpdxElement);
      assert.ok(["DESCRIBES", "DEPENDS_ON"].includes(r.relationshipType));
    }
    const describes = doc.relationships.filter((r: Json) => r.relationshipType === "DESCRIBES");
    assert.equal(describes.length, 1);
    assert.match(describes[0].relatedSpdxElement, /python-2\.7/);
    assert.ok(
      doc.relationships.filter((r: Json) => r.relationshipType === "DEPENDS_ON").length >= records.length - 3,
    );
  });
});
