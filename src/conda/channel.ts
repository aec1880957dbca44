import { homedir } from "node:os";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { TaipanError } from "./errors.js";
import { currentSubdir, KNOWN_SUBDIRS } from "./platform.js";
import { redactUrl } from "./url-credentials.js";

/** conda's `DEFAULT_CHANNEL_ALIAS` (conda/base/constants.py). */
export const DEFAULT_CHANNEL_ALIAS = "https://conda.anaconda.org";
/** conda's `DEFAULT_CHANNELS_UNIX`. */
export const DEFAULT_CHANNELS_UNIX: readonly string[] = Object.freeze([
  "https://repo.anaconda.com/pkgs/main",
  "https://repo.anaconda.com/pkgs/r",
]);
/** conda's `DEFAULT_CHANNELS_WIN` (adds msys2). */
export const DEFAULT_CHANNELS_WIN: readonly string[] = Object.freeze([
  ...DEFAULT_CHANNELS_UNIX,
  "https://repo.anaconda.com/pkgs/msys2",
]);
/** conda's `DEFAULT_CUSTOM_CHANNELS`. */
export const DEFAULT_CUSTOM_CHANNELS: Readonly<Record<string, string>> = Object.freeze({
  "pkgs/pro": "https://repo.anaconda.com",
});
/** The name conda gives records whose channel cannot be determined (`UNKNOWN_CHANNEL`). */
export const UNKNOWN_CHANNEL = "<unknown>";

/**
 * The `.condarc` keys that decide what a channel string means. Field names follow conda's
 * settings: `channel_alias`, `custom_channels` (name → location URL), `default_channels` (what
 * `defaults` expands to) and `custom_multichannels` (name → list of channels).
 */
export interface ChannelConfig {
  channelAlias: string;
  customChannels: Record<string, string>;
  defaultChannels: readonly string[];
  customMultichannels: Record<string, readonly string[]>;
  /** Subdirs recognised at the end of a channel URL or name; conda's `known_subdirs`. */
  knownSubdirs?: readonly string[];
  /**
   * conda's `migrated_channel_aliases`: old aliases whose URLs are read as if written under
   * {@link channelAlias} (e.g. an old in-house mirror still named in lock files).
   */
  migratedChannelAliases?: readonly string[];
  /** conda's `migrated_custom_channels`: name → old location now served from the custom channel's. */
  migratedCustomChannels?: Record<string, string>;
}

/** conda's defaults for the host OS (Windows adds `pkgs/msys2` to `defaults`). */
export function defaultChannelConfig(platform: NodeJS.Platform = process.platform): ChannelConfig {
  return {
    channelAlias: DEFAULT_CHANNEL_ALIAS,
    customChannels: { ...DEFAULT_CUSTOM_CHANNELS },
    defaultChannels: platform === "win32" ? [...DEFAULT_CHANNELS_WIN] : [...DEFAULT_CHANNELS_UNIX],
    customMultichannels: {},
  };
}

/** A channel string, alias or configuration value that cannot be turned into a channel. */
export class ChannelParseError extends TaipanError {
  readonly input: string;
  constructor(input: string, reason: string, hint?: string) {
    super("INVALID_CHANNEL", `invalid channel '${redactUrl(input)}': ${reason}`, {
      hint:
        hint ??
        "Give a channel name (conda-forge, conda-forge/label/dev), a URL (https://host/path, file:///dir) or a directory path.",
      exceptionName: "CondaValueError",
    });
    this.input = input;
  }
}

// ---------------------------------------------------------------------------------------------
// URL pieces, following conda/common/url.py: a token is `/t/<token>` anywhere in the URL, the
// platform is the first `/known-subdir/` (or trailing) path segment, a package filename is a last
// segment ending in .conda/.tar.bz2/.json.

const SCHEME_RE = /^([a-z][a-z0-9]{0,11}):\/\//;
const TOKEN_RE = /\/t\/([a-zA-Z0-9-]*)/;
const PACKAGE_EXTENSIONS = [".conda", ".tar.bz2", ".json"];

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const platformReCache = new Map<string, RegExp>();
function platformRe(known: readonly string[]): RegExp {
  const key = known.join("|");
  let re = platformReCache.get(key);
  if (!re) {
    re = new RegExp(`/(${known.map(escapeRe).join("|")})(?:/|$)`, "i");
    platformReCache.set(key, re);
  }
  return re;
}

/** Removes a `/t/<token>` segment: `[url without it (no trailing /), token | undefined]`. */
export function splitAnacondaToken(url: string): [string, string | undefined] {
  const m = TOKEN_RE.exec(url);
  if (!m) return [url.replace(/\/+$/, ""), undefined];
  const token = m[1];
  return [url.replace(`/t/${token}`, "").replace(/\/+$/, ""), token];
}

function splitPlatform(known: readonly string[], url: string): [string, string | undefined] {
  const m = platformRe(known).exec(url);
  if (!m) return [url.replace(/\/+$/, ""), undefined];
  const platform = m[1];
  return [url.replace(`/${platform}`, "").replace(/\/+$/, ""), platform];
}

interface UrlParts {
  scheme: string | undefined;
  auth: string | undefined;
  host: string | undefined;
  port: string | undefined;
  path: string;
}

/** A forgiving URL splitter (like urllib3's): accepts `host:port/path` without a scheme. */
function urlParts(url: string): UrlParts {
  let rest = url;
  let scheme: string | undefined;
  const sm = SCHEME_RE.exec(rest);
  if (sm) {
    scheme = sm[1];
    rest = rest.slice(sm[0].length);
  } else if (rest.startsWith("//")) {
    rest = rest.slice(2);
  }
  const q = rest.search(/[?#]/);
  if (q >= 0) rest = rest.slice(0, q);
  const slash = rest.indexOf("/");
  const netloc = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? "" : rest.slice(slash);
  let auth: string | undefined;
  let hostPort = netloc;
  const at = netloc.lastIndexOf("@");
  if (at >= 0) {
    auth = netloc.slice(0, at) || undefined;
    hostPort = netloc.slice(at + 1);
  }
  let host: string | undefined = hostPort;
  let port: string | undefined;
  const pm = /^(.*):(\d*)$/.exec(hostPort);
  if (pm && !hostPort.endsWith("]")) {
    host = pm[1];
    port = pm[2] || undefined;
  }
  return { scheme, auth, host: host || undefined, port, path };
}

function hostPort(host: string | undefined, port: string | undefined): string {
  return (host ?? "") + (port ? `:${port}` : "");
}

/** conda's `join_url`: joins with single slashes, keeping a leading `/` of the first part. */
function joinUrl(...parts: (string | undefined)[]): string {
  const first = parts[0];
  const start = !first || first.startsWith("/") ? "/" : "";
  return (
    start +
    parts
      .filter((p): p is string => !!p)
      .map((p) => p.replace(/^\/+|\/+$/g, ""))
      .filter((p) => p.length > 0)
      .join("/")
  );
}

/** Whether `test` begins with all of `prefix`'s `/`-separated segments. */
function segmentsStartWith(test: string, prefix: string): boolean {
  const t = test.split("/");
  const p = prefix.split("/");
  if (p.length > t.length) return false;
  return p.every((seg, i) => seg === t[i]);
}

/** conda's `tokenized_startswith`: the segments agree as far as both names go. */
function segmentsOverlap(a: string, b: string): boolean {
  const x = a.split("/");
  const y = b.split("/");
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return false;
  return true;
}

interface SchemeAuthToken {
  /** host[:port]/path with scheme, auth and token removed. */
  location: string;
  scheme: string | undefined;
  auth: string | undefined;
  token: string | undefined;
}

function splitSchemeAuthToken(url: string): SchemeAuthToken {
  const [cleaned, token] = splitAnacondaToken(url);
  const p = urlParts(cleaned);
  return {
    location: hostPort(p.host, p.port) + p.path.replace(/\/+$/, ""),
    scheme: p.scheme,
    auth: p.auth,
    token,
  };
}

function hasScheme(value: string): boolean {
  return SCHEME_RE.test(value);
}

function isWindowsPath(value: string): boolean {
  return /^[a-zA-Z]:[/\\]/.test(value) || value.startsWith("\\\\");
}

/** conda's `is_path`: relative/absolute/home paths and Windows drive paths. */
function isPath(value: string): boolean {
  if (value.includes("://")) return false;
  return (
    value === "." ||
    value === ".." ||
    value.startsWith("./") ||
    value.startsWith("../") ||
    value.startsWith("~") ||
    value.startsWith("/") ||
    value.startsWith(".\\") ||
    value.startsWith("..\\") ||
    isWindowsPath(value)
  );
}

/** A filesystem path → `file://` URL (absolute, `~` expanded, percent-encoded as conda's `path_to_url`). */
export function pathToChannelUrl(path: string): string {
  if (isWindowsPath(path) && process.platform !== "win32") {
    // A Windows path read on another OS (e.g. from an environment file): keep it, slash-separated.
    return `file:///${path.replace(/\\/g, "/").replace(/^\/+/, "")}`;
  }
  let p = path;
  if (p === "~" || p.startsWith("~/") || p.startsWith("~\\")) p = homedir() + p.slice(1);
  const abs = isAbsolute(p) ? resolve(p) : resolve(process.cwd(), p);
  return pathToFileURL(abs).href.replace(/\/+$/, "");
}

// ---------------------------------------------------------------------------------------------

interface ChannelInit {
  scheme?: string;
  auth?: string;
  location?: string;
  token?: string;
  name?: string;
  platform?: string;
  packageFilename?: string;
}

/** @internal A {@link ChannelConfig} with its URLs parsed (conda's memoized context properties). */
export interface ResolvedChannelConfig {
  source: ChannelConfig;
  alias: SchemeAuthToken;
  known: readonly string[];
  /** name → channel, longest name first (conda's `custom_channels` + members of multichannels). */
  customChannels: [string, Channel][];
  customChannelsByName: Map<string, Channel>;
  multichannels: Map<string, Channel[]>;
  cache: Map<string, Channel>;
  migratedAliases: SchemeAuthToken[];
  /** name → old location, longest name first. */
  migratedCustom: [string, SchemeAuthToken][];
}

const resolvedConfigs = new WeakMap<ChannelConfig, ResolvedChannelConfig>();
let defaultConfig: ChannelConfig | undefined;

function resolveConfig(config: ChannelConfig | undefined): ResolvedChannelConfig {
  if (!config) config = defaultConfig ??= defaultChannelConfig();
  let r = resolvedConfigs.get(config);
  if (r) return r;
  if (!config.channelAlias || !hasScheme(config.channelAlias))
    throw new ChannelParseError(
      config.channelAlias ?? "",
      "channel_alias must be a URL with a scheme",
      "Set channel_alias to e.g. https://conda.anaconda.org.",
    );
  const alias = splitSchemeAuthToken(config.channelAlias);
  r = {
    source: config,
    alias,
    known: config.knownSubdirs ?? KNOWN_SUBDIRS,
    customChannels: [],
    customChannelsByName: new Map(),
    multichannels: new Map(),
    cache: new Map(),
    migratedAliases: (config.migratedChannelAliases ?? []).map(splitSchemeAuthToken),
    migratedCustom: Object.entries(config.migratedCustomChannels ?? {})
      .map(([name, url]): [string, SchemeAuthToken] => [
        name.replace(/^\/+|\/+$/g, ""),
        splitSchemeAuthToken(url),
      ])
      .sort((a, b) => b[0].length - a[0].length),
  };
  const resolved = r;
  const simple = (url: string, name?: string) => makeSimpleChannel(resolved, url, name);
  // User multichannels first, then the reserved `defaults` (conda lets a user multichannel shadow nothing
  // reserved: `defaults` always comes from default_channels).
  for (const [name, urls] of Object.entries(config.customMultichannels ?? {})) {
    if (name === "defaults") continue;
    r.multichannels.set(
      name,
      urls.map((u) => simple(u)),
    );
  }
  r.multichannels.set(
    "defaults",
    (config.defaultChannels.length ? config.defaultChannels : DEFAULT_CHANNELS_UNIX).map((u) => simple(u)),
  );
  // custom_channels = members of multichannels, then the explicit custom_channels (which win).
  for (const members of r.multichannels.values())
    for (const c of members) r.customChannelsByName.set(c.name, c);
  for (const [name, url] of Object.entries(config.customChannels ?? {}))
    r.customChannelsByName.set(name.replace(/^\/+|\/+$/g, ""), simple(url, name));
  r.customChannels = [...r.customChannelsByName.entries()].sort((a, b) => b[0].length - a[0].length);
  resolvedConfigs.set(config, r);
  return r;
}

/** conda's `Channel.make_simple_channel`: a config URL (or bare name) → channel. */
function makeSimpleChannel(cfg: ResolvedChannelConfig, channelUrl: string, name?: string): Channel {
  const ca = cfg.alias;
  const t = splitSchemeAuthToken(channelUrl);
  if (name && t.scheme)
    return new Channel(cfg, {
      scheme: t.scheme,
      auth: t.auth,
      location: t.location,
      token: t.token,
      name: name.replace(/^\/+|\/+$/g, ""),
    });
  if (t.scheme) {
    let location: string;
    let n: string;
    if (ca.location && t.location.startsWith(ca.location)) {
      location = ca.location;
      n = t.location.slice(ca.location.length);
    } else {
      const p = urlParts(t.location);
      location = hostPort(p.host, p.port);
      n = p.path;
    }
    return new Channel(cfg, {
      scheme: t.scheme,
      auth: t.auth,
      location,
      token: t.token,
      name: n.replace(/^\/+|\/+$/g, ""),
    });
  }
  return new Channel(cfg, {
    scheme: ca.scheme,
    auth: ca.auth,
    location: ca.location,
    token: ca.token,
    name: (name ?? channelUrl).replace(/^\/+|\/+$/g, ""),
  });
}

/** conda's `_get_channel_for_name`: a bare name, looked up in custom_channels by progressively shorter prefixes. */
function channelForName(cfg: ResolvedChannelConfig, channelName: string): Channel {
  const [stripped, platform] = splitPlatform(cfg.known, channelName);
  let probe = stripped;
  for (;;) {
    const found = cfg.customChannelsByName.get(probe);
    if (found) return found.with({ name: stripped, platform });
    const slash = probe.lastIndexOf("/");
    if (slash < 0) break;
    probe = probe.slice(0, slash);
  }
  const ca = cfg.alias;
  return new Channel(cfg, {
    scheme: ca.scheme,
    auth: ca.auth,
    location: ca.location,
    token: ca.token,
    name: stripped,
    platform,
  });
}

/** conda's `_read_channel_configuration` minus the `migrated_*` steps. */
function readChannelConfiguration(
  cfg: ResolvedChannelConfig,
  scheme: string | undefined,
  host: string | undefined,
  port: string | undefined,
  rawPath: string,
): { location: string; name: string; scheme?: string; auth?: string; token?: string } {
  const path = rawPath.replace(/\/+$/, "");
  const testUrl = hostPort(host, port) + path;
  // 1. No path: the host is the channel (conda: name None).
  if (!path) return { location: hostPort(host, port), name: "", scheme };
  // 1a. A migrated custom channel's old URL: re-home it onto that channel's current location and credentials.
  for (const [name, old] of cfg.migratedCustom) {
    const that = joinUrl(old.location, name).replace(/^\//, old.location.startsWith("/") ? "/" : "");
    if (segmentsStartWith(testUrl, that)) {
      const channelName = joinUrl(name, testUrl.slice(that.length)).replace(/^\//, "");
      const c = channelForName(cfg, channelName);
      return { location: c.location, name: channelName, scheme: c.scheme, auth: c.auth, token: c.token };
    }
  }
  // 1b. Under a migrated channel alias: the same name under today's channel_alias.
  for (const old of cfg.migratedAliases) {
    if (old.location && testUrl.startsWith(old.location)) {
      const ca = cfg.alias;
      const name = testUrl.slice(old.location.length).replace(/^\/+|\/+$/g, "");
      return { location: ca.location, name, scheme: ca.scheme, auth: ca.auth, token: ca.token };
    }
  }
  // 2. A custom channel (or a member of a multichannel) whose URL prefixes this one, longest name first.
  //    conda compares only as many segments as the shorter URL has, which turns a parent URL such as
  //    https://repo.anaconda.com/pkgs into the channel `pkgs/main/repo.anaconda.com/pkgs`; we require the
  //    whole custom-channel URL to be a prefix instead.
  for (const [, channel] of cfg.customChannels) {
    const that = joinUrl(channel.location, channel.name).replace(
      /^\//,
      channel.location.startsWith("/") ? "/" : "",
    );
    if (segmentsStartWith(testUrl, that)) {
      const subname = testUrl.slice(that.length).replace(/^\/+|\/+$/g, "");
      return {
        location: channel.location,
        name: joinUrl(channel.name, subname).replace(/^\//, ""),
        scheme,
        auth: channel.auth,
        token: channel.token,
      };
    }
  }
  // 3. Under the channel alias: the rest of the path is the channel name.
  const ca = cfg.alias;
  if (ca.location && segmentsStartWith(testUrl, ca.location)) {
    const name = testUrl.slice(ca.location.length).replace(/^\/+|\/+$/g, "");
    return { location: ca.location, name, scheme, auth: ca.auth, token: ca.token };
  }
  // 4. file:// URLs: the last path segment is the channel name, the rest its location.
  if (!host) {
    const slash = testUrl.lastIndexOf("/");
    const location = slash <= 0 ? "/" : testUrl.slice(0, slash);
    return { location, name: testUrl.slice(slash + 1), scheme: "file" };
  }
  // 5. Any other host: host[:port] is the location and the path the name, except that a leading
  //    `/conda` segment belongs to the location (Anaconda Enterprise Repository layout).
  const parts = path.replace(/^\/+|\/+$/g, "").split("/");
  if (parts[0] === "conda")
    return { location: `${hostPort(host, port)}/conda`, name: parts.slice(1).join("/"), scheme };
  return { location: hostPort(host, port), name: parts.join("/"), scheme };
}

function channelFromUrl(cfg: ResolvedChannelConfig, url: string): Channel {
  const [noToken, token] = splitAnacondaToken(url);
  const [noPlatform, platform] = splitPlatform(cfg.known, noToken);
  let cleaned = noPlatform;
  let packageFilename: string | undefined;
  if (PACKAGE_EXTENSIONS.some((e) => cleaned.endsWith(e)) && cleaned.includes("/")) {
    const slash = cleaned.lastIndexOf("/");
    packageFilename = cleaned.slice(slash + 1);
    cleaned = cleaned.slice(0, slash);
  }
  const p = urlParts(cleaned);
  if (!p.host && p.scheme && p.scheme !== "file")
    throw new ChannelParseError(url, "the URL has no host", "Write the URL as scheme://host/path.");
  const c = readChannelConfiguration(cfg, p.scheme, p.host, p.port, p.path);
  return new Channel(cfg, {
    scheme: c.scheme ?? "https",
    auth: p.auth ?? c.auth,
    location: c.location,
    token: token ?? c.token,
    name: c.name,
    platform,
    packageFilename,
  });
}

/**
 * A conda channel (conda/models/channel.py): where packages come from, split into scheme, auth,
 * location, token, name and optionally a subdir and package filename. A *multichannel* such as
 * `defaults` stands for several channels; {@link expand} lists them.
 */
export class Channel {
  readonly scheme: string | undefined;
  /** `user:password` from the URL or the matching custom channel. */
  readonly auth: string | undefined;
  /** host[:port][/path] before the channel name, e.g. `conda.anaconda.org` or `/srv/channels`. */
  readonly location: string;
  /** anaconda.org-style token (`/t/<token>/`). */
  readonly token: string | undefined;
  /** The channel name under its location: `conda-forge`, `conda-forge/label/dev`, `pkgs/main`. */
  readonly name: string;
  /** The subdir when the string named one (`…/conda-forge/linux-64`). */
  readonly platform: string | undefined;
  /** The package file when the string was a package URL. */
  readonly packageFilename: string | undefined;
  /** For a multichannel (`defaults`, custom_multichannels) the channels it stands for. */
  readonly channels: readonly Channel[] | undefined;
  readonly #cfg: ResolvedChannelConfig;
  #canonical: string | undefined;

  /** @internal Use {@link Channel.parse}. */
  constructor(cfg: ResolvedChannelConfig, init: ChannelInit, channels?: readonly Channel[]) {
    this.#cfg = cfg;
    this.scheme = init.scheme;
    this.auth = init.auth;
    this.location = init.location ?? "";
    this.token = init.token;
    this.name = init.name ?? "";
    this.platform = init.platform;
    this.packageFilename = init.packageFilename;
    this.channels = channels;
  }

  /** @internal A copy with some parts replaced (same config). */
  with(parts: ChannelInit): Channel {
    return new Channel(this.#cfg, {
      scheme: this.scheme,
      auth: this.auth,
      location: this.location,
      token: this.token,
      name: this.name,
      platform: this.platform,
      packageFilename: this.packageFilename,
      ...parts,
    });
  }

  /**
   * Parses a channel as conda's `Channel(value)` does: a URL (http, https, ftp, s3, file), a
   * directory path (→ `file://`), a package file URL, a multichannel name (`defaults`) or a
   * channel name resolved through custom_channels or the channel_alias. A trailing known subdir
   * is split off into {@link platform}; a `/t/<token>/` into {@link token}.
   */
  static parse(value: string, config?: ChannelConfig): Channel {
    const cfg = resolveConfig(config);
    if (typeof value !== "string") throw new ChannelParseError(String(value), "expected a string");
    const cached = cfg.cache.get(value);
    if (cached) return cached;
    const c = parseUncached(cfg, value);
    if (cfg.cache.size > 10_000) cfg.cache.clear();
    cfg.cache.set(value, c);
    return c;
  }

  /**
   * Splits a package URL (an `@EXPLICIT` line, a record's `url`) into its channel, subdir and
   * filename. The returned channel carries neither platform nor filename.
   */
  static fromRecordUrl(
    url: string,
    config?: ChannelConfig,
  ): { channel: Channel; subdir: string | undefined; fn: string; url: string } {
    const cfg = resolveConfig(config);
    const source = hasScheme(url) ? url : isPath(url) ? pathToChannelUrl(url) : undefined;
    if (!source)
      throw new ChannelParseError(url, "a package URL needs a scheme (https://, file://) or a path");
    const c = channelFromUrl(cfg, source);
    if (!c.packageFilename || !/\.(conda|tar\.bz2)$/.test(c.packageFilename))
      throw new ChannelParseError(
        url,
        "not a package URL (expected …/<subdir>/<name>-<version>-<build>.conda or .tar.bz2)",
        "Point at a package file, e.g. https://conda.anaconda.org/conda-forge/noarch/pip-24.0-pyhd8ed1ab_0.conda.",
      );
    return {
      channel: c.with({ platform: undefined, packageFilename: undefined }),
      subdir: c.platform,
      fn: c.packageFilename,
      url: source,
    };
  }

  get isMultiChannel(): boolean {
    return this.channels !== undefined;
  }

  /** The subdir named in the channel string (conda's `Channel.subdir`). */
  get subdir(): string | undefined {
    return this.platform;
  }

  /**
   * The short name conda shows and stores in records: the multichannel a channel belongs to
   * (`defaults` for repo.anaconda.com/pkgs/main), the name for custom channels and channels under
   * the channel_alias (`conda-forge`), otherwise the full base URL.
   */
  get canonicalName(): string {
    if (this.#canonical !== undefined) return this.#canonical;
    this.#canonical = this.#computeCanonicalName();
    return this.#canonical;
  }

  #computeCanonicalName(): string {
    if (this.channels) return this.name;
    if (this.name === UNKNOWN_CHANNEL) return UNKNOWN_CHANNEL;
    for (const [multiname, members] of this.#cfg.multichannels)
      if (members.some((m) => m.name === this.name)) return multiname;
    // conda compares segment-wise over the shorter of the two names (a `zip`), so `donald` counts as
    // under the custom channel `donald/label/main`; its own tests pin that, so we keep it.
    if (this.name)
      for (const [n] of this.#cfg.customChannels) if (segmentsOverlap(this.name, n)) return this.name;
    if (
      this.location === this.#cfg.alias.location ||
      this.#cfg.migratedAliases.some((a) => a.location === this.location)
    )
      return this.name;
    const joined = joinUrl(this.location, this.name);
    if (this.scheme) return `${this.scheme}://${joined}`;
    return joined.replace(/^\/+/, "");
  }

  /**
   * `scheme://location/name`, without credentials, token or subdir. Throws for a multichannel or
   * the unknown channel, which have no single URL; use {@link expand} first.
   */
  get baseUrl(): string {
    if (this.channels)
      throw new TaipanError(
        "MULTICHANNEL_URL",
        `channel '${this.name}' stands for several channels and has no single URL`,
        {
          hint: "Call channel.expand() and use each channel's baseUrl.",
        },
      );
    if (this.name === UNKNOWN_CHANNEL)
      throw new TaipanError("UNKNOWN_CHANNEL", "the unknown channel has no URL", {
        hint: "Give the record's channel explicitly.",
      });
    return `${this.scheme}://${this.#joined(false)}`;
  }

  /** The base URL of each channel this one stands for. */
  get baseUrls(): string[] {
    return this.expand().map((c) => c.baseUrl);
  }

  #joined(withCredentials: boolean, ...more: (string | undefined)[]): string {
    const parts = [this.location];
    if (withCredentials && this.token) parts.push("t", this.token);
    parts.push(this.name, ...more.filter((m): m is string => !!m));
    const j = joinUrl(...parts);
    return this.location.startsWith("/") ? j : j.replace(/^\//, "");
  }

  #withScheme(withCredentials: boolean, rest: string): string {
    if (withCredentials && this.auth) return `${this.scheme}://${this.auth}@${rest}`;
    return `${this.scheme}://${rest}`;
  }

  /** The URL of one subdir of this channel (no trailing slash), e.g. `…/conda-forge/linux-64`. */
  subdirUrl(subdir: string, options: { withCredentials?: boolean } = {}): string {
    if (this.channels || this.name === UNKNOWN_CHANNEL) void this.baseUrl; // throws the explanatory error
    return this.#withScheme(!!options.withCredentials, this.#joined(!!options.withCredentials, subdir));
  }

  /**
   * conda's `Channel.urls()`: the subdir URLs to fetch. A channel that named a subdir gives that
   * subdir and `noarch`; otherwise each of `subdirs` (default: the current subdir and `noarch`).
   * Multichannels list their members' URLs in order; the unknown channel stands for `defaults`.
   */
  urls(options: { withCredentials?: boolean; subdirs?: readonly string[] } = {}): string[] {
    return this.expand().flatMap((c) => {
      const subdirs = c.platform
        ? c.platform === "noarch"
          ? ["noarch"]
          : [c.platform, "noarch"]
        : (options.subdirs ?? [currentSubdir(), "noarch"]);
      return subdirs.map((s) => c.subdirUrl(s, options));
    });
  }

  /** The channels to fetch from: the members of a multichannel, `defaults` for the unknown channel, else itself. */
  expand(): Channel[] {
    if (this.channels) return [...this.channels];
    if (this.name === UNKNOWN_CHANNEL) return [...(this.#cfg.multichannels.get("defaults") ?? [])];
    return [this];
  }

  /**
   * conda's `Channel.url()`: the full URL this string named, subdir and package filename
   * included; without a subdir, the first of `subdirs` (default: the current subdir).
   */
  url(options: { withCredentials?: boolean; subdirs?: readonly string[] } = {}): string {
    const sub =
      this.platform ?? (options.subdirs ?? [currentSubdir()]).find((s) => s !== "noarch") ?? "noarch";
    return this.subdirUrl(
      this.platform ? `${sub}${this.packageFilename ? `/${this.packageFilename}` : ""}` : sub,
      options,
    );
  }

  /** The channel with credentials for display: token → `<TOKEN>`, password → `<PASSWORD>`. */
  redacted(): string {
    if (this.channels) return this.name;
    if (this.name === UNKNOWN_CHANNEL) return UNKNOWN_CHANNEL;
    let rest = this.#joined(false, this.platform);
    if (this.token)
      rest = joinUrl(this.location, "t", "<TOKEN>", this.name, this.platform).replace(
        /^\//,
        this.location.startsWith("/") ? "/" : "",
      );
    const auth = this.auth
      ? `${this.auth.includes(":") ? `${this.auth.split(":")[0]}:<PASSWORD>` : this.auth}@`
      : "";
    return `${this.scheme}://${auth}${rest}`;
  }

  /** conda's `str(channel)`: base URL plus subdir, no credentials; a multichannel prints its name. */
  toString(): string {
    if (this.channels || this.name === UNKNOWN_CHANNEL)
      return this.platform ? `${this.name}/${this.platform}` : this.name;
    return this.platform ? `${this.baseUrl}/${this.platform}` : this.baseUrl;
  }

  toJSON(): string {
    return this.toString();
  }

  /** Same location and name (conda's `Channel.__eq__`); credentials, token and subdir are ignored. */
  equals(other: Channel | string): boolean {
    const o = typeof other === "string" ? Channel.parse(other, this.#cfg.source) : other;
    return this.location === o.location && this.name === o.name;
  }
}

function parseUncached(cfg: ResolvedChannelConfig, raw: string): Channel {
  const value = raw.trim();
  if (!value) throw new ChannelParseError(raw, "empty channel");
  if (value === UNKNOWN_CHANNEL || value === "None" || value === "None:///<unknown>")
    return new Channel(cfg, { name: UNKNOWN_CHANNEL });
  if (hasScheme(value)) {
    if (!value.startsWith("file:") && !/^[^/?#]/.test(value.replace(SCHEME_RE, "")))
      throw new ChannelParseError(raw, "the URL has no host", "Write the URL as scheme://host/path.");
    return channelFromUrl(cfg, value.startsWith("file:") ? value.replace(/\\/g, "/") : value);
  }
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(value))
    throw new ChannelParseError(
      raw,
      "URL schemes are lowercase",
      `Write '${value.replace(/^[^:]+/, (s) => s.toLowerCase())}'.`,
    );
  if (isPath(value)) return channelFromUrl(cfg, pathToChannelUrl(value));
  if (/\s/.test(value)) throw new ChannelParseError(raw, "a channel name contains no whitespace");
  if (/\.(conda|tar\.bz2)$/.test(value)) return channelFromUrl(cfg, value);
  const [stripped, platform] = splitPlatform(cfg.known, value);
  const members = cfg.multichannels.get(stripped);
  if (members) {
    const chans = platform ? members.map((m) => m.with({ platform })) : members;
    return new Channel(cfg, { name: stripped, platform }, chans);
  }
  if (value.includes("::") || /[[\]=<>!,|*]/.test(value))
    throw new ChannelParseError(
      raw,
      "not a channel name",
      "Channel names are like conda-forge or conda-forge/label/dev.",
    );
  return channelForName(cfg, value);
}

/** conda's `MAX_CHANNEL_PRIORITY`: priorities are capped one below it. */
const MAX_CHANNEL_PRIORITY = 10000;

/** One subdir URL to fetch, with the channel it belongs to and conda's channel priority (0 = highest). */
export interface PrioritizedUrl {
  url: string;
  channel: Channel;
  canonicalName: string;
  priority: number;
}

/**
 * conda's `prioritize_channels`: every subdir URL of `channels` in order, first occurrence wins.
 * Multichannels are expanded first and each member gets its own priority, as in conda, so
 * `defaults` → pkgs/main (0), pkgs/r (1).
 */
export function prioritizeChannels(
  channels: readonly (string | Channel)[],
  options: { config?: ChannelConfig; subdirs?: readonly string[]; withCredentials?: boolean } = {},
): PrioritizedUrl[] {
  const flat = channels.flatMap((c) =>
    (typeof c === "string" ? Channel.parse(c, options.config) : c).expand(),
  );
  const seen = new Set<string>();
  const out: PrioritizedUrl[] = [];
  flat.forEach((channel, i) => {
    for (const url of channel.urls({ subdirs: options.subdirs, withCredentials: options.withCredentials })) {
      if (seen.has(url)) continue;
      seen.add(url);
      out.push({
        url,
        channel,
        canonicalName: channel.canonicalName,
        priority: Math.min(i, MAX_CHANNEL_PRIORITY - 1),
      });
    }
  });
  return out;
}
