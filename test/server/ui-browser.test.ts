// The web UI in a real browser: Debian's chromium driven by playwright-core over 127.0.0.1.
// Chromium not starting is a failure with the reason, never a skip: CI installs it (.ci/run).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { copyFile, mkdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { tempDir } from "./serve-support.js";
import { startUiFixture, type UiFixture, XSS_SUMMARY } from "./ui-support.js";

const CHROMIUM = "/usr/bin/chromium";

let work: string;
let fx: UiFixture | undefined;
let context: BrowserContext | undefined;
let page: Page;
const pageErrors: string[] = [];

async function launch(userDataDir: string): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
  try {
    return await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      timeout: 20_000,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
  } catch (e) {
    throw new Error(`Chromium (${CHROMIUM}) could not start: ${(e as Error).message}`);
  }
}

before(async () => {
  work = await tempDir("ui-browser");
  fx = await startUiFixture(work);
  const profile = join(work, "chromium-profile");
  await mkdir(profile);
  context = await launch(profile);
  context.setDefaultTimeout(10_000);
  page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (e) => pageErrors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") pageErrors.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on("dialog", (d) => {
    pageErrors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
});

after(async () => {
  await context?.close().catch(() => {});
  await fx?.server.close();
  await rm(work, { recursive: true, force: true });
});

interface RowLike {
  cells: ArrayLike<{ textContent: string | null }>;
}

/** The text of every visible body row of the first table, cell by cell. */
async function visibleRows(): Promise<string[][]> {
  return page.locator("main table tbody tr:visible").evaluateAll((rows) =>
    // The callback runs in the page; the project's tsconfig has no DOM types, hence the shape.
    rows.map((r) => Array.from((r as unknown as RowLike).cells, (c) => (c.textContent ?? "").trim())),
  );
}

it("browses channels, packages and builds; tokens unlock private channels and the audit log", async () => {
  const f = fx!;
  // `/` leads to the UI; anonymously only the public channel is listed.
  await page.goto(`${f.url}/`);
  assert.equal(new URL(page.url()).pathname, "/ui/");
  await page.getByRole("heading", { level: 1, name: "Channels" }).waitFor();
  await page.getByRole("link", { name: "pub", exact: true }).waitFor();
  assert.equal(await page.getByRole("link", { name: "priv", exact: true }).count(), 0);
  assert.match((await page.locator("#whoami").textContent()) ?? "", /Anonymous/);

  // The channel's packages, with latest version by conda order and the channeldata summary.
  await page.getByRole("link", { name: "pub", exact: true }).click();
  await page.getByRole("heading", { level: 1, name: /pub/ }).waitFor();
  await page.locator("main table tbody tr").first().waitFor();
  const rows = await visibleRows();
  assert.deepEqual(
    rows.map((r) => r[0]),
    ["alpha", "beta", "gamma-tools"],
  );
  assert.deepEqual(rows[0], ["alpha", "1.10", "noarch", "3", "MIT", "The first letter"]);

  // A hostile summary is shown as text: no element made from it, no script run.
  assert.equal(rows[1]![5], XSS_SUMMARY);
  assert.equal(await page.locator("main img").count(), 0);
  assert.equal(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned), undefined);

  // The search box filters by name (it has a label, so it is found by it).
  await page.getByLabel("Filter packages by name").fill("gam");
  assert.deepEqual(
    (await visibleRows()).map((r) => r[0]),
    ["gamma-tools"],
  );
  assert.match(
    (await page.getByRole("status").filter({ hasText: "packages" }).textContent()) ?? "",
    /1 of 3/,
  );
  await page.getByLabel("Filter packages by name").fill("");
  assert.equal((await visibleRows()).length, 3);

  // The package page: builds newest first with size and sha256, and the install command.
  await page.getByRole("link", { name: "alpha", exact: true }).click();
  await page.getByRole("heading", { level: 1, name: "alpha" }).waitFor();
  await page.locator("main table tbody tr").first().waitFor();
  const builds = await visibleRows();
  assert.deepEqual(
    builds.map((r) => r[0]),
    ["1.10", "1.9", "1.0"],
  );
  for (const b of builds) {
    assert.equal(b[2], "noarch");
    assert.match(b[3]!, /^\d+(\.\d)? (B|KiB)$/);
    assert.match(b[4]!, /^[0-9a-f]{64}$/);
    assert.match(b[5]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  }
  assert.equal(await page.locator("#install-cmd").textContent(), `taipan install -c ${f.url}/pub alpha=1.10`);
  await page.getByRole("button", { name: "Show install command for 1.9" }).click();
  assert.equal(await page.locator("#install-cmd").textContent(), `taipan install -c ${f.url}/pub alpha=1.9`);
  assert.doesNotMatch((await page.locator("main").textContent()) ?? "", /null|undefined/);
  const shot = join(work, "package-page.png");
  await page.setViewportSize({ width: 1100, height: 640 });
  await page.screenshot({ path: shot, fullPage: true });
  assert.ok((await stat(shot)).size > 5000, "the screenshot has content");
  if (process.env.TAIPAN_UI_SCREENSHOT) await copyFile(shot, process.env.TAIPAN_UI_SCREENSHOT);

  // A read token, kept in sessionStorage, shows the private channel and its packages.
  await page.goto(`${f.url}/ui/#/`);
  await page.getByLabel("Access token").fill(f.readToken);
  await page.getByRole("button", { name: "Use token" }).click();
  await page.getByRole("link", { name: "priv", exact: true }).waitFor();
  assert.equal(
    await page.evaluate(() =>
      (
        globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }
      ).sessionStorage.getItem("taipan.token"),
    ),
    f.readToken,
  );
  assert.equal(await page.getByLabel("Access token").inputValue(), "", "the field does not keep the token");
  assert.match((await page.locator("#whoami").textContent()) ?? "", /read:priv/);
  assert.equal(await page.locator("#audit-link").isVisible(), false, "no audit log for a read token");
  await page.getByRole("link", { name: "priv", exact: true }).click();
  await page.getByRole("link", { name: "secretpkg" }).waitFor();
  await page.getByRole("link", { name: "secretpkg" }).click();
  await page.getByText("This channel is private").waitFor();
  assert.equal(
    await page.locator("#install-cmd").textContent(),
    `taipan install -c ${f.url}/priv secretpkg=3.1`,
  );

  // A URL-token download, so the audit log has a token to redact.
  assert.equal((await fetch(`${f.url}/t/${f.readToken}/priv/noarch/repodata.json`)).status, 200);
  await f.server.idle();

  // The admin token opens the audit tail: entries shown, tokens never.
  await page.getByLabel("Access token").fill(f.adminToken);
  await page.getByRole("button", { name: "Use token" }).click();
  await page.locator("#audit-link").waitFor({ state: "visible" });
  await page.locator("#audit-link").click();
  await page.getByRole("heading", { level: 1, name: "Audit log" }).waitFor();
  await page.locator("#audit-table tbody tr").first().waitFor();
  const audit = await visibleRows();
  assert.ok(audit.length >= 10, `audit rows: ${audit.length}`);
  assert.ok(audit.some((r) => r[4] === "/t/<TOKEN>/priv/noarch/repodata.json" && r[5] === "200"));
  assert.ok(audit.some((r) => r[4] === "/api/packages/priv" && r[5] === "200"));
  const html = await page.content();
  for (const t of [f.readToken, f.writeToken, f.adminToken])
    assert.ok(!html.includes(t), "a token is on the page");

  // A token the server does not know is dropped, and the private channel goes away again.
  await page.goto(`${f.url}/ui/#/`);
  await page.getByLabel("Access token").fill("tpn-this-is-not-a-known-token");
  await page.getByRole("button", { name: "Use token" }).click();
  await page.getByText("That token was not accepted").waitFor();
  await page.getByRole("link", { name: "pub", exact: true }).waitFor();
  assert.equal(await page.getByRole("link", { name: "priv", exact: true }).count(), 0);

  assert.deepEqual(
    pageErrors.filter((e) => !/401 \(Unauthorized\)/.test(e)),
    [],
    "no script errors or CSP violations",
  );
});
