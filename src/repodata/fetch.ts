import { readFileSync } from "node:fs";
import type { Dispatcher } from "undici";
import { RepodataFetchError } from "./errors.js";
import { redactSecretsOf, redactUrl } from "../conda/url-credentials.js";

export interface FetchOptions {
  /** Per-attempt timeout for headers and for body inactivity (ms). Default 60 s. */
  timeoutMs?: number;
  /** Extra attempts after a 5xx / 429 / reset / timeout. Default 3. */
  retries?: number;
  /** First back-off delay (ms), doubled per attempt with jitter. Default 500. */
  retryBaseMs?: number;
  /**
   * conda's `ssl_verify`: `false` disables certificate checks, a string is a CA bundle path.
   * `NODE_EXTRA_CA_CERTS` is honoured by Node itself.
   */
  sslVerify?: boolean | string;
  /** Proxy URL for every request; by default `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` are read. */
  proxy?: string;
  /**
   * conda's `proxy_servers`: proxy per scheme (`http`, `https`) or per `scheme://host`, the more
   * specific key winning. Takes precedence over the environment variables.
   */
  proxyServers?: Record<string, string>;
  /** Bearer token(s): one for all hosts, or per host (`{ "repo.example.com": "abc" }`). */
  bearerToken?: string | Record<string, string>;
  /** Maximum concurrent requests from one gateway. Default 16. */
  concurrency?: number;
  userAgent?: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function isCertificateError(e: unknown): boolean {
  const code = (e as { code?: string })?.code ?? "";
  const msg = (e as Error)?.message ?? "";
  return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|SSL/i.test(code) || /certificate/i.test(msg);
}

/**
 * A small HTTP GET client over undici with conda's connection semantics: credentials from the URL
 * (basic auth; `/t/<token>/` stays in the path), bearer tokens, proxies, custom CA, retries with
 * exponential back-off on 5xx and dropped connections, and a concurrency limit.
 */
export class HttpClient {
  private readonly opts: FetchOptions;
  private readonly dispatchers = new Map<string, Dispatcher>();
  private tlsOptions: Record<string, unknown> | undefined;
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(opts: FetchOptions = {}) {
    this.opts = opts;
  }

  private tls(): Record<string, unknown> {
    if (this.tlsOptions) return this.tlsOptions;
    const tls: Record<string, unknown> = {};
    if (this.opts.sslVerify === false) tls.rejectUnauthorized = false;
    else if (typeof this.opts.sslVerify === "string") {
      try {
        tls.ca = readFileSync(this.opts.sslVerify);
      } catch (e) {
        throw new RepodataFetchError(`(ssl_verify) ${this.opts.sslVerify}`, "cannot read the CA bundle", {
          hint: "Set ssl_verify to the path of a readable PEM file, or to true.",
          cause: e,
        });
      }
    }
    this.tlsOptions = tls;
    return tls;
  }

  /** The proxy for `target` from `proxy` / `proxy_servers`, or undefined (direct or environment). */
  private proxyFor(target: URL): string | undefined {
    if (this.opts.proxy) return this.opts.proxy;
    const servers = this.opts.proxyServers;
    if (!servers) return undefined;
    const scheme = target.protocol.replace(/:$/, "");
    return servers[`${scheme}://${target.hostname}`] ?? servers[scheme];
  }

  private getDispatcher(target: URL, undici: typeof import("undici")): Dispatcher {
    const proxy = this.proxyFor(target);
    const env = process.env;
    const fromEnv = !proxy && !!(env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy);
    const key = proxy ?? (fromEnv ? "<env>" : "<direct>");
    let d = this.dispatchers.get(key);
    if (d) return d;
    const tls = this.tls();
    const timeout = this.opts.timeoutMs ?? 60_000;
    const common = { connect: { ...tls, timeout }, headersTimeout: timeout, bodyTimeout: timeout };
    if (proxy) d = new undici.ProxyAgent({ uri: proxy, requestTls: tls, ...common });
    else if (fromEnv) d = new undici.EnvHttpProxyAgent({ requestTls: tls, ...common });
    else d = new undici.Agent(common);
    this.dispatchers.set(key, d);
    return d;
  }

  async close(): Promise<void> {
    const all = [...this.dispatchers.values()];
    this.dispatchers.clear();
    await Promise.all(all.map((d) => d.close()));
  }

  private async acquire(): Promise<void> {
    const limit = this.opts.concurrency ?? 16;
    if (this.active < limit) {
      this.active++;
      return;
    }
    await new Promise<void>((r) => this.queue.push(r));
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.active--;
  }

  /**
   * GETs `url` and returns any final HTTP status (callers decide what 304 / 404 mean). Throws
   * RepodataFetchError (URL redacted) when the network fails after all retries.
   */
  async get(url: string, headers: Record<string, string> = {}): Promise<HttpResponse> {
    await this.acquire();
    try {
      return await this.getWithRetries(url, headers);
    } finally {
      this.release();
    }
  }

  private async getWithRetries(url: string, extra: Record<string, string>): Promise<HttpResponse> {
    const shown = redactUrl(url);
    let target: URL;
    try {
      target = new URL(url);
    } catch (e) {
      throw new RepodataFetchError(shown, "not a valid URL", { hint: "Check the channel URL.", cause: e });
    }
    if (target.protocol !== "http:" && target.protocol !== "https:")
      throw new RepodataFetchError(shown, `unsupported URL scheme '${target.protocol}'`, {
        hint: "Channels are read from http(s):// URLs, file:// URLs or local directories.",
      });
    const headers: Record<string, string> = {
      "user-agent": this.opts.userAgent ?? "taipan",
      "accept-encoding": "gzip, deflate",
      ...extra,
    };
    if (target.username || target.password) {
      const user = decodeURIComponent(target.username);
      const pass = decodeURIComponent(target.password);
      headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
      target.username = "";
      target.password = "";
    } else {
      const bt = this.opts.bearerToken;
      const token = typeof bt === "string" ? bt : bt?.[target.host];
      if (token) headers.authorization = `Bearer ${token}`;
    }
    // undici loads on the first network request: a run that reads only local channels (most
    // tests, offline use, `taipan list`) does not pay the ~20 ms of compiling it.
    const undici = await import("undici");
    const retries = this.opts.retries ?? 3;
    const base = this.opts.retryBaseMs ?? 500;
    let lastReason = "";
    let lastCause: unknown;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep(base * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5));
      try {
        const res = await undici.request(target, {
          method: "GET",
          headers,
          dispatcher: this.getDispatcher(target, undici),
        });
        if (RETRYABLE_STATUS.has(res.statusCode) && attempt < retries) {
          await res.body.dump();
          lastReason = `HTTP ${res.statusCode}`;
          continue;
        }
        const body = Buffer.from(await res.body.arrayBuffer());
        const length = res.headers["content-length"];
        const encoded = res.headers["content-encoding"];
        if (typeof length === "string" && !encoded && Number(length) !== body.length)
          throw Object.assign(new Error(`body ended after ${body.length} of ${length} bytes`), {
            code: "UND_ERR_SOCKET",
          });
        const hs: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) {
          if (typeof v === "string") hs[k] = v;
          else if (Array.isArray(v)) hs[k] = v.join(", ");
        }
        return {
          status: res.statusCode,
          headers: hs,
          body: await decodeContent(body, hs["content-encoding"]),
        };
      } catch (e) {
        if (e instanceof RepodataFetchError) throw e;
        if (isCertificateError(e)) {
          throw new RepodataFetchError(shown, redactSecretsOf(url, (e as Error).message), {
            hint: "The server's TLS certificate was not accepted. Add its CA with NODE_EXTRA_CA_CERTS or ssl_verify: <ca-bundle path> (ssl_verify: false disables the check).",
            cause: e,
          });
        }
        const code = (e as { code?: string }).code;
        if (code === "ENOTFOUND")
          throw new RepodataFetchError(shown, `unknown host ${target.hostname}`, {
            hint: "Check the channel name / URL and that this machine can resolve the host (or use --offline).",
            cause: e,
          });
        lastReason = redactSecretsOf(url, `${(e as Error).message}${code ? ` (${code})` : ""}`);
        lastCause = e;
      }
    }
    throw new RepodataFetchError(shown, `${lastReason} after ${retries + 1} attempts`, {
      hint: "The server or network failed repeatedly; retry later, check proxy settings, or use --offline with a filled cache.",
      cause: lastCause,
    });
  }
}

async function decodeContent(body: Buffer, encoding: string | undefined): Promise<Buffer> {
  if (!encoding || encoding === "identity") return body;
  const zlib = await import("node:zlib");
  if (encoding === "gzip" || encoding === "x-gzip") return zlib.gunzipSync(body);
  if (encoding === "deflate") return zlib.inflateSync(body);
  if (encoding === "br") return zlib.brotliDecompressSync(body);
  return body;
}
