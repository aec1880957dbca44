import { randomUUID } from "node:crypto";
import type { PackageRecord } from "../conda/package-record.js";
import { condaPurl, purlChannel } from "./purl.js";
import { declaredLicense, dependencyEdges, rootRecords, type SbomOptions } from "./sbom-graph.js";

type Json = Record<string, unknown>;

const ENV_REF = "taipan-environment";

function licensesOf(r: PackageRecord): Json[] | undefined {
  const lic = declaredLicense(r);
  if (lic.spdx) {
    // CycloneDX: a single SPDX id as `license.id`, anything compound as `expression`.
    return /\s/.test(lic.spdx) ? [{ expression: lic.spdx }] : [{ license: { id: lic.spdx } }];
  }
  return lic.text ? [{ license: { name: lic.text } }] : undefined;
}

/**
 * A CycloneDX 1.5 JSON SBOM of an environment: one `library` component per record (purl of the
 * conda type as bom-ref, SHA-256/MD5 hashes, licences, download URL, conda build/channel/subdir as
 * properties), the environment itself as the metadata component, and a dependency graph from each
 * record's `depends`.
 */
export function cycloneDxSbom(records: readonly PackageRecord[], opts: SbomOptions): Json {
  const sorted = [...records].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const edges = dependencyEdges(sorted);
  const ref = new Map(sorted.map((r) => [r, condaPurl(r)]));
  const components = sorted.map((r) => {
    const hashes: Json[] = [];
    if (r.sha256) hashes.push({ alg: "SHA-256", content: r.sha256 });
    if (r.md5) hashes.push({ alg: "MD5", content: r.md5 });
    const props = [
      { name: "conda:build", value: r.build },
      { name: "conda:build_number", value: String(r.build_number) },
      { name: "conda:subdir", value: r.subdir },
      ...(purlChannel(r) ? [{ name: "conda:channel", value: purlChannel(r)! }] : []),
    ];
    const licenses = licensesOf(r);
    return {
      type: "library",
      "bom-ref": ref.get(r)!,
      name: r.name,
      version: r.version,
      purl: ref.get(r)!,
      ...(hashes.length ? { hashes } : {}),
      ...(licenses ? { licenses } : {}),
      ...(r.url ? { externalReferences: [{ type: "distribution", url: r.url }] } : {}),
      properties: props,
    };
  });
  const dependencies: Json[] = [
    { ref: ENV_REF, dependsOn: rootRecords(sorted, edges, opts.roots).map((r) => ref.get(r)!) },
    ...sorted.map((r) => ({ ref: ref.get(r)!, dependsOn: (edges.get(r) ?? []).map((d) => ref.get(d)!) })),
  ];
  return {
    bomFormat: "CycloneDX",
    specVersion: "1.5",
    serialNumber: `urn:uuid:${opts.uuid ?? randomUUID()}`,
    version: 1,
    metadata: {
      timestamp: (opts.timestamp ?? new Date()).toISOString(),
      tools: {
        components: [
          { type: "application", name: "taipan", ...(opts.toolVersion ? { version: opts.toolVersion } : {}) },
        ],
      },
      component: { type: "application", "bom-ref": ENV_REF, name: opts.name },
    },
    components,
    dependencies,
  };
}
