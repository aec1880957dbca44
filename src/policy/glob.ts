/**
 * A case-insensitive glob (`*` any run, `?` one character), precompiled. Policy patterns are globs
 * rather than regexes so a channel URL or SPDX id can be written as it is (`.` is literal).
 */
export function compileGlob(pattern: string): (s: string) => boolean {
  if (!/[*?]/.test(pattern)) {
    const lower = pattern.toLowerCase();
    return (s) => s.toLowerCase() === lower;
  }
  const body = pattern
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[\\^$.+()[\]{}|/-]/g, "\\$&")))
    .join("");
  const re = new RegExp(`^${body}$`, "i");
  return (s) => re.test(s);
}

/** True when any of the compiled globs matches `s`. */
export function anyGlob(globs: readonly ((s: string) => boolean)[], s: string): boolean {
  for (const g of globs) if (g(s)) return true;
  return false;
}
