/**
 * Hides credentials in a URL before it reaches a message, log or cache state file: the anaconda.org
 * style `/t/<token>/` path segment and `user:password@` (conda prints `<TOKEN>` / `<PASSWORD>` too).
 */
export function redactUrl(url: string): string {
  return url.replace(/\/t\/[^/?#]+/g, "/t/<TOKEN>").replace(/\/\/([^/@:?#]*):[^/@?#]*@/, "//$1:<PASSWORD>@");
}

/** Removes every occurrence of the secrets of `url` from `text` (e.g. a library's error message). */
export function redactSecretsOf(url: string, text: string): string {
  let out = text;
  const token = /\/t\/([^/?#]+)/.exec(url)?.[1];
  if (token) out = out.split(token).join("<TOKEN>");
  try {
    const u = new URL(url);
    if (u.password) out = out.split(u.password).join("<PASSWORD>");
    if (u.password && decodeURIComponent(u.password) !== u.password)
      out = out.split(decodeURIComponent(u.password)).join("<PASSWORD>");
  } catch {
    // not a URL: nothing else to hide
  }
  return out;
}
