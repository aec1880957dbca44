import { PaddingError } from "./install-errors.js";
import type { FileMode } from "./package-contents.js";

/** Linux and macOS kernels truncate `#!` lines beyond this (conda's MAX_SHEBANG_LENGTH). */
export const MAX_SHEBANG_LENGTH = 127;

/** Replaces every occurrence of `needle` in `data`; returns `data` itself when there is none. */
function replaceAll(data: Buffer, needle: Buffer, replacement: Buffer): Buffer {
  let at = data.indexOf(needle);
  if (at < 0) return data;
  const parts: Buffer[] = [];
  let from = 0;
  while (at >= 0) {
    parts.push(data.subarray(from, at), replacement);
    from = at + needle.length;
    at = data.indexOf(needle, from);
  }
  parts.push(data.subarray(from));
  return Buffer.concat(parts);
}

/**
 * Text files: every placeholder becomes the prefix. In the shebang line spaces of the new prefix are
 * escaped first, so that replaceLongShebang turns it into an `/usr/bin/env` line (a kernel cannot
 * run `#!/path with spaces/python`), as conda's portability.replace_prefix does.
 */
export function replacePrefixText(data: Buffer, placeholder: string, prefix: string): Buffer {
  const nl = data.indexOf(0x0a);
  const shebangPlaceholder = Buffer.from(`#!${placeholder}`);
  if (nl > -1 && prefix.includes(" ")) {
    const first = data.subarray(0, nl);
    if (first.includes(shebangPlaceholder)) {
      const escaped = Buffer.from(`#!${prefix.replaceAll(" ", "\\ ")}`);
      data = Buffer.concat([replaceAll(first, shebangPlaceholder, escaped), data.subarray(nl)]);
    }
  }
  return replaceAll(data, Buffer.from(placeholder), Buffer.from(prefix));
}

/**
 * Binary files hold the placeholder inside NUL-terminated C strings. Each such string keeps its
 * length: the placeholder(s) in it are replaced and the string is padded with NULs (conda's
 * binary_replace). A prefix longer than the placeholder cannot fit, so that is an error.
 */
export function replacePrefixBinary(
  data: Buffer,
  placeholder: string,
  prefix: string,
  path = "(binary)",
): Buffer {
  const a = Buffer.from(placeholder);
  const b = Buffer.from(prefix);
  let at = data.indexOf(a);
  if (at < 0) return data;
  const out = Buffer.from(data);
  while (at >= 0) {
    // the C string runs from the placeholder to the next NUL (which must exist for a match, as in conda)
    const end = data.indexOf(0, at + a.length);
    if (end < 0) break;
    const segment = data.subarray(at, end);
    const count = countOccurrences(segment, a);
    const padding = (a.length - b.length) * count;
    if (padding < 0) throw new PaddingError(path, placeholder, prefix);
    const replaced = replaceAll(segment, a, b);
    replaced.copy(out, at);
    out.fill(0, at + replaced.length, end);
    at = data.indexOf(a, end + 1);
  }
  return out;
}

function countOccurrences(data: Buffer, needle: Buffer): number {
  let n = 0;
  for (let at = data.indexOf(needle); at >= 0; at = data.indexOf(needle, at + needle.length)) n++;
  return n;
}

// #!, optional spaces, the interpreter (escaped spaces allowed), then the rest of the line: conda's SHEBANG_REGEX
const SHEBANG = /^#! *(\/(?:\\ |[^ \n\r\t])*)(.*)$/;

/**
 * A shebang longer than the kernel reads, or whose interpreter path has (escaped) spaces, becomes
 * `#!/usr/bin/env <interpreter name><options>`: it then relies on the environment being activated,
 * exactly the trade conda makes (portability.replace_long_shebang). Only the first line counts.
 */
export function replaceLongShebang(data: Buffer): Buffer {
  if (data.length < 2 || data[0] !== 0x23 || data[1] !== 0x21) return data;
  let nl = data.indexOf(0x0a);
  if (nl < 0) nl = data.length;
  const line = data.subarray(0, nl).toString("utf8");
  const m = SHEBANG.exec(line);
  if (!m) return data;
  const whole = m[0];
  const executable = m[1];
  const slash = executable.lastIndexOf("/");
  const dir = executable.slice(0, slash);
  const name = executable.slice(slash + 1);
  if (Buffer.byteLength(whole) <= MAX_SHEBANG_LENGTH && !dir.includes("\\ ")) return data;
  return Buffer.concat([
    Buffer.from(`#!/usr/bin/env ${name}${m[2]}`),
    data.subarray(Buffer.byteLength(whole)),
  ]);
}

/** The content a file with a placeholder gets in `prefix` (conda's update_prefix, unix rules). */
export function relocateContent(
  data: Buffer,
  placeholder: string,
  mode: FileMode,
  prefix: string,
  path?: string,
): Buffer {
  if (mode === "binary") return replacePrefixBinary(data, placeholder, prefix, path);
  let out = replacePrefixText(data, placeholder, prefix);
  if (process.platform !== "win32") out = replaceLongShebang(out);
  return out;
}
