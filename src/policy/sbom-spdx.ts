import { randomUUID } from "node:crypto";
import type { PackageRecord } from "../conda/package-record.js";
import { condaPurl } from "./purl.js";
import { declaredLicense, dependencyEdges, rootRecords, type SbomOptions } from "./sbom-graph.js";

type Json = Record<string, unknown>;

/** SPDX ids may hold letters, digits, '.' and '-' only. */
function spdxId(r: PackageRecord, used: Set<string>): string {
  const base = `SPDXRef-Package-conda-${r.name}-${r.version}-${r.build}`.replace(/[^A-Za-z0-9.-]/g, "-");
  let id = base;
  for (let i = 2; used.has(id); i++) id = `${base}-${i}`;
  used.add(id);
  return id;
}

/**
 * An SPDX 2.3 JSON document of an environment: one package per record (purl external reference,
 * SHA256/MD5 checksums, the declared licence when it reads as an SPDX expression, else
 * NOASSERTION with the text in a comment), DESCRIBES for the environment's top-level packages and
 * DEPENDS_ON for each record's `depends`.
 */
export function spdxSbom(records: readonly PackageRecord[], opts: SbomOptions): Json {
  const sorted = [...records].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const edges = dependencyEdges(sorted);
  const used = new Set<string>();
  const ids = new Map(sorted.map((r) => [r, spdxId(r, used)]));
  const packages = sorted.map((r) => {
    const checksums: Json[] = [];
    if (r.sha256) checksums.push({ algorithm: "SHA256", checksumValue: r.sha256 });
    if (r.md5) checksums.push({ algorithm: "MD5", checksumValue: r.md5 });
    const lic = declaredLicense(r);
    return {
      SPDXID: ids.get(r)!,
      name: r.name,
      versionInfo: r.version,
      downloadLocation: r.url ?? "NOASSERTION",
      filesAnalyzed: false,
      ...(checksums.length ? { checksums } : {}),
      licenseConcluded: "NOASSERTION",
      licenseDeclared: lic.spdx ?? "NOASSERTION",
      ...(lic.text && !lic.spdx
        ? { licenseComments: `license as declared by the package: ${lic.text}` }
        : {}),
      copyrightText: "NOASSERTION",
      externalRefs: [
        { referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: condaPurl(r) },
      ],
    };
  });
  const relationships: Json[] = rootRecords(sorted, edges, opts.roots).map((r) => ({
    spdxElementId: "SPDXRef-DOCUMENT",
    relationshipType: "DESCRIBES",
    relatedSpdxElement: ids.get(r)!,
  }));
  for (const r of sorted)
    for (const d of edges.get(r) ?? [])
      relationships.push({
        spdxElementId: ids.get(r)!,
        relationshipType: "DEPENDS_ON",
        relatedSpdxElement: ids.get(d)!,
      });
  const created = (opts.timestamp ?? new Date()).toISOString().replace(/\.\d{3}Z$/, "Z");
  const uuid = opts.uuid ?? randomUUID();
  return {
    spdxVersion: "SPDX-2.3",
    dataLicense: "CC0-1.0",
    SPDXID: "SPDXRef-DOCUMENT",
    name: opts.name,
    documentNamespace: `https://spdx.org/spdxdocs/taipan-${encodeURIComponent(opts.name)}-${uuid}`,
    creationInfo: { created, creators: [`Tool: taipan${opts.toolVersion ? `-${opts.toolVersion}` : ""}`] },
    packages,
    relationships,
  };
}
