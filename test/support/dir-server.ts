// A real node:http server on 127.0.0.1 that serves a directory tree from disk (a conda channel),
// with ETag/304 support, for end-to-end tests of the CLI over HTTP.
import { createHash } from "node:crypto";
import { createReadStream, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, normalize, sep } from "node:path";

export class DirServer {
  readonly root: string;
  readonly requests: string[] = [];
  private server: Server | undefined;
  url = "";

  constructor(root: string) {
    this.root = root;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
      this.requests.push(path);
      const file = normalize(join(this.root, path));
      if (!file.startsWith(this.root + sep) && file !== this.root) {
        res.writeHead(403).end();
        return;
      }
      let st: ReturnType<typeof statSync>;
      try {
        st = statSync(file);
      } catch {
        res.writeHead(404).end("not found");
        return;
      }
      if (!st.isFile()) {
        res.writeHead(404).end("not found");
        return;
      }
      const etag = `"${createHash("sha1").update(`${file}:${st.size}:${st.mtimeMs}`).digest("hex")}"`;
      if (req.headers["if-none-match"] === etag) {
        res.writeHead(304, { etag }).end();
        return;
      }
      res.writeHead(200, { "content-length": st.size, etag, "cache-control": "max-age=0" });
      createReadStream(file).pipe(res);
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()));
  }
}
