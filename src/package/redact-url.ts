/** Hides credentials in a URL before it reaches a message: conda `/t/<token>/` segments and user:password@. */
export function redactUrl(url: string): string {
  return url
    .replace(/\/t\/[^/]+\//, "/t/<TOKEN>/")
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/@:]+):([^/@]+)@/i, "$1$2:***@");
}

/**
 * The URL without credentials at all (userinfo and the `/t/<token>` segment removed), for what is
 * written to disk (`urls.txt`, `repodata_record.json`), as conda strips auth before recording URLs.
 */
export function stripUrlCredentials(url: string): string {
  return url.replace(/\/t\/[^/]+\//, "/").replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, "$1");
}
