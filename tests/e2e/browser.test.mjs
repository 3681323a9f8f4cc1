// Browser tests: the reference client (Vite, http://localhost:5173) against the
// service (http://127.0.0.1:8000) in Debian's chromium, driven by playwright-core.
// run.sh starts both servers and passes their addresses; `make e2e` runs it.
//
//   node --test browser.test.mjs
//
// Environment: APP_URL, API_URL, PROJECT_DIR (for manage.py), PYTHON,
// CHROMIUM (default /usr/bin/chromium). The harness is support.mjs.
import assert from "node:assert/strict";
import { describe, before, test } from "node:test";

import {
  API_URL,
  APP_URL,
  PAGE_SIZE,
  ROW_ACTIONS,
  answerTo,
  apiGet,
  assertClean,
  assertTableShows,
  checkFavicon,
  fail,
  listAfter,
  openScreen,
  paramsOf,
  rangeText,
  rejectionStatusInDatabase,
  screenshot,
  tableRows,
  useBrowser,
} from "./support.mjs";

useBrowser();

const SORTED = { asc: "ascending", desc: "descending" };

/**
 * Click the release_year header and wait for the list sorted in `order`: the page
 * asked for it, shows what the API answers and marks the column. Its request and body.
 */
async function sortByYear(page, order, file) {
  const sorted = await listAfter(page, { sort_by: "release_year", sort_order: order, offset: 0 }, () =>
    page.click('th[data-col="release_year"] button'),
  );
  assert.deepEqual(sorted.body, await apiGet(`/rear-diff/media?${new URLSearchParams(sorted.params)}`));
  await assertTableShows(page, sorted.body.data);
  assert.equal(await page.getAttribute('th[data-col="release_year"]', "aria-sort"), SORTED[order]);
  const years = (await tableRows(page)).map((row) => row.cells.release_year).filter(Boolean).map(Number);
  const expected = [...years].sort((a, b) => (order === "asc" ? a - b : b - a));
  assert.deepEqual(years, expected, `years shown ${SORTED[order]}`);
  await screenshot(page, file);
  return sorted;
}

describe("the reference client on Vite against the service", () => {
  let page;
  const screen = "app";
  let firstPage; // the unfiltered first page as the page received it
  let filtered; // the media_type=tv_show first page

  before(async () => {
    page = await openScreen(screen);
  });

  test("shows the first page of rows, fetched across origins", async () => {
    const { params, body } = await listAfter(page, { offset: 0, limit: PAGE_SIZE }, () => page.goto(APP_URL));
    firstPage = body;
    assert.deepEqual(params, { limit: String(PAGE_SIZE), offset: "0", sort_by: "created_at", sort_order: "desc" });
    const direct = await apiGet(`/rear-diff/media?limit=${PAGE_SIZE}&sort_by=created_at&sort_order=desc`);
    assert.equal(body.data.length, PAGE_SIZE);
    assert.deepEqual(body, direct);
    await assertTableShows(page, direct.data);
    assert.equal(await rangeText(page), `Rows 1–${PAGE_SIZE} of ${direct.pagination.total}`);
    assert.equal(await page.isDisabled("[data-testid=previous]"), true);
    assert.equal(await page.isEnabled("[data-testid=next]"), true);
    assert.equal(await page.getAttribute('th[data-col="created_at"]', "aria-sort"), "descending");
    await screenshot(page, "01-first-page.png");
  });

  test("filters by media_type", async () => {
    const { params, body } = await listAfter(page, { media_type: "tv_show", offset: 0 }, () =>
      page.selectOption("[data-testid=filter-media_type]", "tv_show"),
    );
    filtered = body;
    const direct = await apiGet(`/rear-diff/media?${new URLSearchParams(params)}`);
    assert.deepEqual(body, direct);
    assert.ok(direct.data.length > 0);
    assert.ok(direct.pagination.total < firstPage.pagination.total);
    const rows = await tableRows(page);
    assert.ok(rows.every((row) => row.cells.media_type === "tv_show"));
    await assertTableShows(page, direct.data);
    assert.equal(await rangeText(page), `Rows 1–${direct.data.length} of ${direct.pagination.total}`);
    await screenshot(page, "02-filter-media-type.png");
  });

  test("goes to the next page by following pagination.next, and back", async () => {
    const next = filtered.pagination.next;
    assert.ok(next?.startsWith("/rear-diff/media?"), `next: ${next}`);
    const { params, body } = await listAfter(page, { media_type: "tv_show", offset: PAGE_SIZE }, () =>
      page.click("[data-testid=next]"),
    );
    // The page asked for exactly what the link says: same filter and sort, next offset.
    assert.deepEqual(params, paramsOf(next));
    const direct = await apiGet(next);
    assert.deepEqual(body, direct);
    await assertTableShows(page, direct.data);
    const firstHashes = new Set(filtered.data.map((row) => row.hash));
    assert.ok(direct.data.every((row) => !firstHashes.has(row.hash)), "page 2 repeats rows of page 1");
    assert.ok(direct.data.every((row) => row.media_type === "tv_show"));
    assert.equal(await rangeText(page), `Rows ${PAGE_SIZE + 1}–${PAGE_SIZE + direct.data.length} of ${direct.pagination.total}`);
    assert.equal(await page.isEnabled("[data-testid=previous]"), true);
    await screenshot(page, "03-next-page.png");

    // The first page's link has no offset (the service leaves the default out).
    const back = await listAfter(page, { media_type: "tv_show", offset: undefined }, () =>
      page.click("[data-testid=previous]"),
    );
    assert.deepEqual(back.params, paramsOf(body.pagination.previous));
    await assertTableShows(page, filtered.data);
  });

  test("sorts by a column, ascending then descending", async () => {
    const asc = await sortByYear(page, "asc", "04-sorted-ascending.png");
    assert.equal(asc.params.media_type, "tv_show", "sorting keeps the filter");
    await sortByYear(page, "desc", "05-sorted-descending.png");
  });

  test("filters by pipeline_status and rejection_status and searches the title", async () => {
    // Take the values from a row on screen, so at least that row matches.
    const [row] = await tableRows(page);
    assert.ok(row.cells.media_title.length >= 4, `title too short to search: ${row.cells.media_title}`);
    await listAfter(page, { pipeline_status: row.cells.pipeline_status }, () =>
      page.selectOption("[data-testid=filter-pipeline_status]", row.cells.pipeline_status),
    );
    await listAfter(page, { rejection_status: row.cells.rejection_status }, () =>
      page.selectOption("[data-testid=filter-rejection_status]", row.cells.rejection_status),
    );
    const words = row.cells.media_title.split(/\s+/).filter((word) => word.length >= 3);
    const needle = (words[0] ?? row.cells.media_title.slice(0, 4)).toUpperCase(); // the search ignores case
    await page.fill("[data-testid=search-title]", needle);
    const { params, body } = await listAfter(page, { media_title: needle, offset: 0 }, () =>
      page.click("[data-testid=search]"),
    );
    assert.equal(params.media_type, "tv_show");
    assert.equal(params.sort_by, "release_year");
    assert.deepEqual(body, await apiGet(`/rear-diff/media?${new URLSearchParams(params)}`));
    assert.ok(body.data.some((item) => item.hash === row.hash), "the row the values came from is listed");
    await assertTableShows(page, body.data);
    for (const shown of await tableRows(page)) {
      assert.ok(shown.cells.media_title.toLowerCase().includes(needle.toLowerCase()), shown.cells.media_title);
      assert.equal(shown.cells.pipeline_status, row.cells.pipeline_status);
      assert.equal(shown.cells.rejection_status, row.cells.rejection_status);
    }
    await screenshot(page, "06-filters-and-title-search.png");
  });

  test("changes a row's rejection status, and the database holds it", async () => {
    await listAfter(page, { offset: 0, media_type: undefined }, () => page.goto(APP_URL));
    const [row] = await tableRows(page);
    const before = row.cells.rejection_status;
    const target = ROW_ACTIONS.find((status) => status !== before);
    const button = `tr[data-hash="${row.hash}"] button[data-action="${target}"]`;
    const path = `/rear-diff/media/${row.hash}/rejection-status`;
    const response = await answerTo(page, "PATCH", path, () => page.click(button));
    const body = await response.json();
    assert.equal(response.status(), 200, JSON.stringify(body));
    assert.equal(response.request().headers()["authorization"]?.startsWith("Token "), true);
    assert.equal(body.success, true);
    assert.equal(body.message, "Rejection status updated successfully");
    assert.equal(body.data.rejection_status, target);

    // The page shows the row as stored ...
    await page.waitForSelector(`tr[data-hash="${row.hash}"] td[data-col="rejection_status"]:text-is("${target}")`);
    assert.equal(await page.textContent("[data-testid=notice]"), `${row.hash.slice(0, 10)} is now ${target}`);
    assert.equal(await page.isDisabled(button), true);
    await screenshot(page, "07-rejection-status-changed.png");

    // ... the database holds it ...
    assert.equal(rejectionStatusInDatabase(row.hash), target);
    // ... and the API and the row's history say so too.
    assert.equal((await apiGet(`/rear-diff/media/${row.hash}`)).rejection_status, target);
    const history = await apiGet(`/rear-diff/media/${row.hash}/history?limit=1`);
    assert.equal(history.data[0].old_status, before);
    assert.equal(history.data[0].new_status, target);
    assert.equal(history.data[0].changed_by, "demo-operator");
  });

  test("the page can read a row's ETag cross-origin (to send If-Match)", async () => {
    const url = `${API_URL}/rear-diff/media/${firstPage.data[0].hash}`;
    const etag = await page.evaluate(async (href) => (await fetch(href)).headers.get("ETag"), url);
    if (!etag) fail(`the page cannot read the ETag header of ${url}, so it cannot send If-Match`);
  });

  test("made no request off the machine and logged no console error", async () => {
    await checkFavicon(page, screen);
    assertClean(screen);
  });
});

describe("the service's own pages in the browser", () => {
  const screens = [
    {
      name: "swagger-ui",
      path: "/rear-diff/docs",
      file: "08-swagger-ui.png",
      ready: async (page) => {
        await page.waitForSelector(".swagger-ui .info .title:has-text('rear-differential media API')");
        await page.waitForSelector(".opblock-summary-path[data-path='/rear-diff/media/{hash}/rejection-status']");
      },
    },
    {
      name: "redoc",
      path: "/rear-diff/redoc",
      file: "09-redoc.png",
      ready: async (page) => {
        await page.waitForSelector("h1:has-text('rear-differential media API')");
        await page.locator("h2", { hasText: "Set a row's rejection status" }).waitFor();
      },
    },
    {
      name: "browsable-api",
      path: "/rear-diff/media",
      file: "10-browsable-api.png",
      ready: async (page) => {
        await page.waitForSelector(".page-header h1");
        const body = await page.textContent(".response-info");
        assert.match(body, /"pagination"/);
        assert.match(body, /HTTP 200 OK/);
      },
    },
  ];

  for (const { name, path, file, ready } of screens) {
    test(`${path} renders offline with no console error`, async () => {
      const page = await openScreen(name);
      const response = await page.goto(`${API_URL}${path}`);
      assert.equal(response.status(), 200);
      assert.match(response.headers()["content-type"], /^text\/html/);
      await ready(page);
      await checkFavicon(page, name);
      await page.waitForLoadState("networkidle");
      await screenshot(page, file);
      assertClean(name);
      await page.close();
    });
  }
});
