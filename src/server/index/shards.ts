import { createHash } from "node:crypto";
import { compress } from "@mongodb-js/zstd";
import { Packr } from "msgpackr";
import { sortKeys } from "../../conda/json-text.js";

/*
 * CEP 16 sharded repodata: one zstd-compressed msgpack shard per package name, stored under
 * `shards/<sha256 of the compressed shard>.msgpack.zst` (as rattler-index names them), and an index
 * `repodata_shards.msgpack.zst` mapping each name to that hash as 32 raw bytes.
 */

// useRecords: false keeps plain msgpack maps (msgpackr's record extension is unreadable elsewhere);
// variableMapSize allows maps above 65,535 keys (big channels).
const packr = new Packr({ useRecords: false, variableMapSize: true });

export interface ShardFile {
  name: string;
  sha256: string;
  bytes: Buffer;
}

/**
 * msgpackr writes integers beyond 32 bits (millisecond timestamps, big sizes) as float64, which
 * rattler rejects ("expected i64"); as BigInt they are written as msgpack int64/uint64.
 */
function wideIntegers(v: unknown): unknown {
  if (typeof v === "number") return Number.isInteger(v) && Math.abs(v) > 0xffffffff ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(wideIntegers);
  if (v && typeof v === "object" && !Buffer.isBuffer(v))
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, wideIntegers(x)]));
  return v;
}

/** Hex digests become raw bytes in shards (CEP 16); nulls are dropped (readers treat missing and null alike). */
function shardRecord(r: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (v === null || v === undefined) continue;
    if ((k === "sha256" || k === "md5") && typeof v === "string") out[k] = Buffer.from(v, "hex");
    else out[k] = wideIntegers(v);
  }
  return out;
}

export async function buildShards(
  subdir: string,
  packages: Record<string, Record<string, unknown>>,
  packagesConda: Record<string, Record<string, unknown>>,
): Promise<{ index: Buffer; shards: ShardFile[] }> {
  const byName = new Map<
    string,
    { packages: Record<string, unknown>; "packages.conda": Record<string, unknown>; removed: string[] }
  >();
  const shardOf = (name: string) => {
    let s = byName.get(name);
    if (!s) byName.set(name, (s = { packages: {}, "packages.conda": {}, removed: [] }));
    return s;
  };
  for (const [fn, r] of Object.entries(packages)) shardOf(String(r.name)).packages[fn] = shardRecord(r);
  for (const [fn, r] of Object.entries(packagesConda))
    shardOf(String(r.name))["packages.conda"][fn] = shardRecord(r);
  const shards: ShardFile[] = [];
  const index: Record<string, Buffer> = {};
  for (const name of [...byName.keys()].sort()) {
    const bytes = await compress(packr.pack(sortKeys(byName.get(name))), 19);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    shards.push({ name, sha256, bytes });
    index[name] = Buffer.from(sha256, "hex");
  }
  const indexDoc = {
    version: 1,
    info: { subdir, base_url: "", shards_base_url: "./shards/" },
    shards: index,
  };
  return { index: await compress(packr.pack(indexDoc), 19), shards };
}
