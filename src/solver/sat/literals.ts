// Literals inside the SAT core are `var << 1 | negated`, so a literal indexes per-literal arrays
// directly and `lit ^ 1` is its negation. The public API uses DIMACS-style signed integers
// (`v` / `-v`), which callers find easier to read; these helpers convert at the boundary.

/** DIMACS literal (`v` or `-v`, v ≥ 1) → internal literal. */
export function toInternal(ext: number): number {
  return ext > 0 ? ext << 1 : (-ext << 1) | 1;
}

/** Internal literal → DIMACS literal. */
export function toExternal(lit: number): number {
  return lit & 1 ? -(lit >> 1) : lit >> 1;
}

/** Variable of an internal literal. */
export function varOf(lit: number): number {
  return lit >> 1;
}
