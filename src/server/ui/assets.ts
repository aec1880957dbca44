import { APP_JS } from "./app-js.js";
import { INDEX_HTML } from "./index-html.js";
import { STYLE_CSS } from "./style-css.js";

/** A small mark so browsers do not ask for /favicon.ico (a 404 on a channel server). */
const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0b6e4f"/><path d="M8 9h16v4h-6v12h-4V13H8z" fill="#fff"/></svg>';

export interface UiAsset {
  type: string;
  body: string;
}

/** The files under `/ui/`: the page itself is `/ui/` (and `/ui/index.html`). */
export const UI_ASSETS: ReadonlyMap<string, UiAsset> = new Map([
  ["index.html", { type: "text/html; charset=utf-8", body: INDEX_HTML }],
  ["app.js", { type: "text/javascript; charset=utf-8", body: APP_JS }],
  ["style.css", { type: "text/css; charset=utf-8", body: STYLE_CSS }],
  ["icon.svg", { type: "image/svg+xml", body: ICON_SVG }],
]);

/**
 * Headers for UI responses. The CSP allows only this origin's script, style and fetches (no inline
 * code, no framing), a second line of defence behind the UI's text-only DOM insertion.
 */
export const UI_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-cache",
};
