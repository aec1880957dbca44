// Credentials in channel and package URLs: basic auth (`user:password@host`) and anaconda.org-style
// tokens (`/t/<token>/`). Messages show a redacted URL; what is written to disk or exported for
// sharing (`urls.txt`, `repodata_record.json`, @EXPLICIT files) has them removed, as conda does.

/**
 * Hides secrets in a URL for display: an anaconda.org token becomes `/t/<TOKEN>` (conda's
 * `mask_anaconda_token`) and a basic-auth password becomes `<PASSWORD>` (the user name is kept so a
 * user can tell which credentials were used).
 */
export function redactUrl(url: string): string {
  // every /t/ segment, whatever characters the token uses: a token must never reach a message
  let out = url.replace(/\/t\/[^/?#]+/g, "/t/<TOKEN>");
  out = out.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/@?#]*)@/i, (_m, scheme: string, auth: string) => {
    const colon = auth.indexOf(":");
    return colon < 0 ? `${scheme}${auth}@` : `${scheme}${auth.slice(0, colon)}:<PASSWORD>@`;
  });
  return out;
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

/**
 * The URL without credentials at all: `user:password@` and the `/t/<token>` segment removed, as
 * conda strips auth before it records a URL or exports it so a file can be shared.
 */
export function stripUrlCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, "$1").replace(/\/t\/[^/]+(?=\/)/, "");
}
