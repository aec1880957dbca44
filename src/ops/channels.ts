import { join } from "node:path";
import { Channel, type ChannelConfig } from "../conda/channel.js";
import type { LoadedConfig } from "../env/config.js";
import type { ChannelLike } from "../repodata/channel-source.js";
import { RepodataGateway } from "../repodata/gateway.js";

/** The `.condarc` keys that decide what channel strings mean, in the shape `Channel.parse` takes. */
export function channelConfigOf(config: LoadedConfig): ChannelConfig {
  return {
    channelAlias: config.channel_alias,
    customChannels: config.custom_channels,
    defaultChannels: config.default_channels,
    customMultichannels: config.custom_multichannels,
  };
}

/**
 * Channel strings (names, URLs, paths, `defaults`) in priority order, multichannels expanded and
 * duplicates dropped, as the gateway wants them: each keeps its token for fetching, while records
 * are labelled with the canonical (credential-free) name.
 */
export function resolveChannels(channels: readonly string[], config: LoadedConfig): ChannelLike[] {
  const cfg = channelConfigOf(config);
  const out: ChannelLike[] = [];
  const seen = new Set<string>();
  for (const s of channels) {
    for (const c of Channel.parse(s, cfg).expand()) {
      const name = c.canonicalName;
      if (seen.has(name)) continue;
      seen.add(name);
      out.push({
        canonicalName: name,
        baseUrl: c.baseUrl,
        subdirUrl: (subdir: string) => c.subdirUrl(subdir, { withCredentials: true }),
      });
    }
  }
  return out;
}

/** A gateway configured from `.condarc`: cache in the first package dir, as conda keeps `pkgs/cache`. */
export function gatewayFor(config: LoadedConfig, opts: { offline?: boolean } = {}): RepodataGateway {
  return new RepodataGateway({
    cacheDir: join(config.pkgs_dirs[0]!, "cache"),
    offline: opts.offline ?? config.offline,
    channelAlias: config.channel_alias,
    sslVerify: config.ssl_verify,
  });
}
