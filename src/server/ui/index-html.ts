/**
 * The web UI's one HTML page. Kept as a TS string module so `tsc` carries it into dist/ with the
 * server code (it does not copy other files). The page has no inline script or style, so the
 * server's Content-Security-Policy can forbid both.
 */
export const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>taipan channels</title>
<link rel="icon" href="/ui/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/ui/style.css">
<script type="module" src="/ui/app.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <p class="brand"><a href="#/">taipan</a> <span>conda channels</span></p>
  <form id="token-form" class="token" autocomplete="off">
    <label for="token-input">Access token</label>
    <input id="token-input" name="token" type="password" spellcheck="false" placeholder="tpn-…">
    <button type="submit">Use token</button>
    <button type="button" id="token-clear">Forget token</button>
    <span id="whoami" role="status" aria-live="polite"></span>
  </form>
  <nav aria-label="Sections">
    <a href="#/">Channels</a>
    <a href="#/audit" id="audit-link" hidden>Audit log</a>
  </nav>
</header>
<main id="main" tabindex="-1">
  <noscript><p>This page needs JavaScript. The channels themselves are plain files: see <a href="/api/channels">/api/channels</a>.</p></noscript>
  <p>Loading…</p>
</main>
</body>
</html>
`;
