// Moved: the channel writer behind `taipan index` is server/ (it reads archives through package/,
// which repodata/ must not import). This re-export only keeps test/repodata/gateway-indexed-channel
// compiling until its owner imports "src/server/index/index-channel.js"; then delete this file.
export {
  ChannelIndexError,
  type IndexOptions,
  indexChannel,
  type SubdirSummary,
} from "../../server/index/index-channel.js";
