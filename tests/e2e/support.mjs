// What the browser tests share: the addresses run.sh passes, a chromium that
// never leaves the machine, the request and console watch, screenshots, and the
// helpers that compare what the page shows with what the API answers.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

export const HERE = fileURLToPath(new URL(".", import.meta.url));
export const APP_URL = process.env.APP_URL ?? "http://localhost:5173";
export const API_URL = process.env.API_URL ?? "http://127.0.0.1:8000";
// The demo operator's token (run.sh): the histories answer only an authenticated user.
export const API_TOKEN = process.env.API_TOKEN ?? "";
export const PROJECT_DIR = process.env.PROJECT_DIR ?? join(HERE, "..", "..");
export const PYTHON = process.env.PYTHON ?? join(PROJECT_DIR, ".venv", "bin", "python");
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
export const SCREENSHOTS = join(HERE, "screenshots");
export const APP_ORIGIN = new URL(APP_URL).origin;
export const PAGE_SIZE = 25; // src/App.tsx
export const ROW_ACTIONS = ["accepted", "rejected", "override"];
export const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** A URL that stays on this machine: loopback http(s)/ws, or data:, blob: of a loopback origin, about:. */
export function isLocal(url) {
  const parsed = new URL(url);
  if (parsed.protocol === "data:" || parsed.protocol === "about:") return true;
  if (parsed.protocol === "blob:") return isLocal(url.slice("blob:".length));
  return ["http:", "https:", "ws:", "wss:"].includes(parsed.protocol) && LOCAL_HOSTS.has(parsed.hostname);
}

// The browser of this test file (each file runs in its own process): useBrowser() starts it.
export let context;
let userDataDir;
// Everything the browser asked for and every console error, per screen.
const requests = [];
const consoleErrors = [];

export function watch(page, screen) {
  page.setDefaultTimeout(15_000);
  page.on("request", (request) => requests.push({ screen, url: request.url() }));
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    consoleErrors.push({ screen, text: message.text(), url: message.location().url });
  });
  page.on("pageerror", (error) => consoleErrors.push({ screen, text: String(error), url: "" }));
  return page;
}

/** A new page in the browser, recorded as `screen` (watch). */
export async function openScreen(screen) {
  return watch(await context.newPage(), screen);
}

/**
 * No request of the screen left the machine, and its console logged exactly the
 * `expected` errors (by default none; the browser logs every 4xx answer).
 */
export function assertClean(screen, expected = []) {
  const outside = requests.filter((r) => r.screen === screen && !isLocal(r.url));
  const errors = consoleErrors.filter((e) => e.screen === screen);
  assert.deepEqual(outside, [], `${screen}: requests left the machine`);
  assert.deepEqual(errors, expected, `${screen}: console errors`);
  assert.ok(requests.some((r) => r.screen === screen), `${screen}: no request recorded at all`);
}

/**
 * Without a <link rel=icon>, the browser fetches /favicon.ico and logs a 404
 * as a console error. Playwright's request interception (above) hides that
 * fetch, so check it here: the page names an icon or /favicon.ico exists.
 */
export async function checkFavicon(page, screen) {
  if (await page.$('link[rel~="icon"]')) return;
  const url = new URL("/favicon.ico", page.url()).href;
  const { status } = await fetch(url);
  if (status === 200) return;
  consoleErrors.push({ screen, text: `no icon link and ${url} answers ${status}`, url });
}

export async function screenshot(page, name) {
  await page.screenshot({ path: join(SCREENSHOTS, name), fullPage: false });
}

/** Fail with just a message (no stack): the message says it all. */
export function fail(message) {
  const error = new Error(message);
  error.stack = message;
  throw error;
}

export async function apiGet(pathAndQuery) {
  const headers = { Accept: "application/json", ...(API_TOKEN ? { Authorization: `Token ${API_TOKEN}` } : {}) };
  const response = await fetch(`${API_URL}${pathAndQuery}`, { headers });
  assert.equal(response.status, 200, `${pathAndQuery}: ${await response.clone().text()}`);
  return response.json();
}

/** The query of a URL as a plain object, for comparing links and requests. */
export const paramsOf = (url) => Object.fromEntries(new URL(url, API_URL).searchParams);

/** What the table shows: each row's hash and its cells by column. */
export async function tableRows(page) {
  return page.$$eval("[data-testid=media-table] tbody tr", (rows) =>
    rows.map((row) => ({
      hash: row.dataset.hash,
      cells: Object.fromEntries([...row.querySelectorAll("td[data-col]")].map((td) => [td.dataset.col, td.textContent])),
    })),
  );
}

/**
 * Do `action` and wait until the page has fetched the list with `expected`
 * query parameters and rendered it. Returns the request's parameters and
 * the body the service answered the page with.
 */
export async function listAfter(page, expected, action) {
  const matches = (response) => {
    if (response.request().method() !== "GET") return false;
    const url = new URL(response.url());
    if (url.origin !== new URL(API_URL).origin || url.pathname !== "/rear-diff/media") return false;
    const params = Object.fromEntries(url.searchParams);
    return Object.entries(expected).every(([key, value]) =>
      value === undefined ? !(key in params) : params[key] === String(value),
    );
  };
  const [response] = await Promise.all([page.waitForResponse(matches), action()]);
  assert.equal(response.status(), 200, await response.text());
  // Cross-origin: the service granted the page's origin.
  assert.equal(response.headers()["access-control-allow-origin"], APP_ORIGIN);
  const body = await response.json();
  await page.waitForFunction(
    (hashes) => {
      const table = document.querySelector("[data-testid=media-table]");
      const shown = [...document.querySelectorAll("[data-testid=media-table] tbody tr")].map((r) => r.dataset.hash);
      return table?.getAttribute("aria-busy") === "false" && JSON.stringify(shown) === JSON.stringify(hashes);
    },
    body.data.map((row) => row.hash),
  );
  return { params: paramsOf(response.url()), body };
}

/**
 * Do `action` and wait until the service has answered the page's `method` request
 * to `path`. The response, which granted the page's origin (cross-origin).
 */
export async function answerTo(page, method, path, action) {
  const answers = (response) => {
    const url = new URL(response.url());
    return response.request().method() === method && url.origin === new URL(API_URL).origin && url.pathname === path;
  };
  const [response] = await Promise.all([page.waitForResponse(answers), action()]);
  assert.equal(response.headers()["access-control-allow-origin"], APP_ORIGIN);
  return response;
}

/** The table shows exactly `data`, in order, with the right values. */
export async function assertTableShows(page, data) {
  const rows = await tableRows(page);
  assert.deepEqual(
    rows.map((r) => r.hash),
    data.map((row) => row.hash),
  );
  rows.forEach((row, index) => {
    const item = data[index];
    assert.equal(row.cells.media_type, item.media_type);
    assert.equal(row.cells.media_title, item.media_title ?? "");
    assert.equal(row.cells.release_year, String(item.release_year ?? ""));
    assert.equal(row.cells.pipeline_status, item.pipeline_status);
    assert.equal(row.cells.rejection_status, item.rejection_status);
    assert.equal(row.cells.created_at, item.created_at);
  });
}

export const rangeText = (page) => page.textContent("[data-testid=range]");

/**
 * A row's state as the database holds it, not as the API says: a Django shell
 * one-liner on the service's database (Media.objects by hash).
 */
export function rowInDatabase(hash) {
  const columns = ["pipeline_status", "rejection_status", "rejection_reason", "error_status"];
  const output = execFileSync(
    PYTHON,
    [
      "manage.py",
      "shell",
      "--no-imports",
      "-c",
      "import json; from media.models import Media; " +
        `print("ROW=" + json.dumps(Media.objects.filter(hash=${JSON.stringify(hash)}).values(*${JSON.stringify(columns)}).get()))`,
    ],
    { cwd: PROJECT_DIR, env: process.env, encoding: "utf8" },
  );
  const match = /^ROW=(.*)$/m.exec(output);
  assert.ok(match, `no row in: ${output}`);
  return JSON.parse(match[1]);
}

export const rejectionStatusInDatabase = (hash) => rowInDatabase(hash).rejection_status;

/** Start chromium before the file's tests and close it after them (run.sh empties SCREENSHOTS). */
export function useBrowser() {
  before(launch);
  after(close);
}

async function launch() {
  mkdirSync(SCREENSHOTS, { recursive: true });
  userDataDir = mkdtempSync(join(tmpdir(), "rear-diff-e2e-chromium-"));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  // Nothing leaves the machine, whatever a page asks for: record it (above)
  // and refuse it here, so the test neither leaks nor waits on DNS.
  await context.route(
    (url) => !isLocal(url.href),
    (route) => route.abort("blockedbyclient"),
  );
}

async function close() {
  await context?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  const taken = readdirSync(SCREENSHOTS).filter((name) => name.endsWith(".png"));
  console.log(`screenshots in ${SCREENSHOTS}: ${taken.sort().join(", ")}`);
}

