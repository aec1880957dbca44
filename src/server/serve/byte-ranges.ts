/** One satisfiable byte range, inclusive at both ends (as Content-Range writes it). */
export interface ByteRange {
  start: number;
  end: number;
}

export type RangeResult =
  | { kind: "none" }
  | { kind: "ranges"; ranges: ByteRange[] }
  | { kind: "unsatisfiable" };

/**
 * Most ranges accepted in one request. Real readers ask for one range (conda, rattler, zip
 * readers) or a handful (PDF viewers, resumable downloaders); hundreds of ranges are how a client
 * makes the server do a lot of small reads and part headers per byte requested.
 */
export const MAX_RANGES = 64;

const SPEC = /^(\d*)\s*-\s*(\d*)$/;

/**
 * The `Range: bytes=…` header of RFC 9110 §14.2 against a representation of `size` bytes: the
 * satisfiable ranges sorted and coalesced, "none" when the header is to be ignored (the whole file
 * is sent with 200), or "unsatisfiable" (416).
 *
 * Coalescing: §15.3.7.2 lets a server merge ranges that overlap or touch, whatever order they were
 * asked in; a client gets the same bytes in fewer parts.
 *
 * Abuse: §14.2 lets a server ignore a Range header whose ranges overlap heavily or are too many,
 * since both mark a broken or hostile client. We ignore it (200 with the whole file) rather than
 * refuse it (416) when there are more than MAX_RANGES ranges or when the requested ranges add up
 * to more than the file: 200 bounds the response by the file size, which is what the client could
 * have asked for anyway, and a legitimate but odd client still gets its bytes; a 416 would only
 * make such a client fail. 416 stays reserved for "none of these ranges exists in the file".
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (!header) return { kind: "none" };
  const m = /^\s*bytes\s*=(.*)$/i.exec(header);
  if (!m) return { kind: "none" };
  // A list may hold empty elements (RFC 9110 §5.6.1): `bytes=0-1,,4-5` is two ranges.
  const specs = m[1]!
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (specs.length === 0 || specs.length > MAX_RANGES) return { kind: "none" };
  const ranges: ByteRange[] = [];
  let requested = 0;
  for (const spec of specs) {
    const r = SPEC.exec(spec);
    // One malformed spec makes the whole header invalid, and an invalid Range is ignored.
    if (!r || (r[1] === "" && r[2] === "")) return { kind: "none" };
    if (r[1] === "") {
      // Suffix range: the last N bytes (all of them when the file is shorter).
      const n = Number(r[2]);
      if (n === 0 || size === 0) continue;
      const start = Math.max(0, size - n);
      ranges.push({ start, end: size - 1 });
      requested += size - start;
      continue;
    }
    const start = Number(r[1]);
    if (r[2] !== "" && Number(r[2]) < start) return { kind: "none" };
    if (start >= size) continue; // unsatisfiable on its own; others may still be served
    const end = r[2] === "" ? size - 1 : Math.min(Number(r[2]), size - 1);
    ranges.push({ start, end });
    requested += end - start + 1;
  }
  if (ranges.length === 0) return { kind: "unsatisfiable" };
  if (ranges.length > 1 && requested > size) return { kind: "none" };
  return { kind: "ranges", ranges: coalesce(ranges) };
}

/** Sorted by start, with overlapping and adjacent ranges merged. */
export function coalesce(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start || a.end - b.end);
  const out: ByteRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end + 1) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}
