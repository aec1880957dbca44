// conda, conda-build and conda-index write their JSON files with Python's
// `json.dumps(..., indent=2, sort_keys=True)`; the same key order and indentation keep ours diffable against theirs.

/** JSON with sorted keys and 2-space indentation (no trailing newline). */
export function sortedJsonText(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 2);
}

/** A deep copy with every object's keys in sorted order (arrays keep their order; Buffers are left whole). */
export function sortKeys(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(sortKeys);
  if (x && typeof x === "object" && !Buffer.isBuffer(x)) {
    const o = x as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o).sort()) out[k] = sortKeys(o[k]);
    return out;
  }
  return x;
}
