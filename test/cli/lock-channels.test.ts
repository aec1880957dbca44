import assert from "node:assert/strict";
import { test } from "node:test";
import { channelsByPriority } from "../../src/cli/commands/lock.js";
import { defaultChannelConfig } from "../../src/conda/channel.js";
import { PackageRecord } from "../../src/conda/package-record.js";

const rec = (url: string) =>
  Object.assign(new PackageRecord({ name: url.split("/").pop()!.split("-")[0]!, version: "1", build: "0" }), {
    url,
  });

test("pixi lock channels follow the configured priority; others follow, sorted; no credentials", () => {
  const records = [
    rec("https://a.example/t/tk-secret/one/linux-64/x-1-0.conda"),
    rec("https://b.example/two/noarch/y-1-0.conda"),
    rec("https://c.example/three/noarch/z-1-0.conda"),
    rec("https://b.example/two/linux-64/w-1-0.conda"),
  ];
  const cfg = defaultChannelConfig();
  assert.deepEqual(
    channelsByPriority(records, ["https://b.example/two", "https://a.example/t/tk-secret/one"], cfg),
    ["https://b.example/two/", "https://a.example/one/", "https://c.example/three/"],
  );
  // a channel name resolves through the alias; configured channels nothing came from are left out
  const alias = [rec("https://conda.anaconda.org/conda-forge/noarch/q-1-0.conda"), ...records.slice(1, 3)];
  assert.deepEqual(channelsByPriority(alias, ["nothing-here", "conda-forge"], cfg), [
    "https://conda.anaconda.org/conda-forge/",
    "https://b.example/two/",
    "https://c.example/three/",
  ]);
});
