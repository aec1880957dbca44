/**
 * The web UI's ES module (a TS string module, see index-html.ts for why). Plain DOM, no framework.
 * Every piece of data reaches the page through text nodes (`append(string)`, `textContent`), never
 * as markup, and links are built from encodeURIComponent'd names, so a package summary holding
 * `<img onerror=...>` shows as text. The token lives in sessionStorage (gone with the tab) and is
 * sent only as an `Authorization: Bearer` header to the same origin's /api/ endpoints.
 * The source avoids backticks, template placeholders and backslashes so it can sit in this literal.
 */
export const APP_JS = `const TOKEN_KEY = "taipan.token";
const main = document.getElementById("main");
const whoamiEl = document.getElementById("whoami");
const auditLink = document.getElementById("audit-link");
let generation = 0;

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function token() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

async function api(path) {
  const headers = { Accept: "application/json" };
  const t = token();
  if (t) headers.Authorization = "Bearer " + t;
  const res = await fetch(path, { headers, cache: "no-store" });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, body.message || res.statusText);
  return body;
}

/** An element with attributes and children; strings become text nodes, never markup. */
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    node.append(typeof c === "string" || typeof c === "number" ? String(c) : c);
  }
  return node;
}

function channelHref(channel) {
  return "#/c/" + encodeURIComponent(channel);
}

function packageHref(channel, name) {
  return channelHref(channel) + "/p/" + encodeURIComponent(name);
}

function humanSize(n) {
  if (typeof n !== "number") return "";
  const units = ["B", "KiB", "MiB", "GiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return (i === 0 ? String(n) : n.toFixed(1)) + " " + units[i];
}

function when(iso) {
  if (!iso) return "";
  return iso.replace("T", " ").replace(/[.][0-9]+Z$/, "Z");
}

function show(title, ...nodes) {
  document.title = title + " · taipan";
  main.replaceChildren(...nodes.filter((n) => n !== null && n !== undefined));
}

function failure(err) {
  let text = err.message || String(err);
  if (err.status === 401) text = "This needs an access token: " + text + ". Enter one above.";
  else if (err.status === 403) text = "Your token may not see this: " + text + ".";
  else if (err.status === 404) text = "Not found: " + text + ".";
  return el("p", { class: "alert", role: "alert" }, text);
}

async function viewChannels(gen) {
  const { channels } = await api("/api/channels");
  if (gen !== generation) return;
  const list = el("ul", { class: "cards", "aria-label": "Channels" });
  for (const ch of channels) {
    list.append(
      el(
        "li",
        {},
        el("h3", {}, el("a", { href: channelHref(ch.name) }, ch.name)),
        el("span", { class: "badge " + ch.access }, ch.access),
        " ",
        el("span", { class: "muted" }, ch.subdirs.length ? ch.subdirs.join(", ") : "no subdirs"),
      ),
    );
  }
  show(
    "Channels",
    el("h1", {}, "Channels"),
    channels.length
      ? list
      : el("p", {}, "No channel is readable without a token. Enter a token above to see private channels."),
  );
}

async function viewChannel(gen, channel) {
  const data = await api("/api/packages/" + encodeURIComponent(channel));
  if (gen !== generation) return;
  const rows = [];
  const tbody = el("tbody");
  for (const p of data.packages) {
    const row = el(
      "tr",
      { "data-name": p.name },
      el("td", {}, el("a", { href: packageHref(channel, p.name) }, p.name)),
      el("td", {}, p.latest),
      el("td", {}, p.subdirs.join(", ")),
      el("td", { class: "num" }, p.builds),
      el("td", {}, p.license || ""),
      el("td", {}, p.summary || ""),
    );
    rows.push(row);
    tbody.append(row);
  }
  const count = el("p", { class: "muted", role: "status", "aria-live": "polite" });
  const search = el("input", { id: "pkg-search", type: "search", placeholder: "name contains…" });
  const filter = () => {
    const q = search.value.trim().toLowerCase();
    let shown = 0;
    for (const r of rows) {
      const hit = !q || r.dataset.name.toLowerCase().includes(q);
      r.hidden = !hit;
      if (hit) shown++;
    }
    count.textContent = shown + " of " + rows.length + " packages";
  };
  search.addEventListener("input", filter);
  filter();
  const head = el(
    "tr",
    {},
    ...["Name", "Latest", "Subdirs", "Builds", "License", "Summary"].map((h) => el("th", { scope: "col" }, h)),
  );
  show(
    channel,
    el("p", { class: "crumbs" }, el("a", { href: "#/" }, "Channels"), " / ", channel),
    el("h1", {}, channel, " ", el("span", { class: "badge " + data.access }, data.access)),
    el("div", { class: "search", role: "search" }, el("label", { for: "pkg-search" }, "Filter packages by name"), search),
    count,
    el("table", {}, el("caption", { class: "muted" }, "Packages in " + channel), el("thead", {}, head), tbody),
  );
}

function copyButton(getText) {
  const btn = el("button", { type: "button" }, "Copy");
  btn.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(getText());
      btn.textContent = "Copied";
    } catch {
      btn.textContent = "Select and copy";
    }
    setTimeout(() => {
      btn.textContent = "Copy";
    }, 1500);
  });
  return btn;
}

async function viewPackage(gen, channel, name) {
  const data = await api("/api/packages/" + encodeURIComponent(channel) + "/" + encodeURIComponent(name));
  if (gen !== generation) return;
  const base = location.origin + "/" + channel;
  const cmd = el("code", { id: "install-cmd" });
  const setVersion = (v) => {
    cmd.textContent = "taipan install -c " + base + " " + name + "=" + v;
  };
  setVersion(data.latest);
  const tbody = el("tbody");
  for (const b of data.builds) {
    const use = el("button", { type: "button", "aria-label": "Show install command for " + b.version }, "Use");
    use.addEventListener("click", () => setVersion(b.version));
    tbody.append(
      el(
        "tr",
        {},
        el("td", {}, b.version),
        el("td", {}, b.build),
        el("td", {}, b.subdir),
        el("td", { class: "num" }, humanSize(b.size)),
        el("td", { class: "hash mono" }, b.sha256 || ""),
        el("td", {}, when(b.uploaded)),
        el("td", {}, use),
      ),
    );
  }
  const head = el(
    "tr",
    {},
    ...["Version", "Build", "Subdir", "Size", "SHA-256", "Uploaded", "Install"].map((h) =>
      el("th", { scope: "col" }, h),
    ),
  );
  const facts = el("dl", { class: "facts" });
  for (const [k, v] of [
    ["Latest", data.latest],
    ["License", data.license],
    ["Home", data.home],
  ]) {
    if (v) facts.append(el("dt", {}, k), el("dd", {}, v));
  }
  show(
    name,
    el(
      "p",
      { class: "crumbs" },
      el("a", { href: "#/" }, "Channels"),
      " / ",
      el("a", { href: channelHref(channel) }, channel),
      " / ",
      name,
    ),
    el("h1", {}, name),
    data.summary ? el("p", { class: "summary" }, data.summary) : null,
    facts,
    el("h2", {}, "Install"),
    el("div", { class: "install" }, cmd, copyButton(() => cmd.textContent)),
    data.access === "private"
      ? el(
          "p",
          { class: "muted" },
          "This channel is private: give the client a token with read access, e.g. as " +
            location.origin +
            "/t/<your token>/" +
            channel +
            ".",
        )
      : null,
    el("h2", {}, "Builds (" + data.builds.length + ")"),
    el("table", {}, el("thead", {}, head), tbody),
  );
}

async function viewAudit(gen) {
  const { entries } = await api("/api/audit?limit=200");
  if (gen !== generation) return;
  const tbody = el("tbody");
  for (const e of entries) {
    tbody.append(
      el(
        "tr",
        {},
        el("td", { class: "mono" }, when(e.time)),
        el("td", {}, e.client),
        el("td", { class: "mono" }, e.token_id || "-"),
        el("td", {}, e.method),
        el("td", { class: "mono" }, e.path),
        el("td", { class: "num" }, e.status),
        el("td", { class: "num" }, e.bytes),
      ),
    );
  }
  const head = el(
    "tr",
    {},
    ...["Time (UTC)", "Client", "Token id", "Method", "Path", "Status", "Bytes"].map((h) =>
      el("th", { scope: "col" }, h),
    ),
  );
  show(
    "Audit log",
    el("h1", {}, "Audit log"),
    el("p", { class: "muted" }, "The newest " + entries.length + " requests, newest first. Tokens are never logged, only their ids."),
    el("table", { id: "audit-table" }, el("thead", {}, head), tbody),
  );
}

async function render() {
  const gen = ++generation;
  const parts = location.hash.replace(/^#[/]?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  try {
    if (parts[0] === "c" && parts.length === 2) await viewChannel(gen, parts[1]);
    else if (parts[0] === "c" && parts[2] === "p" && parts.length === 4) await viewPackage(gen, parts[1], parts[3]);
    else if (parts[0] === "audit") await viewAudit(gen);
    else await viewChannels(gen);
  } catch (err) {
    if (gen === generation) show("Error", el("h1", {}, "Cannot show this page"), failure(err));
  }
}

async function refreshIdentity() {
  try {
    const me = await api("/api/whoami");
    whoamiEl.textContent = me.token_id
      ? "Using token " + me.token_id + " (" + me.scopes.join(", ") + ")"
      : "Anonymous: public channels only";
    auditLink.hidden = !me.admin;
  } catch (err) {
    if (err.status === 401 && token()) {
      sessionStorage.removeItem(TOKEN_KEY);
      whoamiEl.textContent = "That token was not accepted; it has been forgotten.";
    } else {
      whoamiEl.textContent = err.message;
    }
    auditLink.hidden = true;
  }
}

document.getElementById("token-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const input = document.getElementById("token-input");
  const value = input.value.trim();
  input.value = "";
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  await refreshIdentity();
  await render();
});

document.getElementById("token-clear").addEventListener("click", async () => {
  sessionStorage.removeItem(TOKEN_KEY);
  await refreshIdentity();
  await render();
});

window.addEventListener("hashchange", () => {
  render().then(() => main.focus({ preventScroll: true }));
});

refreshIdentity().then(render);
`;
