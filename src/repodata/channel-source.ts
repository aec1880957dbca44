import { Channel, type ChannelConfig } from "../conda/channel.js";
import { redactUrl } from "../conda/url-credentials.js";

/**
 * The part of `Channel` the gateway needs, structural so callers may pass their own objects.
 * `subdirUrl(s, { withCredentials: true })` must give the URL to request (token, user:password).
 */
export interface ChannelLike {
  canonicalName: string;
  baseUrl: string;
  subdirUrl?(subdir: string, options?: { withCredentials?: boolean }): string;
  expand?(): ChannelLike[];
  redacted?(): string;
  /** A subdir named in the channel string (`conda-forge/linux-64`): only it and noarch are read. */
  subdir?: string;
}

/** One concrete channel to fetch from (a multichannel such as `defaults` becomes several). */
export interface ChannelSource {
  /** Canonical name set on records (`conda-forge`, `defaults`, or the URL without credentials). */
  name: string;
  /** Base URL without credentials: identifies the channel. */
  url: string;
  /** For messages: credentials hidden. */
  redacted: string;
  /** URL to request for a subdir, credentials included. */
  subdirUrl(subdir: string): string;
  /** Set when the channel string named a subdir. */
  subdir?: string;
}

function trimSlash(s: string): string {
  return s.replace(/\/+$/, "");
}

function fromChannelLike(c: ChannelLike): ChannelSource {
  const url = trimSlash(c.baseUrl);
  return {
    name: c.canonicalName,
    url,
    redacted: c.redacted ? c.redacted() : redactUrl(url),
    subdirUrl: (s) => (c.subdirUrl ? trimSlash(c.subdirUrl(s, { withCredentials: true })) : `${url}/${s}`),
    subdir: c.subdir,
  };
}

/**
 * Resolves a channel given as a string (path, `file://` / `http(s)://` URL, or a name under the
 * channel alias) or a `Channel`, expanding multichannels (`defaults`) into their members in order.
 */
export function toChannelSources(c: string | ChannelLike, config?: ChannelConfig): ChannelSource[] {
  const ch: ChannelLike = typeof c === "string" ? Channel.parse(c, config) : c;
  const members = ch.expand ? ch.expand() : [ch];
  return members.map(fromChannelLike);
}
