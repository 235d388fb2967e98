// What every browser test needs: Debian's Chromium through playwright-core, a Tavle to talk to
// (TAVLE_URL, started by crates/tavle/tests/browser.rs), axe-core, and screenshots kept as
// artefacts in TAVLE_ARTIFACTS.

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const BASE = process.env.TAVLE_URL;
if (!BASE) throw new Error('TAVLE_URL is not set: run the browser suite through `cargo test` (./test.sh)');
const ARTIFACTS = process.env.TAVLE_ARTIFACTS ?? 'test-results';
mkdirSync(ARTIFACTS, { recursive: true });
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let browser;
export async function launch() {
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  return browser;
}
export async function close() {
  await browser?.close();
}

/** A fresh browser profile (no cookies, no saved language) with one page. Errors on the page,
 * including Content-Security-Policy violations, fail the test. */
export async function open(viewport = { width: 1366, height: 768 }) {
  const context = await browser.newContext({ baseURL: BASE, viewport });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // Chromium logs every failed request; the API's refusals that a page explains are expected.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of (400|401|403|404|409|422|429)/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.problems = problems;
  return page;
}

export function noProblems(page) {
  assert.deepEqual(page.problems, [], 'the page reported errors');
}

/** Runs axe-core on the page as it is; serious or critical violations fail the test. */
export async function axe(page, name) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() =>
    window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    }),
  );
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const describe = (v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`;
  for (const v of result.violations.filter((v) => !bad.includes(v))) console.log(`  axe (${name}) ${describe(v)}`);
  assert.deepEqual(bad.map(describe), [], `axe on ${name}`);
}

export async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Checks the page and keeps a screenshot of it. */
export async function look(page, name) {
  await axe(page, name);
  await shot(page, name);
  noProblems(page);
}

export async function login(page, username, password = 'demo') {
  await page.goto('/login');
  await page.getByLabel(/Brugernavn|Username/).fill(username);
  await page.getByLabel(/Adgangskode|Password/).fill(password);
  await page.getByRole('button', { name: /^(Log ind|Log in)$/ }).click();
  await page.getByRole('heading', { level: 1, name: /^(Hej|Hello) / }).waitFor();
}

/** The logged-in person's /me as the API gives it to the page. */
export async function me(page) {
  const r = await page.request.get('/api/v1/me');
  assert.equal(r.status(), 200);
  return r.json();
}
