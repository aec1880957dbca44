import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { PackageRecord } from "../../src/conda/package-record.js";

/** One solved package as rattler reports it. */
export interface PeerPackage {
  name: string;
  version: string;
  build: string;
  channel: string;
}

type Rattler = {
  Version: new (v: string) => unknown;
  VersionSpec: new (s: string) => { matches(v: unknown): boolean };
  simpleSolve(
    specs: string[],
    channels: string[],
    platforms: string[],
    locked: unknown,
  ): Promise<{ packageName: string; version: string; build: string; repoName: string }[]>;
};

/**
 * `@conda-org/rattler`'s `simpleSolve` (rattler + resolvo in wasm) over local file channels. It only
 * takes channel URLs and downloads repodata through `fetch`, so `fetch` is swapped for a shim
 * serving the files (null fields dropped: rattler rejects a whole subdir that has one). Virtual
 * packages go in as locked records, as mambajs does.
 */
export class RattlerPeer {
  private readonly rattler: Rattler;
  private readonly bodies = new Map<string, Buffer>();
  private readonly urls: string[];
  private restore: (() => void) | undefined;

  /**
   * `stripDepends`: serve every record without depends/constrains, so any single record is
   * installable on its own and an exact spec tells whether rattler's reader kept that record.
   */
  constructor(channelDirs: string[], subdirs: string[], opts: { stripDepends?: boolean } = {}) {
    const require = createRequire(import.meta.url);
    this.rattler = require("@conda-org/rattler") as Rattler;
    this.urls = channelDirs.map((_, i) => `http://peer.local/c${i}`);
    channelDirs.forEach((dir, i) => {
      for (const sd of subdirs) {
        const f = join(dir, sd, "repodata.json");
        let body: Buffer;
        if (existsSync(f)) {
          const json = JSON.parse(readFileSync(f, "utf8")) as Record<
            string,
            Record<string, Record<string, unknown>>
          >;
          for (const key of ["packages", "packages.conda"])
            for (const rec of Object.values(json[key] ?? {}))
              for (const [k, v] of Object.entries(rec)) {
                if (v === null) delete rec[k];
                else if (opts.stripDepends && (k === "depends" || k === "constrains")) rec[k] = [];
              }
          body = Buffer.from(JSON.stringify(json));
        } else
          body = Buffer.from(JSON.stringify({ info: { subdir: sd }, packages: {}, "packages.conda": {} }));
        this.bodies.set(`${this.urls[i]}/${sd}/repodata.json`, body);
      }
    });
  }

  private install(): void {
    const real = globalThis.fetch;
    const bodies = this.bodies;
    globalThis.fetch = (async (input: string | URL | Request) => {
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      const body = bodies.get(url);
      const res = body
        ? new Response(body, { status: 200, headers: { "content-type": "application/json" } })
        : new Response("not found", { status: 404 });
      Object.defineProperty(res, "url", { value: url });
      return res;
    }) as typeof fetch;
    this.restore = () => {
      globalThis.fetch = real;
    };
  }

  /**
   * Whether rattler's own VersionSpec accepts `version` for the version part of a dependency
   * string (`name VERSION [BUILD]`). Used to attribute disagreements to spec semantics.
   */
  versionMatches(dep: string, version: string): boolean {
    const parts = dep.trim().split(/\s+/);
    if (parts.length < 2) return true;
    try {
      return new this.rattler.VersionSpec(parts[1]).matches(new this.rattler.Version(version));
    } catch {
      return false;
    }
  }

  /** Solves; `undefined` when rattler finds the request unsatisfiable. */
  async solve(
    specs: string[],
    virtuals: PackageRecord[],
    platform = "linux-64",
  ): Promise<PeerPackage[] | undefined> {
    const locked = virtuals.map((v) => ({
      url: `http://peer.local/virtual/${platform}/${v.name}`,
      filename: v.name,
      packageName: v.name,
      repoName: "virtual",
      version: v.version,
      build: v.build,
      buildNumber: 0,
      subdir: platform,
      depends: [],
    }));
    this.install();
    try {
      const out = await this.rattler.simpleSolve(specs, this.urls, [platform, "noarch"], locked);
      return out
        .filter((p) => !p.packageName.startsWith("__"))
        .map((p) => ({ name: p.packageName, version: p.version, build: p.build, channel: p.repoName }));
    } catch (e) {
      const msg = String((e as Error)?.message ?? e);
      if (/cannot solve|could not solve|unsolvable|no candidates|cannot be installed/i.test(msg)) {
        if (process.env.PEER_DEBUG) console.error(msg);
        return undefined;
      }
      throw e;
    } finally {
      this.restore?.();
    }
  }
}
