// Tavle documents in the browser: a pupil makes a document in their drive and shares it with a
// classmate as editor; both write in it at once (Danish letters), each sees the other's text and
// caret; the classmate goes offline, writes on, comes back, and nothing is lost — in both
// browsers and in what the server stored. The page passes axe in Danish and English, works at
// 360 px, and can be used from the keyboard (the toolbar is one Tab stop; Ctrl+B makes bold).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { close, launch, login, look, me, open } from './harness.mjs';

before(launch);
after(close);

/** The document's editable text (its accessible name is "Teksten i »<name>«"). */
const body = (page, name) => page.getByRole('textbox', { name: `Teksten i »${name}«` });
const status = (page) => page.getByTestId('doc-status');

/** Waits until the status line says exactly `text` ("Gemt": the server has stored it all). */
async function statusIs(page, text, timeout = 15_000) {
  try {
    await status(page).filter({ hasText: new RegExp(`^\\s*${text}\\s*$`) }).waitFor({ timeout });
  } catch (e) {
    throw new Error(`the status line says »${await status(page).textContent()}«, not »${text}«`, { cause: e });
  }
}

/** Types a new paragraph at the end of the document (in the first one while it is empty). */
async function writeLine(page, name, text) {
  const empty = (await paragraphs(page, name)).length === 0;
  await body(page, name).click();
  await page.keyboard.press('Control+End');
  if (!empty) await page.keyboard.press('Enter');
  await page.keyboard.type(text);
}

/** The document's paragraphs as text, without the names on others' carets. */
async function paragraphs(page, name) {
  const texts = await body(page, name).evaluate((el) =>
    [...el.querySelectorAll('p')].map((p) => {
      const copy = p.cloneNode(true);
      for (const caret of copy.querySelectorAll('.collab-caret')) caret.remove();
      return copy.textContent;
    }),
  );
  return texts.filter((p) => p.trim());
}

test('two pupils write in one document at once, one of them offline for a while', async () => {
  const name = 'Ærø-tur, fælles noter';
  const first = await open();
  await login(first, 'elev1');
  const second = await open();
  await login(second, 'elev2');
  const [one, two] = [(await me(first)).person, (await me(second)).person];

  // elev1 makes the document in their own drive, from the folder view, and lands in the editor.
  await first.getByRole('link', { name: 'Filer', exact: true }).click();
  await first.getByRole('heading', { level: 1, name: 'Filer' }).waitFor();
  await first.getByRole('link', { name: 'Mine filer' }).click();
  await first.getByRole('heading', { level: 1, name: 'Mine filer' }).waitFor();
  await first.getByRole('button', { name: 'Nyt dokument' }).click();
  const dialog = first.getByRole('dialog', { name: 'Nyt dokument' });
  await dialog.getByLabel('Navn').fill(name);
  await dialog.getByRole('button', { name: 'Opret dokument' }).click();
  await first.getByRole('heading', { level: 1, name }).waitFor();
  await first.waitForURL(/\/documents\/[^/]+$/);
  const id = first.url().split('/').pop();
  await statusIs(first, 'Gemt');

  // The folder lists it as a document, which opens the editor.
  await first.getByRole('navigation', { name: 'Placering' }).getByRole('link', { name: 'Mine filer' }).click();
  await first.getByRole('heading', { level: 1, name: 'Mine filer' }).waitFor();
  assert.equal(await first.getByRole('link', { name, exact: true }).getAttribute('href'), `/documents/${id}`);
  await first.getByRole('link', { name, exact: true }).click();
  await first.getByRole('heading', { level: 1, name }).waitFor();

  // Shared with elev2 as editor (through the API, as the share dialog would).
  const shared = await first.request.post(`/api/v1/drive/nodes/${id}/shares`, {
    headers: { 'x-csrf-token': (await me(first)).csrf_token },
    data: { grantee_kind: 'person', grantee_id: two.id, access: 'edit' },
  });
  assert.ok(shared.ok(), `sharing answered ${shared.status()}: ${await shared.text()}`);

  await second.goto(`/documents/${id}`);
  await second.getByRole('heading', { level: 1, name }).waitFor();
  await statusIs(second, 'Gemt');

  // Both write; each sees the other's line, and the other's caret and name.
  await writeLine(first, name, 'Ærø og Åse – skrevet af elev1');
  await writeLine(second, name, 'Ærø og Åse – skrevet af elev2');
  await body(second, name).getByText('Ærø og Åse – skrevet af elev1').waitFor();
  await body(first, name).getByText('Ærø og Åse – skrevet af elev2').waitFor();
  await first.locator('.collab-caret-label', { hasText: two.display_name }).waitFor();
  await second.locator('.collab-caret-label', { hasText: one.display_name }).waitFor();
  await first.locator('.doc-people li', { hasText: two.display_name }).waitFor();
  await statusIs(first, 'Gemt');
  await statusIs(second, 'Gemt');
  await look(first, 'document');

  // elev2 loses the connection: the page says so, and the text they write waits in the browser.
  await second.context().setOffline(true);
  await status(second).filter({ hasText: /^\s*Offline/ }).waitFor();
  await writeLine(second, name, 'Skrevet uden net: æøå ÆØÅ');
  await status(second).filter({ hasText: 'Offline – ikke gemt endnu' }).waitFor();
  await look(second, 'document-offline');
  assert.equal(await body(first, name).getByText('Skrevet uden net').count(), 0, 'nothing reached elev1 while offline');
  await writeLine(first, name, 'Imens skriver elev1 videre');

  // Back online: it is sent, stored, and both end with the same text.
  await second.context().setOffline(false);
  await body(first, name).getByText('Skrevet uden net: æøå ÆØÅ').waitFor({ timeout: 20_000 });
  await body(second, name).getByText('Imens skriver elev1 videre').waitFor({ timeout: 20_000 });
  await statusIs(first, 'Gemt');
  await statusIs(second, 'Gemt', 20_000);
  const lines = [
    'Ærø og Åse – skrevet af elev1',
    'Ærø og Åse – skrevet af elev2',
    'Skrevet uden net: æøå ÆØÅ',
    'Imens skriver elev1 videre',
  ];
  const seenFirst = await paragraphs(first, name);
  assert.deepEqual(await paragraphs(second, name), seenFirst, 'both see the same document');
  for (const l of lines) assert.ok(seenFirst.includes(l), `${l} is in ${JSON.stringify(seenFirst)}`);

  // The server stored it all: its text has a line per paragraph.
  for (const page of [first, second]) {
    const r = await page.request.get(`/api/v1/documents/${id}/text`);
    assert.equal(r.status(), 200);
    const stored = (await r.json()).text.split('\n');
    for (const l of lines) assert.ok(stored.includes(l), `${l} is stored: ${JSON.stringify(stored)}`);
  }

  // A phone: the page fits 360 px, the toolbar wraps.
  await second.setViewportSize({ width: 360, height: 740 });
  await body(second, name).waitFor();
  const wide = await second.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 360, `the page is ${wide} px wide at 360 px`);
  await look(second, 'document-phone');

  // In English: the same page with English names.
  await first.getByRole('button', { name: 'English' }).click();
  await first.getByRole('textbox', { name: `The text of “${name}”` }).waitFor();
  await first.getByRole('toolbar', { name: 'Formatting' }).getByRole('button', { name: 'Bold' }).waitFor();
  await statusIs(first, 'Saved');
  assert.equal(await first.getByRole('textbox', { name: `The text of “${name}”` }).getAttribute('lang'), 'en');
  await look(first, 'document-en');
  await first.getByRole('button', { name: 'Dansk' }).click();
  assert.equal(await body(first, name).getAttribute('lang'), 'da');
  assert.equal(await body(first, name).getAttribute('spellcheck'), 'true');
});

test('the editor works from the keyboard', async () => {
  const page = await open();
  await login(page, 'elev1');
  await page.goto('/files');
  await page.getByRole('link', { name: 'Mine filer' }).click();
  await page.getByRole('heading', { level: 1, name: 'Mine filer' }).waitFor();
  const name = 'Tastatur';
  await page.getByRole('button', { name: 'Nyt dokument' }).click();
  const dialog = page.getByRole('dialog', { name: 'Nyt dokument' });
  await dialog.getByLabel('Navn').fill(name);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name }).waitFor();
  await statusIs(page, 'Gemt');

  // Ctrl+B toggles bold, and the toolbar says so.
  const text = body(page, name);
  await text.focus();
  await page.keyboard.type('Almindelig ');
  await page.keyboard.press('Control+b');
  await page.keyboard.type('fed');
  await text.locator('strong', { hasText: 'fed' }).waitFor();
  const bold = page.getByRole('toolbar', { name: 'Formatering' }).getByRole('button', { name: 'Fed', exact: true });
  assert.equal(await bold.getAttribute('aria-pressed'), 'true');
  await page.keyboard.press('Control+b');
  await page.keyboard.type(' igen');
  assert.equal(await bold.getAttribute('aria-pressed'), 'false');
  assert.equal(await text.locator('strong').textContent(), 'fed');

  // The toolbar is one Tab stop before the text; arrows move inside it, Escape goes back.
  await page.keyboard.press('Shift+Tab');
  const inToolbar = () => page.evaluate(() => document.activeElement?.closest('[role="toolbar"]') !== null);
  assert.ok(await inToolbar(), 'Shift+Tab from the text reaches the toolbar');
  const toolbar = page.getByRole('toolbar', { name: 'Formatering' });
  const focused = (name) => toolbar.getByRole('button', { name, exact: true }).evaluate((b) => b === document.activeElement);
  await page.keyboard.press('Home');
  assert.ok(await focused('Fortryd'));
  await page.keyboard.press('ArrowRight');
  assert.ok(await focused('Annullér fortryd'));
  await page.keyboard.press('Shift+Tab');
  assert.ok(!(await inToolbar()), 'the toolbar is a single Tab stop');
  await page.keyboard.press('Tab');
  assert.ok(await focused('Annullér fortryd'), 'Tab comes back to the button last used');
  // Escape goes back to the text; Undo from the toolbar, by the keyboard, takes the typing back.
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.activeElement?.getAttribute('role') === 'textbox');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Home');
  await page.keyboard.press('Enter');
  await text.getByText(/igen/).waitFor({ state: 'detached' });
  // Even with everything undone the document takes new text, and stores it.
  await text.click();
  await page.keyboard.type('Ny begyndelse');
  await statusIs(page, 'Gemt');
  const id = page.url().split('/').pop();
  assert.match((await (await page.request.get(`/api/v1/documents/${id}/text`)).json()).text, /Ny begyndelse/);
  await statusIs(page, 'Gemt');
  await look(page, 'document-keyboard');
});

test('a version is named, the text changes, and the version is restored', async () => {
  const page = await open();
  await login(page, 'elev1');
  await page.goto('/files');
  await page.getByRole('link', { name: 'Mine filer' }).click();
  await page.getByRole('heading', { level: 1, name: 'Mine filer' }).waitFor();
  const name = 'Versioner af stilen';
  await page.getByRole('button', { name: 'Nyt dokument' }).click();
  await page.getByRole('dialog', { name: 'Nyt dokument' }).getByLabel('Navn').fill(name);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name }).waitFor();
  await writeLine(page, name, 'Første udkast om Ærø');
  await statusIs(page, 'Gemt');

  await page.getByRole('button', { name: 'Versioner' }).click();
  await page.getByLabel('Navngiv versionen, som den er nu').fill('Udkast 1');
  await page.getByRole('button', { name: 'Gem version' }).click();
  await page.getByText('Versionen »Udkast 1« er gemt.').waitFor();
  const listed = page.locator('.doc-version-list li', { hasText: 'Udkast 1' });
  await listed.waitFor();

  await writeLine(page, name, 'Anden tanke');
  await statusIs(page, 'Gemt');
  assert.deepEqual(await paragraphs(page, name), ['Første udkast om Ærø', 'Anden tanke']);
  await listed.getByRole('button', { name: /^Gendan/ }).click();
  await page.getByText(/er nu dokumentets indhold/).waitFor();
  await page.waitForFunction(
    (n) => [...document.querySelectorAll(`[aria-label="Teksten i »${n}«"] p`)].map((p) => p.textContent).join('|') === 'Første udkast om Ærø',
    name,
  );
  // The text before the restore is a version too.
  assert.ok((await page.locator('.doc-version-list li').count()) >= 2);
  await look(page, 'document-versions');
});
