import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { redactUrl } from "./redact.js";

/**
 * The part of `Channel` (src/conda/channel.ts) the gateway needs. Kept structural so the gateway
 * accepts a `Channel` object as well as a plain string (path, file:// URL, http(s) URL or name).
 */
export interface ChannelLike {
  canonicalName: string;
  baseUrl: string;
  subdirUrl?(subdir: string): string;
}

/** A channel resolved to where its subdirs live. */
export interface ChannelSource {
  /** Canonical name set on records (`conda-forge`, or the URL without credentials). */
  name: string;
  /** Base URL with credentials / token, no trailing slash. */
  url: string;
  /** `url` with secrets hidden, for messages. */
  redacted: string;
  subdirUrl(subdir: string): string;
}

export const DEFAULT_CHANNEL_ALIAS = "https://conda.anaconda.org";

function trimSlash(s: string): string {
  return s.replace(/\/+$/, "");
}

/** The URL with `user:pass@` and `/t/<token>` removed: conda's canonical name of a non-alias URL. */
function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return trimSlash(u.href.replace(/\/t\/[^/?#]+/, ""));
  } catch {
    return url;
  }
}

export function toChannelSource(
  c: string | ChannelLike,
  channelAlias = DEFAULT_CHANNEL_ALIAS,
): ChannelSource {
  if (typeof c !== "string") {
    const url = trimSlash(c.baseUrl);
    return {
      name: c.canonicalName,
      url,
      redacted: redactUrl(url),
      subdirUrl: (s) => (c.subdirUrl ? trimSlash(c.subdirUrl(s)) : `${url}/${s}`),
    };
  }
  let url: string;
  let name: string;
  const alias = trimSlash(channelAlias);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(c)) {
    url = trimSlash(c);
    const bare = withoutCredentials(url);
    name = bare.startsWith(`${alias}/`) ? bare.slice(alias.length + 1) : bare;
  } else if (isAbsolute(c) || c.startsWith(".") || c.startsWith("~") || c.includes("\\") || existsSync(c)) {
    const p = c.startsWith("~") ? resolve(process.env.HOME ?? "", c.slice(2)) : resolve(c);
    url = trimSlash(pathToFileURL(p).href);
    name = url;
  } else {
    // A bare name like `conda-forge` or `pkgs/main` lives under the channel alias.
    url = `${alias}/${trimSlash(c)}`;
    name = trimSlash(c);
  }
  return { name, url, redacted: redactUrl(url), subdirUrl: (s) => `${url}/${s}` };
}
