import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PackageRecord } from "../../src/conda/package-record.js";
import { condaMetrics } from "../../src/solver/conda/metrics.js";

const rec = (channel: string, version: string, bn: number, subdir = "linux-64", timestamp?: number) =>
  PackageRecord.fromJson(
    {
      name: "x",
      version,
      build: `${subdir === "noarch" ? "pyh" : "h"}_${bn}_${timestamp ?? 0}`,
      build_number: bn,
      timestamp,
    },
    { channel, subdir },
  );
const rank = (r: PackageRecord) => (r.channel === "hi" ? 0 : 1);

describe("condaMetrics (conda's generate_version_metrics)", () => {
  const records = [
    rec("hi", "1.0", 0),
    rec("lo", "2.0", 0),
    rec("hi", "2.0", 1),
    rec("hi", "2.0", 1, "noarch"),
    rec("hi", "2.0", 0),
    rec("hi", "1.0", 0, "linux-64", 1_700_000_000),
  ];

  it("counts channel steps, then version steps within a channel, resetting each level after", () => {
    const m = condaMetrics(records, rank, "flexible");
    // best first: hi 2.0 b1 arch, hi 2.0 b1 noarch, hi 2.0 b0, hi 1.0 (newer), hi 1.0, lo 2.0
    assert.deepEqual(m.channel, [0, 1, 0, 0, 0, 0]);
    assert.deepEqual(m.version, [1, 0, 0, 0, 0, 1]);
    assert.deepEqual(m.build, [0, 0, 0, 0, 1, 0]);
    assert.deepEqual(m.arch, [0, 0, 0, 1, 0, 0]);
    assert.deepEqual(m.timestamp, [1, 0, 0, 0, 0, 0]);
  });

  it("with disabled priority puts the version first and counts the channel within it", () => {
    const m = condaMetrics(records, rank, "disabled");
    // conda's key is then (version, channel, ...): its first counter steps with the version
    assert.deepEqual(m.channel, [1, 0, 0, 0, 0, 1]);
    assert.deepEqual(m.version, [0, 1, 0, 0, 0, 0]);
    assert.deepEqual(m.build, [0, 0, 0, 0, 1, 0]);
  });
});
