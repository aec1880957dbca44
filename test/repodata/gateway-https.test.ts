import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { RepodataFetchError } from "../../src/repodata/errors.js";
import { RepodataGateway } from "../../src/repodata/gateway.js";
import { EMPTY_NOARCH } from "./http-fixture.js";

let dir: string;
let server: Server | undefined;
let url = "";
let skip: string | false = false;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "taipan-tls-"));
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
  } catch {
    skip = "openssl is not available to make a test certificate";
    return;
  }
  server = createServer(
    { key: await readFile(join(dir, "key.pem")), cert: await readFile(join(dir, "cert.pem")) },
    (req, res) => {
      if (req.url === "/chan/noarch/repodata.json") res.writeHead(200).end(EMPTY_NOARCH);
      else res.writeHead(404).end();
    },
  );
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/chan`;
});

after(async () => {
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  await rm(dir, { recursive: true, force: true });
});

describe("RepodataGateway over HTTPS", () => {
  test("an untrusted certificate fails at once with a hint about ssl_verify", async (t) => {
    if (skip) return t.skip(skip);
    const gw = new RepodataGateway({ retryBaseMs: 5 });
    await assert.rejects(
      gw.load({ channels: [url], subdirs: ["noarch"] }),
      (e: unknown) =>
        e instanceof RepodataFetchError && e.message.includes(url) && /ssl_verify/.test(e.hint ?? ""),
    );
    await gw.close();
  });

  test("ssl_verify: a CA bundle path trusts the server; false disables the check", async (t) => {
    if (skip) return t.skip(skip);
    for (const sslVerify of [join(dir, "cert.pem"), false] as const) {
      const gw = new RepodataGateway({ sslVerify });
      const index = await gw.load({ channels: [url], subdirs: ["noarch"] });
      assert.deepEqual([...index.names()], []);
      await gw.close();
    }
  });
});
