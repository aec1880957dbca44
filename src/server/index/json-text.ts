/** JSON with sorted keys and 2-space indentation, as conda-index writes (`json.dumps(..., indent=2, sort_keys=True)`). */
export function sortedJsonText(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 2);
}

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
