// Shared set-up for the web UI tests: a ROOT with a public channel of several packages (one with a
// hostile summary) and a private one, a server.yaml marking it private, and read/write/admin tokens.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ChannelServer } from "../../src/server/serve/channel-server.js";
import { loadServerConfig } from "../../src/server/serve/server-config.js";
import { createToken } from "../../src/server/serve/token-store.js";
import { indexChannel } from "../../src/server/index/index-channel.js";
import { makePackage } from "./serve-support.js";

export const XSS_SUMMARY = '<img src=x onerror="window.__pwned=1">';

export interface UiFixture {
  root: string;
  server: ChannelServer;
  url: string;
  readToken: string;
  writeToken: string;
  adminToken: string;
}

export async function startUiFixture(work: string): Promise<UiFixture> {
  const root = join(work, "root");
  const pub = join(root, "pub", "noarch");
  await makePackage(work, { name: "alpha", version: "1.0", license: "MIT" }, pub);
  await makePackage(
    work,
    { name: "alpha", version: "1.10", license: "MIT", about: { summary: "The first letter" } },
    pub,
  );
  await makePackage(work, { name: "alpha", version: "1.9", license: "MIT" }, pub);
  await makePackage(work, { name: "beta", version: "2.0", about: { summary: XSS_SUMMARY } }, pub);
  await makePackage(work, { name: "gamma-tools", version: "0.3", license: "BSD-3-Clause" }, pub);
  await indexChannel(join(root, "pub"), { bz2: false });
  await makePackage(
    work,
    { name: "secretpkg", version: "3.1", about: { summary: "Only for token holders" } },
    join(root, "priv", "noarch"),
  );
  await indexChannel(join(root, "priv"), { bz2: false });
  await writeFile(join(work, "server.yaml"), "channels:\n  priv: private\n");
  const config = loadServerConfig({
    root,
    configFile: join(work, "server.yaml"),
    stateDir: join(work, "state"),
  });
  const readToken = createToken(config.stateDir, [{ kind: "read", channel: "priv" }], "reader").token;
  const writeToken = createToken(config.stateDir, [{ kind: "write", channel: "pub" }], "writer").token;
  const adminToken = createToken(config.stateDir, [{ kind: "admin" }], "admin").token;
  const server = new ChannelServer({ root, config });
  const url = await server.listen(0, "127.0.0.1");
  return { root, server, url, readToken, writeToken, adminToken };
}
