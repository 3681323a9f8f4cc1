// Browser tests of the live view: the page listens to GET /rear-diff/media/events
// (EventSource) and shows each change without a reload, whether the pipeline
// writes the table in SQL or an operator acts in another page.
//
//   node --test live.test.mjs      (run.sh runs it after operators.test.mjs)
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { before, describe, test } from "node:test";

import { APP_URL, PROJECT_DIR, PYTHON, assertClean, openScreen, screenshot, tableRows, useBrowser } from "./support.mjs";

useBrowser();

// How soon a committed change must show.
const WITHIN_MS = 2_000;
const row = (hash) => `tr[data-hash="${hash}"]`;

/** Run SQL on the service's database as the pipeline would: its own connection, committed. */
function pipelineSql(statement, params) {
  execFileSync(
    PYTHON,
    [
      "manage.py",
      "shell",
      "--no-imports",
      "-c",
      "from django.db import connection; " +
        `connection.cursor().execute(${JSON.stringify(statement)}, ${JSON.stringify(params)})`,
    ],
    { cwd: PROJECT_DIR, env: process.env, encoding: "utf8" },
  );
}

/** Wait until `cell` of the row shows `text`; how long it took from `since`. */
async function shows(page, hash, column, text, since) {
  await page.waitForFunction(
    ([selector, expected]) => document.querySelector(selector)?.textContent === expected,
    [`${row(hash)} td[data-col="${column}"]`, text],
    { timeout: WITHIN_MS + 3_000 },
  );
  return Date.now() - since;
}

describe("the live view of the reference client", () => {
  let page;
  const screen = "live";

  before(async () => {
    page = await openScreen(screen);
    await page.goto(APP_URL);
    await page.waitForSelector("[data-testid=media-table] tbody tr");
    await page.waitForSelector("[data-testid=live].on");
    // Set once: a reload would lose it.
    await page.evaluate(() => {
      window.notReloaded = true;
    });
  });

  test("the page says it is live while the stream is connected", async () => {
    assert.equal((await page.textContent("[data-testid=live]")).trim(), "● live");
  });

  test("a row the pipeline changes in SQL shows its new value without a reload", async () => {
    const [first] = await tableRows(page);
    const title = `Live ${Date.now()}`;
    pipelineSql("UPDATE atp.media SET media_title = %s WHERE hash = %s", [title, first.hash]);
    const took = await shows(page, first.hash, "media_title", title, Date.now());
    assert.ok(took <= WITHIN_MS, `the change showed after ${took} ms`);
    assert.equal(await page.evaluate(() => window.notReloaded), true);
    await screenshot(page, "21-live-sql-change.png");
  });

  test("an operator's action in a second page shows here, facets included", async () => {
    const rows = await tableRows(page);
    const target = rows.find((r) => r.cells.rejection_status !== "override");
    assert.ok(target, "a row whose rejection status is not override");
    const other = await openScreen(screen);
    await other.goto(APP_URL);
    await other.waitForSelector(`${row(target.hash)} [data-action=override]`);
    // The facet bar is counted again after the change: the page asks for the facets.
    const recount = page.waitForResponse((r) => new URL(r.url()).pathname === "/rear-diff/media/facets", {
      timeout: WITHIN_MS + 3_000,
    });
    const clicked = Date.now();
    await other.click(`${row(target.hash)} [data-action=override]`);
    await other.waitForSelector(`${row(target.hash)} [data-action=override][disabled]`);
    const took = await shows(page, target.hash, "rejection_status", "override", clicked);
    assert.ok(took <= WITHIN_MS, `the action showed after ${took} ms`);
    assert.equal(await page.evaluate(() => window.notReloaded), true);
    assert.equal((await recount).status(), 200);
    await page.waitForSelector("[data-testid=facets][aria-busy=false]");
    await screenshot(page, "22-live-operator-action.png");
    await other.close();
  });

  test("the live screen made no request that left the machine and logged no error", () => {
    assertClean(screen);
  });
});
