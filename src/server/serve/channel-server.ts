import { mkdir, open, readdir, realpath, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve, sep } from "node:path";
import lockfile from "proper-lockfile";
import { UI_ASSETS, UI_HEADERS } from "../ui/assets.js";
import { AuditLog } from "./audit-log.js";
import { tailAuditLog } from "./audit-tail.js";
import { AuthThrottle } from "./auth-throttle.js";
import { channelSubdirs, summarizePackages } from "./catalog.js";
import { CatalogCache } from "./catalog-cache.js";
import { ClientAddress } from "./client-address.js";
import { ChannelLocks } from "./channel-lock.js";
import { HttpError, ServerConfigError, ServerListenError } from "./errors.js";
import { bearerToken, parseRequestPath } from "./request-path.js";
import { type Action, allows, formatScope } from "./scopes.js";
import { channelAccess, type ServerConfig } from "./server-config.js";
import { cacheControl, serveFile } from "./static-file.js";
import { type TokenIdentity, TokenRegistry } from "./token-store.js";
import { handleDelete, handleUpload } from "./upload.js";

export interface ChannelServerOptions {
  /** Directory holding channels as `<channel>/<subdir>/...`. */
  root: string;
  config: ServerConfig;
  /** Called for each request after it is audited (e.g. for a console access log). */
  onRequest?: (line: { method: string; path: string; status: number }) => void;
}

/** What one request did, for the audit log. */
interface RequestRecord {
  tokenId: string | null;
  path: string;
  bytes: number;
  sha256?: string;
  /** False for failed token checks after the first of a throttling window: they are only counted. */
  audit?: boolean;
  suppressed?: number;
}

/** A path refused before parsing, as it may be logged: tokens redacted, no query, bounded length. */
function unparsedPath(url: string | undefined): string {
  const parts = (url ?? "").split(/[?#]/)[0]!.split("/");
  const decoded = (p: string) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  };
  // `%74` is a `t` too: redact whatever follows any segment that decodes to it.
  for (let i = 0; i + 1 < parts.length; i++) if (decoded(parts[i]!) === "t") parts[i + 1] = "<TOKEN>";
  return parts.join("/").slice(0, 1024);
}

/** Top-level names the server itself answers, so never channels. */
const RESERVED = new Set(["api", "t", "ui"]);

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): number {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store",
    ...headers,
  });
  res.end(text);
  return Buffer.byteLength(text);
}

/**
 * A conda channel server over node:http: static GET/HEAD with validators and ranges for clients,
 * token-governed access, uploads that verify and re-index, and a hash-chained audit log.
 */
export class ChannelServer {
  readonly root: string;
  private readonly config: ServerConfig;
  private readonly tokens: TokenRegistry;
  private readonly locks = new ChannelLocks();
  private readonly throttle: AuthThrottle;
  private readonly clients: ClientAddress;
  /** The parsed repodata behind the web UI's endpoints, re-read only when a file changed. */
  readonly catalog = new CatalogCache();
  private server: Server | undefined;
  private audit: AuditLog | undefined;
  private readonly inflight = new Set<Promise<void>>();
  private releaseState: (() => Promise<void>) | undefined;

  constructor(private readonly opts: ChannelServerOptions) {
    this.root = resolve(opts.root);
    this.config = opts.config;
    this.tokens = new TokenRegistry(opts.config.stateDir, opts.config.tokens);
    this.clients = new ClientAddress(opts.config.trustedProxies);
    this.throttle = new AuthThrottle({
      maxFailures: opts.config.maxAuthFailures,
      windowMs: opts.config.authFailureWindow * 1000,
    });
  }

  /** Starts listening; resolves with the base URL (`http://host:port`). */
  async listen(port = 8000, host = "127.0.0.1"): Promise<string> {
    const st = await stat(this.root).catch(() => undefined);
    if (!st?.isDirectory())
      throw new ServerConfigError(
        this.root,
        "ROOT is not a directory",
        "Give the directory holding <channel>/<subdir>/ folders.",
      );
    await this.lockState();
    this.audit = await AuditLog.open(this.config.stateDir, { maxBytes: this.config.auditMaxBytes });
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      const p = this.handle(req, res);
      this.inflight.add(p);
      void p.finally(() => this.inflight.delete(p));
    };
    // Node's default 5-minute request timeout would cut a large upload on a slow link; headers
    // must still arrive promptly so idle half-open requests do not pile up.
    const server = createServer({ requestTimeout: 3_600_000, headersTimeout: 60_000 }, onRequest);
    // With `Expect: 100-continue` (curl does it for large bodies) the client waits: an upload
    // refused for its token or name is answered before any of its body is sent.
    server.on("checkContinue", onRequest);
    this.server = server;
    await new Promise<void>((ok, fail) => {
      server.once("error", (e: NodeJS.ErrnoException) => {
        void this.releaseState?.();
        this.releaseState = undefined;
        this.server = undefined;
        fail(new ServerListenError(host, port, e));
      });
      server.listen(port, host, () => {
        server.removeAllListeners("error");
        ok();
      });
    });
    return this.url;
  }

  /**
   * One server per state dir: two would fork the audit chain and race on upload scratch space.
   * The lock's mtime is refreshed while held, so a killed server's lock goes stale in 10 s.
   */
  private async lockState(): Promise<void> {
    const dir = this.config.stateDir;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    try {
      this.releaseState = await lockfile.lock(dir, {
        realpath: false,
        lockfilePath: `${dir}/server.lock`,
        stale: 10_000,
        update: 2_500,
        onCompromised: () => {},
      });
    } catch (e) {
      throw new ServerConfigError(
        dir,
        `another taipan serve holds its lock (${(e as Error).message})`,
        "Stop the other server, or give this one its own --state-dir.",
      );
    }
  }

  get url(): string {
    const a = this.server?.address() as AddressInfo | null | undefined;
    if (!a) return "";
    const host = a.family === "IPv6" ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}`;
  }

  /** Resolves when every request received so far has been answered and audited. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
  }

  /**
   * Stops accepting connections, lets running requests finish (uploads included) for up to
   * `graceMs`, then cuts the rest, and flushes the audit log.
   */
  async close(graceMs = 5000): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((r) => server.close(() => r()));
    server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.inflight]),
      new Promise<void>((r) => {
        timer = setTimeout(r, graceMs);
      }),
    ]);
    clearTimeout(timer);
    server.closeAllConnections();
    await closed;
    await this.locks.idle();
    try {
      await this.audit?.flush();
    } finally {
      await this.releaseState?.().catch(() => {});
      this.releaseState = undefined;
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rec: RequestRecord = { tokenId: null, path: unparsedPath(req.url), bytes: 0 };
    let status = 500;
    try {
      status = await this.route(req, res, rec);
    } catch (e) {
      const err =
        e instanceof HttpError
          ? e
          : new HttpError(500, "INTERNAL", `internal error: ${e instanceof Error ? e.message : String(e)}`);
      status = err.status;
      // A refused upload's body is not read: drain what is in flight, and close the connection
      // rather than wait for the rest of a possibly huge body.
      const unread = !req.complete;
      if (!res.headersSent)
        sendJson(
          res,
          err.status,
          { error: err.code, message: err.message },
          {
            ...err.headers,
            ...(unread ? { Connection: "close" } : {}),
          },
        );
      else res.destroy();
      if (unread) req.resume();
    }
    if (rec.audit !== false)
      await this.audit?.append({
        time: new Date().toISOString(),
        client: this.clients.of(req),
        token_id: rec.tokenId,
        method: req.method ?? "",
        path: rec.path,
        status,
        bytes: rec.bytes,
        ...(rec.sha256 ? { sha256: rec.sha256 } : {}),
        ...(rec.suppressed ? { suppressed: rec.suppressed } : {}),
      });
    this.opts.onRequest?.({ method: req.method ?? "", path: rec.path, status });
  }

  /**
   * The caller: undefined when anonymous; a presented token that is unknown is a 401 at once, and
   * an address that presented too many of those gets 429 without its token being looked at.
   */
  private identify(
    req: IncomingMessage,
    urlToken: string | undefined,
    rec: RequestRecord,
  ): TokenIdentity | undefined {
    const token = urlToken ?? bearerToken(req.headers.authorization);
    if (token === undefined) return undefined;
    const client = this.clients.of(req);
    const wait = this.throttle.blockedFor(client);
    if (wait > 0) {
      rec.audit = this.throttle.fail(client).audit;
      const seconds = Math.max(1, Math.ceil(wait / 1000));
      throw new HttpError(
        429,
        "TOO_MANY_REQUESTS",
        `too many invalid tokens from this address; try again in ${seconds} s`,
        { "Retry-After": String(seconds) },
      );
    }
    const who = this.tokens.identify(token);
    if (!who) {
      const verdict = this.throttle.fail(client);
      rec.audit = verdict.audit;
      rec.suppressed = verdict.suppressedBefore;
      throw this.unauthorized("the token is not valid");
    }
    rec.tokenId = who.id;
    return who;
  }

  private unauthorized(message: string): HttpError {
    return new HttpError(401, "UNAUTHORIZED", message, { "WWW-Authenticate": 'Bearer realm="taipan"' });
  }

  /** 401 when no (valid) credentials were given, 403 when the token is valid but lacks the scope. */
  private require(who: TokenIdentity | undefined, action: Action, channel?: string): void {
    if (who && allows(who.scopes, action, channel)) return;
    if (!who)
      throw this.unauthorized(`${action} access${channel ? ` to channel '${channel}'` : ""} needs a token`);
    throw new HttpError(
      403,
      "FORBIDDEN",
      `this token has no ${action} scope${channel ? ` for channel '${channel}'` : ""}`,
    );
  }

  private canRead(who: TokenIdentity | undefined, channel: string): boolean {
    return (
      channelAccess(this.config, channel) === "public" ||
      (who !== undefined && allows(who.scopes, "read", channel))
    );
  }

  private async route(req: IncomingMessage, res: ServerResponse, rec: RequestRecord): Promise<number> {
    const target = parseRequestPath(req.url ?? "/");
    rec.path = target.redacted;
    const who = this.identify(req, target.urlToken, rec);
    const seg = target.segments;
    const method = req.method ?? "GET";
    const readOnly = () => {
      if (method !== "GET" && method !== "HEAD")
        throw new HttpError(405, "METHOD_NOT_ALLOWED", `${method} is not allowed here`, {
          Allow: "GET, HEAD",
        });
    };
    // The web UI: `/` (without a URL token, which conda clients use) leads to it.
    if (seg.length === 0 && target.urlToken === undefined) {
      readOnly();
      res.writeHead(302, { Location: "/ui/", "Content-Length": 0, "Cache-Control": "no-store" });
      res.end();
      return 302;
    }
    if (seg[0] === "ui" && target.urlToken === undefined) {
      readOnly();
      const asset = UI_ASSETS.get(seg.length === 1 ? "index.html" : seg.length === 2 ? seg[1]! : "");
      if (!asset) throw new HttpError(404, "NOT_FOUND", `${target.redacted} does not exist`);
      const len = Buffer.byteLength(asset.body);
      res.writeHead(200, { "Content-Type": asset.type, "Content-Length": len, ...UI_HEADERS });
      res.end(method === "HEAD" ? undefined : asset.body);
      rec.bytes = method === "HEAD" ? 0 : len;
      return 200;
    }
    if (seg[0] === "api") {
      if (seg[1] === "channels" && seg.length === 2) {
        readOnly();
        rec.bytes = sendJson(res, 200, { channels: await this.listChannels(who) });
        return 200;
      }
      if (seg[1] === "whoami" && seg.length === 2) {
        readOnly();
        // The token's id and scopes, never the token (nor its hash).
        const body = who
          ? { token_id: who.id, scopes: who.scopes.map(formatScope), admin: allows(who.scopes, "admin") }
          : { token_id: null, scopes: [], admin: false };
        rec.bytes = sendJson(res, 200, body);
        return 200;
      }
      if (seg[1] === "packages" && (seg.length === 3 || seg.length === 4)) {
        readOnly();
        rec.bytes = sendJson(res, 200, await this.packagesApi(who, seg[2]!, seg[3]));
        return 200;
      }
      if (seg[1] === "audit" && seg.length === 2) {
        readOnly();
        this.require(who, "admin");
        const q = new URL(req.url ?? "/", "http://x").searchParams.get("limit");
        const limit = Math.min(Math.max(Number.parseInt(q ?? "100", 10) || 100, 1), 1000);
        // Settle lines still queued so the tail includes the requests just before this one.
        await this.audit?.flush().catch(() => {});
        rec.bytes = sendJson(res, 200, { entries: await tailAuditLog(this.config.stateDir, limit) });
        return 200;
      }
      if (seg[1] === "channels" && seg.length === 5) {
        const [, , channel, subdir, fn] = seg as [string, string, string, string, string];
        const ctx = {
          root: this.root,
          stateDir: this.config.stateDir,
          maxUploadBytes: this.config.maxUploadBytes,
          locks: this.locks,
          acceptBody: () => {
            if (/100-continue/i.test(req.headers.expect ?? "")) res.writeContinue();
          },
        };
        if (method === "PUT") {
          this.require(who, "write", channel);
          const result = await handleUpload(req, { channel, subdir, fn }, ctx);
          rec.bytes = result.size;
          rec.sha256 = result.sha256;
          const status = result.created ? 201 : 200;
          sendJson(res, status, result);
          return status;
        }
        if (method === "DELETE") {
          this.require(who, "admin");
          const { sha256 } = await handleDelete({ channel, subdir, fn }, ctx);
          rec.sha256 = sha256;
          sendJson(res, 200, { channel, subdir, fn, sha256, deleted: true });
          return 200;
        }
        throw new HttpError(405, "METHOD_NOT_ALLOWED", `${method} is not allowed here`, {
          Allow: "PUT, DELETE",
        });
      }
      throw new HttpError(404, "NOT_FOUND", "no such API endpoint");
    }
    if (method !== "GET" && method !== "HEAD")
      throw new HttpError(405, "METHOD_NOT_ALLOWED", `${method} is not allowed on channel files`, {
        Allow: "GET, HEAD",
      });
    if (seg.length === 0)
      throw new HttpError(404, "NOT_FOUND", "directory listing is off; see /api/channels");
    const channel = seg[0]!;
    // Access is decided before existence, so a private channel's files are not probed anonymously.
    if (!this.canRead(who, channel)) this.require(who, "read", channel);
    const file = await this.resolveFile(seg);
    if (!file) throw new HttpError(404, "NOT_FOUND", `${target.redacted} does not exist`);
    const fh = await open(file, "r");
    const private_ = channelAccess(this.config, channel) === "private";
    rec.bytes = await serveFile(req, res, fh, seg[seg.length - 1]!, {
      cacheControl: cacheControl(seg.join("/"), { private: private_, maxAge: this.config.repodataMaxAge }),
    });
    return res.statusCode;
  }

  /**
   * The real path of a regular file inside its channel, or undefined (missing, a directory, or a
   * symlink leading out). The bound is the channel, not ROOT: a link from a public channel into a
   * private one would otherwise hand out the private file without a token.
   */
  private async resolveFile(seg: string[]): Promise<string | undefined> {
    let real: string;
    let channelReal: string;
    try {
      channelReal = await realpath(join(this.root, seg[0]!));
      real = await realpath(join(this.root, ...seg));
    } catch {
      return undefined;
    }
    if (!real.startsWith(channelReal + sep)) return undefined;
    const st = await stat(real).catch(() => undefined);
    return st?.isFile() ? real : undefined;
  }

  /**
   * `/api/packages/<channel>` (package names with latest version, subdirs, build count, license,
   * summary) and `/api/packages/<channel>/<name>` (its builds). Read access as for the files.
   */
  private async packagesApi(
    who: TokenIdentity | undefined,
    channel: string,
    name?: string,
  ): Promise<unknown> {
    if (!this.canRead(who, channel)) this.require(who, "read", channel);
    const dir = await this.channelDir(channel);
    if (!dir) throw new HttpError(404, "NOT_FOUND", `no channel '${channel}'`);
    const access = channelAccess(this.config, channel);
    if (name === undefined) {
      const packages = await this.catalog.packages(dir);
      return { channel, access, subdirs: await channelSubdirs(dir), packages };
    }
    const data = await this.catalog.channelData(dir);
    const builds = await this.catalog.builds(dir, name);
    if (builds.length === 0)
      throw new HttpError(404, "NOT_FOUND", `no package '${name}' in channel '${channel}'`);
    const about = data.get(name) ?? {};
    const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);
    const [pkg] = summarizePackages(builds, data);
    return {
      channel,
      access,
      name,
      latest: pkg!.latest,
      license: pkg!.license,
      summary: pkg!.summary,
      home: text(about.home),
      builds,
    };
  }

  /** A listed channel's directory (not the reserved names, nor a link out of ROOT), or undefined. */
  private async channelDir(channel: string): Promise<string | undefined> {
    if (RESERVED.has(channel)) return undefined;
    try {
      const root = await realpath(this.root);
      const real = await realpath(join(this.root, channel));
      if (!real.startsWith(root + sep)) return undefined;
      return (await stat(real)).isDirectory() ? real : undefined;
    } catch {
      return undefined;
    }
  }

  private async listChannels(who: TokenIdentity | undefined): Promise<unknown[]> {
    const dirents = await readdir(this.root, { withFileTypes: true });
    const out: unknown[] = [];
    for (const d of dirents.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (!d.isDirectory() || d.name.startsWith(".") || RESERVED.has(d.name)) continue;
      if (!this.canRead(who, d.name)) continue;
      const subdirs = await channelSubdirs(join(this.root, d.name));
      out.push({ name: d.name, access: channelAccess(this.config, d.name), subdirs });
    }
    return out;
  }
}
