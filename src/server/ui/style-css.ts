/** The web UI's stylesheet (a TS string module, see index-html.ts for why). */
export const STYLE_CSS = `:root {
  color-scheme: light dark;
  --fg: #1d2330; --muted: #5b6475; --bg: #fbfbfd; --card: #ffffff; --line: #d9dde6;
  --accent: #0b6e4f; --warn: #9a3412; --code: #f1f3f7;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6e8ee; --muted: #9aa3b5; --bg: #14171d; --card: #1b1f27; --line: #2d3340;
    --accent: #4fd1a1; --warn: #fdba74; --code: #232834; }
}
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg); line-height: 1.45; }
a { color: var(--accent); }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 8px; top: 8px; background: var(--card); padding: 4px 8px; }
header.top { display: flex; flex-wrap: wrap; gap: 8px 24px; align-items: center; padding: 10px 24px;
  background: var(--card); border-bottom: 1px solid var(--line); }
.brand { margin: 0; font-size: 1.25rem; font-weight: 700; }
.brand a { text-decoration: none; }
.brand span { color: var(--muted); font-weight: 400; font-size: 0.95rem; }
form.token { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; flex: 1; }
form.token input { width: 16rem; }
nav a { margin-right: 12px; }
main { max-width: 1200px; margin: 0 auto; padding: 8px 24px 48px; }
input, button { font: inherit; padding: 4px 8px; border: 1px solid var(--line); border-radius: 4px;
  background: var(--bg); color: var(--fg); }
button { cursor: pointer; background: var(--code); }
button:focus-visible, input:focus-visible, a:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
#whoami { color: var(--muted); font-size: 0.9rem; }
.cards { list-style: none; padding: 0; display: grid; gap: 12px; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); }
.cards li { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; }
.cards h3 { margin: 0 0 4px; }
.badge { display: inline-block; font-size: 0.75rem; padding: 1px 6px; border-radius: 8px;
  border: 1px solid var(--line); color: var(--muted); }
.badge.private { color: var(--warn); border-color: var(--warn); }
.muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; background: var(--card); font-size: 0.92rem; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; background: var(--code); }
td.num { text-align: right; white-space: nowrap; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.88em; }
td.hash { word-break: break-all; max-width: 22rem; }
.search { margin: 12px 0; display: flex; gap: 8px; align-items: center; }
.search input { width: 20rem; }
.install { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 12px 0; }
.install code { background: var(--code); padding: 6px 10px; border-radius: 4px; user-select: all; }
.alert { border: 1px solid var(--warn); color: var(--warn); padding: 8px 12px; border-radius: 4px; background: var(--card); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.crumbs { margin: 12px 0 0; color: var(--muted); }
`;
