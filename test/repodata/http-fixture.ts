// A real node:http server on 127.0.0.1 serving an in-memory file tree, with hooks to misbehave.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface LoggedRequest {
  path: string;
  headers: IncomingMessage["headers"];
  status: number;
}

export type Hook = (req: IncomingMessage, res: ServerResponse, path: string) => boolean;

export class TestServer {
  readonly files = new Map<string, { body: Buffer; etag?: string; cacheControl?: string }>();
  readonly log: LoggedRequest[] = [];
  /** Return true when the hook answered the request itself. */
  hook: Hook | undefined;
  private server: Server | undefined;
  url = "";

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
      const done = (status: number) => this.log.push({ path, headers: req.headers, status });
      if (this.hook?.(req, res, path)) {
        done(res.statusCode);
        return;
      }
      const f = this.files.get(path);
      if (!f) {
        res.writeHead(404).end("not found");
        done(404);
        return;
      }
      if (f.etag && req.headers["if-none-match"] === f.etag) {
        res.writeHead(304, { etag: f.etag }).end();
        done(304);
        return;
      }
      const headers: Record<string, string | number> = { "content-length": f.body.length };
      if (f.etag) headers.etag = f.etag;
      if (f.cacheControl) headers["cache-control"] = f.cacheControl;
      res.writeHead(200, headers).end(f.body);
      done(200);
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  paths(): string[] {
    return this.log.map((l) => l.path);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()));
  }
}

export function record(name: string, version: string, build: string, depends: string[] = []) {
  return {
    name,
    version,
    build,
    build_number: 0,
    depends,
    md5: "0".repeat(32),
    sha256: "a".repeat(64),
    size: 100,
    subdir: "linux-64",
    timestamp: 1700000000000,
  };
}

/** A small repodata.json: a `.tar.bz2`/`.conda` twin, a removed file, and a plain package. */
export function smallRepodata(subdir = "linux-64"): Buffer {
  return Buffer.from(
    JSON.stringify({
      info: { subdir },
      packages: {
        "a-1.0-h0_0.tar.bz2": record("a", "1.0", "h0_0", ["b >=1"]),
        "a-0.9-h0_0.tar.bz2": record("a", "0.9", "h0_0", ["b"]),
        "c-1.0-h0_0.tar.bz2": record("c", "1.0", "h0_0"),
      },
      "packages.conda": {
        "a-1.0-h0_0.conda": record("a", "1.0", "h0_0", ["b >=1"]),
        "b-2.0-h0_0.conda": record("b", "2.0", "h0_0"),
      },
      removed: ["c-1.0-h0_0.tar.bz2"],
      repodata_version: 1,
    }),
  );
}

export const EMPTY_NOARCH = Buffer.from(JSON.stringify({ info: { subdir: "noarch" }, packages: {} }));
