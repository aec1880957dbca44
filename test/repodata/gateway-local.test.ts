import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, test } from "node:test";
import { Channel } from "../../src/conda/channel.js";
import { RepodataGateway } from "../../src/repodata/gateway.js";
import { UnavailableChannelError } from "../../src/repodata/errors.js";
import { sharedData } from "../support/paths.js";
import { referenceRecordSets } from "./reference-reader.js";

const CHANNELS = sharedData("channels");

function subdirsOf(channel: string): string[] {
  return readdirSync(join(CHANNELS, channel)).filter((d) =>
    existsSync(join(CHANNELS, channel, d, "repodata.json")),
  );
}

describe("gateway over the real repodata snapshots", () => {
  for (const channel of readdirSync(CHANNELS)) {
    test(`${channel}: same name-version-build sets per name as a JSON.parse reference reader`, async () => {
      const gw = new RepodataGateway();
      const subdirs = subdirsOf(channel);
      const index = await gw.load({ channels: [join(CHANNELS, channel)], subdirs });
      const want = new Map<string, Set<string>>();
      for (const sd of subdirs) {
        for (const [name, set] of referenceRecordSets(join(CHANNELS, channel, sd, "repodata.json"))) {
          const all = want.get(name) ?? new Set<string>();
          for (const d of set) all.add(d);
          want.set(name, all);
        }
      }
      assert.deepEqual(new Set(index.names()), new Set(want.keys()));
      for (const [name, set] of want) {
        const got = index.get(name).map((r) => r.distName);
        assert.deepEqual(new Set(got), set, name);
      }
      const url = pathToFileURL(join(CHANNELS, channel)).href;
      for (const name of [...want.keys()].slice(0, 20)) {
        for (const r of index.get(name)) {
          assert.equal(r.channel, url);
          // The URL follows the directory the file was read from (some records claim another subdir).
          assert.ok(
            subdirs.some((sd) => r.url === `${url}/${sd}/${r.fn}`),
            r.url,
          );
          assert.equal(index.channelRank(r), 0);
        }
      }
      await gw.close();
    });
  }

  test("channel order: records of channel 0 come first and rank 0", async () => {
    const gw = new RepodataGateway();
    const a = join(CHANNELS, "conda-index1");
    const b = pathToFileURL(join(CHANNELS, "conda-index2")).href;
    const index = await gw.load({ channels: [a, b], subdirs: ["linux-64", "noarch"] });
    const recs = index.get("python");
    assert.ok(recs.length > 0);
    const ranks = recs.map((r) => index.channelRank(r));
    assert.deepEqual(
      ranks,
      [...ranks].sort((x, y) => x - y),
    );
    assert.ok(ranks.includes(0) && ranks.includes(1));
    assert.deepEqual(index.channels, [pathToFileURL(a).href, b]);
  });

  test("a missing platform subdir is empty; a channel with none of the subdirs is an error", async () => {
    const gw = new RepodataGateway();
    const index = await gw.load({
      channels: [join(CHANNELS, "anaconda-main")],
      subdirs: ["linux-64", "noarch"],
    });
    assert.ok(index.get("conda-build").length > 0 || [...index.names()].length > 300);
    await assert.rejects(
      gw.load({ channels: [join(CHANNELS, "no-such-channel")], subdirs: ["linux-64", "noarch"] }),
      (e: unknown) => e instanceof UnavailableChannelError && /no-such-channel/.test(e.message),
    );
  });

  test("Channel objects and multichannels: members keep their own priority and the multichannel's name", async () => {
    const a = join(CHANNELS, "conda-index1");
    const b = join(CHANNELS, "conda-index2");
    // A multichannel as a structural ChannelLike (Channel.expand() gives the same shape).
    const member = (p: string) => {
      const c = Channel.parse(p);
      return { canonicalName: "both", baseUrl: c.baseUrl, subdirUrl: (s: string) => c.subdirUrl(s) };
    };
    const both = { canonicalName: "both", baseUrl: "both", expand: () => [member(a), member(b)] };
    const gw = new RepodataGateway();
    const index = await gw.load({ channels: [both], subdirs: ["linux-64", "noarch"] });
    assert.deepEqual(index.channels, ["both", "both"]);
    const ranks = new Set(index.get("python").map((r) => index.channelRank(r)));
    assert.deepEqual(ranks, new Set([0, 1]));
    assert.ok(index.get("python").every((r) => r.channel === "both"));
    const viaObject = await gw.load({ channels: [Channel.parse(b), a], subdirs: ["linux-64"] });
    assert.equal(index.get("python").length, viaObject.get("python").length);
    assert.equal(viaObject.channelRank(viaObject.get("python")[0]), 0);
    assert.equal(viaObject.get("python")[0].channel, Channel.parse(b).canonicalName);
  });

  test("compacted (zstd blocks in memory) and raw indexes give identical records", async () => {
    const channel = join(CHANNELS, "conda-index4");
    const raw = await new RepodataGateway({ compactAbove: Number.POSITIVE_INFINITY }).load({
      channels: [channel],
      subdirs: ["linux-64", "noarch"],
    });
    const packed = await new RepodataGateway({ compactAbove: 0 }).load({
      channels: [channel],
      subdirs: ["linux-64", "noarch"],
    });
    const names = [...raw.names()];
    assert.deepEqual(new Set(packed.names()), new Set(names));
    // Records straddle 64 KiB block boundaries many times over in a 2.7 MB file.
    for (const n of names)
      assert.deepEqual(
        packed.get(n).map((r) => r.toJson()),
        raw.get(n).map((r) => r.toJson()),
        n,
      );
  });

  test("a channel string naming a subdir reads only that subdir and noarch", async () => {
    const gw = new RepodataGateway();
    const both = await gw.load({
      channels: [join(CHANNELS, "conda-index4")],
      subdirs: ["linux-64", "noarch"],
    });
    const onlyNoarch = await gw.load({
      channels: [`${pathToFileURL(join(CHANNELS, "conda-index4")).href}/noarch`],
      subdirs: ["linux-64", "noarch"],
    });
    const subdirsOfIndex = (idx: typeof both) =>
      new Set([...idx.names()].flatMap((n) => idx.get(n).map((r) => r.url?.split("/").at(-2))));
    assert.deepEqual(subdirsOfIndex(both), new Set(["linux-64", "noarch"]));
    assert.deepEqual(subdirsOfIndex(onlyNoarch), new Set(["noarch"]));
  });
});
