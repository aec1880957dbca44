/** Hides credentials in a URL before it reaches a message: conda `/t/<token>/` segments and user:password@. */
export function redactUrl(url: string): string {
  return url
    .replace(/\/t\/[^/]+\//, "/t/<TOKEN>/")
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/@:]+):([^/@]+)@/i, "$1$2:***@");
}
