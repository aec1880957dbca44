const UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/**
 * `"7d"`, `"12h"`, `"2w"`, `"1d12h"`, `"90m"`, `"30s"` or a plain number of days, in milliseconds;
 * undefined when the text is not a duration.
 */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === "number") return Number.isFinite(text) && text >= 0 ? text * UNITS.d : undefined;
  const t = text.trim().toLowerCase().replace(/\s+/g, "");
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * UNITS.d;
  const re = /(\d+(?:\.\d+)?)(w|d|h|m|s)/gy;
  let total = 0;
  let seen = false;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(t)) !== null) {
    total += Number(m[1]) * UNITS[m[2]];
    seen = true;
    end = re.lastIndex;
  }
  return seen && end === t.length ? total : undefined;
}
