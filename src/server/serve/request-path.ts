import { HttpError } from "./errors.js";

export interface RequestTarget {
  /** Decoded path segments after any `/t/<token>` prefix. */
  segments: string[];
  /** The token of an anaconda.org-style `/t/<token>/...` URL. */
  urlToken?: string;
  /** The path as it may be logged: the token replaced by `<TOKEN>`, no query string. */
  redacted: string;
}

const bad = (why: string) => new HttpError(400, "BAD_PATH", `refused request path: ${why}`);

/**
 * Splits and decodes a request path one segment at a time, refusing anything that could step out
 * of the served tree once joined: `.`/`..` segments (also when percent-encoded, e.g. `%2e%2e`), an
 * encoded `/` or `\` inside a segment, NUL, and hidden names (`.cache`, the server's state dir).
 * Symlinks are checked later, against the real path.
 */
export function parseRequestPath(rawUrl: string): RequestTarget {
  const q = rawUrl.search(/[?#]/);
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  if (!rawPath.startsWith("/")) throw bad("it does not start with /");
  const raw = rawPath.split("/").slice(1);
  const decoded: string[] = [];
  for (const r of raw) {
    let s: string;
    try {
      s = decodeURIComponent(r);
    } catch {
      throw bad("invalid percent-encoding");
    }
    if (s === "") continue; // `//` and a trailing `/` add nothing
    if (s.includes("/") || s.includes("\\") || s.includes("\0"))
      throw bad("a segment holds a slash, backslash or NUL");
    if (s === "." || s === "..") throw bad("it contains a '.' or '..' segment");
    if (s.startsWith(".")) throw bad("hidden names are not served");
    decoded.push(s);
  }
  if (decoded[0] === "t" && decoded.length >= 2) {
    const [, token, ...rest] = decoded;
    return { segments: rest, urlToken: token, redacted: `/t/<TOKEN>/${rest.join("/")}` };
  }
  return { segments: decoded, redacted: `/${decoded.join("/")}` };
}

/** The bearer token of an `Authorization` header, if that is what it holds. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}
