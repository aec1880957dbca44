import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { DEFAULT_AUDIT_MAX_BYTES } from "./audit-log.js";
import { parseProxyEntry } from "./client-address.js";
import { ServerConfigError } from "./errors.js";
import { parseScope, type Scope } from "./scopes.js";

export type ChannelAccess = "public" | "private";

/** A token listed in server.yaml itself (only its sha256 is ever written down). */
export interface ConfiguredToken {
  id: string;
  sha256: string;
  scopes: Scope[];
}

export interface ServerConfig {
  /** Directory holding tokens.json, audit.log and upload temp files. */
  stateDir: string;
  /** Access of channels not listed in `channels`. */
  defaultAccess: ChannelAccess;
  channels: Map<string, ChannelAccess>;
  tokens: ConfiguredToken[];
  /** `Cache-Control: max-age` for repodata and other index files (seconds). */
  repodataMaxAge: number;
  /** Largest accepted upload in bytes. */
  maxUploadBytes: number;
  /** Invalid tokens one client address may present per window before it gets 429; 0: no limit. */
  maxAuthFailures: number;
  /** That window, in seconds. */
  authFailureWindow: number;
  /** audit.log is rotated to audit.NNNNNN.log at about this size (bytes); 0: never. */
  auditMaxBytes: number;
  /**
   * Reverse proxies (addresses or CIDR blocks) whose X-Forwarded-For is believed when they hand
   * over a request, so the audit log and the throttle see the real client (client-address.ts).
   */
  trustedProxies: string[];
}

/** Where the state lives when nothing says otherwise: inside ROOT, hidden (dot paths are never served). */
export function defaultStateDir(root: string): string {
  return join(resolve(root), ".taipan-server");
}

export interface LoadServerConfigOptions {
  root: string;
  configFile?: string;
  stateDir?: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Reads server.yaml (optional). Precedence for the state dir: the command line, then `state_dir`
 * in the file (relative to the file), then `<ROOT>/.taipan-server`.
 */
export function loadServerConfig(opts: LoadServerConfigOptions): ServerConfig {
  let doc: Record<string, unknown> = {};
  const source = opts.configFile ? resolve(opts.configFile) : "(defaults)";
  if (opts.configFile) {
    let text: string;
    try {
      text = readFileSync(source, "utf8");
    } catch (e) {
      throw new ServerConfigError(source, `cannot read it (${(e as NodeJS.ErrnoException).code ?? e})`);
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(text);
    } catch (e) {
      throw new ServerConfigError(source, `not valid YAML (${(e as Error).message})`);
    }
    if (parsed !== null && parsed !== undefined && !isRecord(parsed))
      throw new ServerConfigError(source, "the top level must be a mapping");
    doc = (parsed as Record<string, unknown> | null) ?? {};
  }
  const access = (v: unknown, where: string): ChannelAccess => {
    if (v === "public" || v === "private") return v;
    throw new ServerConfigError(source, `${where} must be 'public' or 'private', not ${JSON.stringify(v)}`);
  };
  const channels = new Map<string, ChannelAccess>();
  if (doc.channels !== undefined) {
    if (!isRecord(doc.channels)) throw new ServerConfigError(source, "`channels` must be a mapping");
    for (const [name, v] of Object.entries(doc.channels)) {
      // `name: private` and `name: {access: private}` both read naturally.
      const a = isRecord(v) ? v.access : v;
      channels.set(name, access(a ?? "public", `channels.${name}.access`));
    }
  }
  const tokens: ConfiguredToken[] = [];
  if (doc.tokens !== undefined) {
    if (!Array.isArray(doc.tokens)) throw new ServerConfigError(source, "`tokens` must be a list");
    doc.tokens.forEach((t, i) => {
      if (!isRecord(t) || typeof t.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(t.sha256))
        throw new ServerConfigError(
          source,
          `tokens[${i}] needs a sha256 (64 hex digits) of the token`,
          "Tokens are never stored in clear; create them with `taipan serve token create`.",
        );
      const scopes = Array.isArray(t.scopes) ? t.scopes : [];
      tokens.push({
        id: typeof t.id === "string" ? t.id : t.sha256.slice(0, 12),
        sha256: t.sha256,
        scopes: scopes.map((s) => {
          const p = parseScope(String(s));
          if (!p) throw new ServerConfigError(source, `tokens[${i}] has an invalid scope '${String(s)}'`);
          return p;
        }),
      });
    });
  }
  const num = (v: unknown, where: string, dflt: number): number => {
    if (v === undefined) return dflt;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0)
      throw new ServerConfigError(source, `${where} must be a non-negative number`);
    return v;
  };
  const trustedProxies: string[] = [];
  if (doc.trusted_proxies !== undefined) {
    if (!Array.isArray(doc.trusted_proxies))
      throw new ServerConfigError(source, "trusted_proxies must be a list of addresses or CIDR blocks");
    for (const p of doc.trusted_proxies) {
      if (typeof p !== "string" || !parseProxyEntry(p))
        throw new ServerConfigError(
          source,
          `trusted_proxies has '${String(p)}', which is not an IP address or CIDR block (e.g. 10.0.0.0/8, ::1)`,
        );
      trustedProxies.push(p.trim());
    }
  }
  let stateDir = opts.stateDir ? resolve(opts.stateDir) : undefined;
  if (!stateDir && typeof doc.state_dir === "string") stateDir = resolve(dirname(source), doc.state_dir);
  return {
    stateDir: stateDir ?? defaultStateDir(opts.root),
    defaultAccess: doc.default_access === undefined ? "public" : access(doc.default_access, "default_access"),
    channels,
    tokens,
    repodataMaxAge: num(doc.repodata_max_age, "repodata_max_age", 30),
    maxUploadBytes: num(doc.max_upload_bytes, "max_upload_bytes", 2 * 1024 ** 3),
    // Tokens are long and random, so 10 guesses a minute per address makes guessing hopeless while
    // a client with a mistyped token still sees its 401 a few times before being slowed down.
    maxAuthFailures: num(doc.max_auth_failures, "max_auth_failures", 10),
    authFailureWindow: num(doc.auth_failure_window, "auth_failure_window", 60),
    auditMaxBytes: num(doc.audit_max_bytes, "audit_max_bytes", DEFAULT_AUDIT_MAX_BYTES),
    trustedProxies,
  };
}

export function channelAccess(config: ServerConfig, channel: string): ChannelAccess {
  return config.channels.get(channel) ?? config.defaultAccess;
}
