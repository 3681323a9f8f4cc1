// Browser tests of the operator controls: the facet bar with its counts, per-row
// buttons for exactly a row's allowed_actions, and the multi-select bulk reject
// that goes through a dry run first. Each write is checked in the database.
//
//   node --test operators.test.mjs      (run.sh runs it after browser.test.mjs)
//
// The demo database is kept between runs and these tests change rows: they pick
// their rows by the state they need, as the API reports it now.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";

import {
  API_URL,
  APP_URL,
  answerTo,
  apiGet,
  assertClean,
  assertTableShows,
  checkFavicon,
  listAfter,
  openScreen,
  rowInDatabase,
  screenshot,
  tableRows,
  useBrowser,
} from "./support.mjs";

useBrowser();

/** The facet bar as shown: value -> count, "" for All. */
async function shownFacets(page) {
  await page.waitForSelector("[data-testid=facets][aria-busy=false]");
  return page.$$eval("[data-testid=facets] button[data-facet=pipeline_status]", (buttons) =>
    Object.fromEntries(buttons.map((b) => [b.dataset.value, Number(b.querySelector(".count").textContent)])),
  );
}

const row = (hash) => `tr[data-hash="${hash}"]`;

describe("the operator controls of the reference client", () => {
  let page;
  const screen = "operators";

  before(async () => {
    page = await openScreen(screen);
  });

  test("the facet bar shows every status with the API's counts, and filters on a click", async () => {
    const facets = await answerTo(page, "GET", "/rear-diff/media/facets", () => page.goto(APP_URL));
    assert.equal(facets.status(), 200);
    const direct = await apiGet("/rear-diff/media/facets?fields=pipeline_status,error_status");
    const shown = await shownFacets(page);
    assert.deepEqual(shown, {
      "": direct.total,
      ...Object.fromEntries(direct.facets.pipeline_status.map(({ value, count }) => [value, count])),
    });
    const errors = await page.textContent("[data-facet=error_status] .count");
    assert.equal(Number(errors), direct.facets.error_status.find((c) => c.value === true).count);
    await screenshot(page, "11-facet-bar.png");

    const { body } = await listAfter(page, { pipeline_status: "rejected", offset: 0 }, () =>
      page.click("[data-facet=pipeline_status][data-value=rejected]"),
    );
    assert.equal(body.pagination.total, shown.rejected);
    assert.ok(body.data.every((item) => item.pipeline_status === "rejected"));
    await assertTableShows(page, body.data);
    assert.equal(await page.getAttribute("[data-value=rejected]", "aria-pressed"), "true");
  });

  test("a row shows buttons for exactly its allowed_actions, and one changes the database", async () => {
    const [first] = await tableRows(page);
    await page.click(`${row(first.hash)} [data-testid=open-actions]`);
    await page.waitForSelector(`${row(first.hash)} [data-testid=row-actions]`);
    const buttons = async () =>
      page.$$eval(`${row(first.hash)} [data-row-action]`, (all) => all.map((b) => b.dataset.rowAction));
    const item = await apiGet(`/rear-diff/media/${first.hash}`);
    assert.deepEqual(await buttons(), item.allowed_actions);
    assert.ok(item.allowed_actions.includes("re-ingest"), `a rejected row can be re-ingested: ${item.allowed_actions}`);
    await screenshot(page, "12-row-actions.png");

    const response = await answerTo(page, "POST", `/rear-diff/media/${first.hash}/actions/re-ingest`, () =>
      page.click(`${row(first.hash)} [data-row-action=re-ingest]`),
    );
    const answer = await response.json();
    assert.equal(response.status(), 200, JSON.stringify(answer));
    assert.equal(response.request().headers()["authorization"]?.startsWith("Token "), true);
    await page.waitForSelector(`${row(first.hash)} td[data-col=pipeline_status]:text-is("ingested")`);

    // The database holds what trigger 2 makes of a re-ingest ...
    const stored = rowInDatabase(first.hash);
    assert.equal(stored.pipeline_status, "ingested");
    assert.ok(["unfiltered", "override"].includes(stored.rejection_status), stored.rejection_status);
    assert.equal(stored.rejection_reason, null);
    assert.equal(stored.error_status, false);
    // ... the buttons follow the row's new state, and the history names the operator.
    const after = await apiGet(`/rear-diff/media/${first.hash}`);
    assert.deepEqual(answer.data.allowed_actions, after.allowed_actions);
    await page.waitForFunction(
      ([selector, wanted]) =>
        JSON.stringify([...document.querySelectorAll(selector)].map((b) => b.dataset.rowAction)) === wanted,
      [`${row(first.hash)} [data-row-action]`, JSON.stringify(after.allowed_actions)],
    );
    const history = await apiGet(`/rear-diff/history?hash=${first.hash}&limit=1`);
    assert.equal(history.data[0].action, "re-ingest");
    assert.equal(history.data[0].changed_by, "demo-operator");
    await screenshot(page, "13-row-action-done.png");
  });

  test("a bulk reject of the selected rows shows a dry run, then writes on confirmation", async () => {
    const { body } = await listAfter(page, { pipeline_status: "parsed", offset: 0 }, () =>
      page.click("[data-facet=pipeline_status][data-value=parsed]"),
    );
    const chosen = body.data.slice(0, 3).map((item) => item.hash);
    assert.equal(chosen.length, 3, "the demo data has parsed rows to reject");
    for (const hash of chosen) await page.check(`${row(hash)} [data-testid=select-row]`);
    assert.equal(await page.textContent("[data-testid=selected-count]"), "3 selected");
    assert.equal(await page.isDisabled("[data-testid=bulk-confirm]"), true, "no confirmation before a dry run");
    await page.fill("[data-testid=bulk-reason]", "cam rip (e2e)");

    const dry = await answerTo(page, "POST", "/rear-diff/media/bulk", () => page.click("[data-testid=bulk-dry-run]"));
    const preview = await dry.json();
    assert.equal(dry.status(), 200, JSON.stringify(preview));
    assert.deepEqual(JSON.parse(dry.request().postData()).dry_run, true);
    assert.equal(preview.batch_id, null);
    assert.deepEqual(preview.results.map((r) => r.data.pipeline_status), ["rejected", "rejected", "rejected"]);
    await page.waitForSelector("[data-testid=bulk-preview]:has-text('3 rows would become rejected')");
    for (const hash of chosen) assert.equal(rowInDatabase(hash).pipeline_status, "parsed", "the dry run wrote");
    assert.equal(await page.isEnabled("[data-testid=bulk-confirm]"), true);
    await screenshot(page, "14-bulk-dry-run.png");

    const reloaded = listAfter(page, { pipeline_status: "parsed" }, async () => {});
    const done = await answerTo(page, "POST", "/rear-diff/media/bulk", () => page.click("[data-testid=bulk-confirm]"));
    const written = await done.json();
    assert.equal(done.status(), 200, JSON.stringify(written));
    assert.equal(written.count, 3);
    await reloaded;
    await page.waitForSelector(`[data-testid=notice]:text-is("Rejected 3 rows (batch ${written.batch_id})")`);
    for (const hash of chosen) {
      assert.deepEqual(rowInDatabase(hash), {
        pipeline_status: "rejected",
        rejection_status: "rejected",
        rejection_reason: "cam rip (e2e)",
        error_status: false,
      });
      assert.equal(await page.$(row(hash)), null, "a rejected row left the parsed listing");
    }
    const batch = await apiGet(`/rear-diff/history?batch_id=${written.batch_id}`);
    assert.deepEqual(batch.data.map((r) => r.media_hash).sort(), [...chosen].sort());
    await screenshot(page, "15-bulk-rejected.png");
  });

  test("a refused dry run names the rows that cannot be rejected and writes nothing", async () => {
    // Its own screen: the browser logs the expected 409 as a console error.
    const refusing = "refused-batch";
    const tab = await openScreen(refusing);
    await answerTo(tab, "GET", "/rear-diff/media/facets", () => tab.goto(APP_URL));
    const { body } = await listAfter(tab, { pipeline_status: "complete", offset: 0 }, () =>
      tab.click("[data-facet=pipeline_status][data-value=complete]"),
    );
    const [done] = body.data;
    await tab.check(`${row(done.hash)} [data-testid=select-row]`);
    await tab.fill("[data-testid=bulk-reason]", "too late");
    const before = rowInDatabase(done.hash);

    const refused = await answerTo(tab, "POST", "/rear-diff/media/bulk", () => tab.click("[data-testid=bulk-dry-run]"));

    assert.equal(refused.status(), 409);
    await tab.waitForSelector(`[data-testid=bulk-preview] [data-refused-hash="${done.hash}"]`);
    assert.match(await tab.textContent("[data-testid=bulk-preview]"), /Invalid transition/);
    assert.equal(await tab.isDisabled("[data-testid=bulk-confirm]"), true);
    assert.deepEqual(rowInDatabase(done.hash), before);
    await screenshot(tab, "16-bulk-refused.png");
    await tab.click("[data-testid=bulk-clear]");
    assert.equal(await tab.$("[data-testid=bulk]"), null);
    await checkFavicon(tab, refusing);
    assertClean(refusing, [
      {
        screen: refusing,
        text: "Failed to load resource: the server responded with a status of 409 (Conflict)",
        url: `${API_URL}/rear-diff/media/bulk`,
      },
    ]);
    await tab.close();
  });

  test("made no request off the machine and logged no console error", async () => {
    await checkFavicon(page, screen);
    assertClean(screen);
  });
});
