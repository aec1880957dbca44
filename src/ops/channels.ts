import { join } from "node:path";
import type { ChannelConfig } from "../conda/channel.js";
import type { LoadedConfig } from "../env/config.js";
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
 * A gateway configured from `.condarc` (channel alias, custom and multi-channels, TLS, proxies),
 * caching in the first package dir, as conda keeps `pkgs/cache`. Channel strings given to `load`
 * are resolved by the gateway itself, so `defaults` keeps each of its member channels.
 */
export function gatewayFor(config: LoadedConfig, opts: { offline?: boolean } = {}): RepodataGateway {
  return new RepodataGateway({
    cacheDir: join(config.pkgs_dirs[0]!, "cache"),
    offline: opts.offline ?? config.offline,
    channelConfig: channelConfigOf(config),
    sslVerify: config.ssl_verify,
    proxyServers: config.proxy_servers,
  });
}
