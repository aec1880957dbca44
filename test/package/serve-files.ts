// A real node:http server on 127.0.0.1 serving files from a directory, counting hits and able to misbehave.
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

export interface FileServer {
  url: string;
  hits: Map<string, number>;
  /** The Authorization header of the last request per path. */
  auth: Map<string, string | undefined>;
  /** Per-path behaviour overrides, consumed in order: "500", "drop" (cut mid-body), "garble". */
  faults: Map<string, string[]>;
  close(): Promise<void>;
}

export async function serveFiles(root: string): Promise<FileServer> {
  const hits = new Map<string, number>();
  const auth = new Map<string, string | undefined>();
  const faults = new Map<string, string[]>();
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent((req.url ?? "/").split("?")[0]);
    hits.set(path, (hits.get(path) ?? 0) + 1);
    auth.set(path, req.headers.authorization);
    const fault = faults.get(path)?.shift();
    const file = join(root, path);
    const st = await stat(file).catch(() => undefined);
    if (fault === "500") {
      res.writeHead(500).end("boom");
      return;
    }
    if (!st?.isFile()) {
      res.writeHead(404).end("not found");
      return;
    }
    if (fault === "drop") {
      const data = await readFile(file);
      res.writeHead(200, { "content-length": String(data.length) });
      res.write(data.subarray(0, Math.floor(data.length / 2)));
      setTimeout(() => res.destroy(), 10);
      return;
    }
    if (fault === "garble") {
      const data = Buffer.from(await readFile(file));
      data[Math.floor(data.length / 2)] ^= 0xff;
      res.writeHead(200, { "content-length": String(data.length) }).end(data);
      return;
    }
    res.writeHead(200, { "content-length": String(st.size) });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    auth,
    faults,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
