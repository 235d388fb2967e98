// Tavle documents in the browser: a pupil makes a document in their drive and shares it with a
// classmate as editor; both write in it at once (Danish letters), each sees the other's text and
// caret; the classmate goes offline, writes on, comes back, and nothing is lost — in both
// browsers and in what the server stored. The page passes axe in Danish and English, works at
// 360 px, and can be used from the keyboard (the toolbar is one Tab stop; Ctrl+B makes bold).
// Comments: one pupil comments on a passage, the classmate sees it arrive, answers, and it is
// resolved; a teacher comments on a document handed in, and the pupil reads and answers once
// the feedback is returned. A Word file (made by pandoc) in the drive opens as a document, which
// says what it was made from and that its picture did not come along. A named version opens read
// only in the editor from the versions list, and is restored from its page. A teacher's document
// is handed out as an assignment's template: a pupil fills in their copy, hands it in with a
// receipt that verifies, and reads the teacher's comment on a word once the feedback is returned.
// A picture from the computer goes into a document with its description, which a classmate sees
// and changes; it fits a phone's screen, and the document's ODT holds it.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { close, launch, login, look, me, noProblems, open } from './harness.mjs';

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

// elev1 makes the document and shares it with elev2 as a reader (who views, but restores nothing).
test('an older version opens read only in the editor, and is restored from there', async () => {
  const page = await open();
  await login(page, 'elev1');
  await page.goto('/files');
  await page.getByRole('link', { name: 'Mine filer' }).click();
  await page.getByRole('heading', { level: 1, name: 'Mine filer' }).waitFor();
  const name = 'Stilen, set i en ældre version';
  await page.getByRole('button', { name: 'Nyt dokument' }).click();
  await page.getByRole('dialog', { name: 'Nyt dokument' }).getByLabel('Navn').fill(name);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name }).waitFor();
  await page.waitForURL(/\/documents\/[^/]+$/);
  const id = page.url().split('/').pop();
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

  // "Vis" opens the version in the editor: its text, read only, with a notice that says so.
  await listed.getByRole('link', { name: /^Vis\b/ }).click();
  await page.waitForURL(new RegExp(`/documents/${id}/versions/[^/]+$`));
  const versionUrl = new URL(page.url()).pathname;
  const versionId = versionUrl.split('/').pop();
  const title = `${name} – version Udkast 1`;
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
  const text = body(page, title);
  await text.getByText('Første udkast om Ærø').waitFor();
  assert.equal(await text.getByText('Anden tanke').count(), 0, 'the version has the text as it was');
  assert.equal(await text.getAttribute('contenteditable'), 'false');
  assert.equal(await text.getAttribute('aria-readonly'), 'true');
  assert.equal(await text.getAttribute('tabindex'), '0', 'the text is reached from the keyboard');
  const notice = page.getByTestId('doc-version-notice');
  assert.match(
    await notice.locator('strong').textContent(),
    /^Dette er en ældre version af dokumentet, fra .+\. Den kan kun læses, ikke ændres\.$/,
  );
  assert.equal(await notice.getByRole('link', { name: 'Gå til dokumentet, som det er nu' }).getAttribute('href'), `/documents/${id}`);
  for (const format of ['odt', 'docx', 'pdf']) {
    const href = await page.getByRole('link', { name: new RegExp(`^${format}`, 'i') }).getAttribute('href');
    assert.equal(href, `/api/v1/documents/${id}/versions/${versionId}/export/${format}`);
  }
  // What the page shows is the version's own form.
  const own = await page.request.get(`/api/v1/documents/${id}/versions/${versionId}/export/tavledoc`);
  assert.equal(own.status(), 200);
  assert.equal((await own.body()).subarray(0, 11).toString('latin1'), 'TAVLEDOC 1\n');
  await look(page, 'document-version');
  // A phone: the page fits 360 px.
  await page.setViewportSize({ width: 360, height: 740 });
  await text.waitFor();
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 360, `the version's page is ${wide} px wide at 360 px`);
  await look(page, 'document-version-phone');
  await page.setViewportSize({ width: 1366, height: 768 });

  // A reader sees the version too, but nothing to restore it with.
  const reader = await open();
  await login(reader, 'elev2');
  const shared = await page.request.post(`/api/v1/drive/nodes/${id}/shares`, {
    headers: { 'x-csrf-token': (await me(page)).csrf_token },
    data: { grantee_kind: 'person', grantee_id: (await me(reader)).person.id, access: 'view' },
  });
  assert.ok(shared.ok(), `sharing answered ${shared.status()}: ${await shared.text()}`);
  await reader.goto(versionUrl);
  await reader.getByRole('heading', { level: 1, name: title }).waitFor();
  await body(reader, title).getByText('Første udkast om Ærø').waitFor();
  await reader.getByTestId('doc-version-notice').waitFor();
  assert.equal(await reader.getByRole('button', { name: 'Gendan denne version' }).count(), 0);
  noProblems(reader);

  // The owner restores it from its page and lands in the live document, which has its text again.
  await notice.getByRole('button', { name: 'Gendan denne version' }).click();
  await page.waitForURL(new RegExp(`/documents/${id}$`));
  await page.getByRole('heading', { level: 1, name }).waitFor();
  await page.getByTestId('doc-restored').getByText(/er nu dokumentets indhold/).waitFor();
  await page.waitForFunction(
    (n) => [...document.querySelectorAll(`[aria-label="Teksten i »${n}«"] p`)].map((p) => p.textContent).join('|') === 'Første udkast om Ærø',
    name,
  );
  await statusIs(page, 'Gemt');
  const stored = (await (await page.request.get(`/api/v1/documents/${id}/text`)).json()).text;
  assert.match(stored, /Første udkast om Ærø/);
  assert.doesNotMatch(stored, /Anden tanke/);
  await look(page, 'document-version-restored');
});

/** The comments panel beside (or below) the document. */
const commentsPanel = (page, name = 'Kommentarer') => page.getByRole('region', { name });
/** The toolbar's comment button. */
const commentButton = (page, toolbar = 'Formatering', name = 'Kommentér') =>
  page.getByRole('toolbar', { name: toolbar }).getByRole('button', { name, exact: true });

/** Waits until the toolbar's comment button may be used (the editor has the selection). */
async function mayComment(page) {
  await page.waitForFunction(() => {
    const b = document.querySelector('.doc-toolbar button[aria-keyshortcuts="Control+Alt+M"]');
    return b !== null && !b.hasAttribute('aria-disabled');
  });
}

/** Makes a document in the page's person's own drive, as "Nyt dokument" does, and waits in its
 * editor until it is stored; returns its id. */
async function newDocument(page, name) {
  await page.goto('/files');
  await page.getByRole('link', { name: 'Mine filer' }).click();
  await page.getByRole('heading', { level: 1, name: 'Mine filer' }).waitFor();
  await page.getByRole('button', { name: 'Nyt dokument' }).click();
  await page.getByRole('dialog', { name: 'Nyt dokument' }).getByLabel('Navn').fill(name);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name }).waitFor();
  await statusIs(page, 'Gemt');
  return page.url().split('/').pop();
}

/** Makes a document in elev1's drive and shares it with `other` as editor; returns its id. */
async function sharedDocument(page, name, other) {
  const id = await newDocument(page, name);
  const shared = await page.request.post(`/api/v1/drive/nodes/${id}/shares`, {
    headers: { 'x-csrf-token': (await me(page)).csrf_token },
    data: { grantee_kind: 'person', grantee_id: other.id, access: 'edit' },
  });
  assert.ok(shared.ok(), `sharing answered ${shared.status()}: ${await shared.text()}`);
  return id;
}

test('a pupil comments on a passage, the classmate sees it arrive and answers, and it is resolved', async () => {
  const name = 'Vinterdigt i fællesskab';
  const first = await open();
  await login(first, 'elev1');
  const second = await open();
  await login(second, 'elev2');
  const [one, two] = [(await me(first)).person, (await me(second)).person];
  const id = await sharedDocument(first, name, two);
  await writeLine(first, name, 'Sneen falder stille');
  await writeLine(first, name, 'Ærø ligger hvid i havet');
  await statusIs(first, 'Gemt');

  // elev2 has the document open before anything is commented on.
  await second.goto(`/documents/${id}`);
  await second.getByRole('heading', { level: 1, name }).waitFor();
  await statusIs(second, 'Gemt');
  await commentsPanel(second).getByText('Ingen kommentarer endnu.').waitFor();

  // Nothing selected: the comment button cannot be used yet.
  await body(first, name).click();
  await first.keyboard.press('Control+End');
  assert.equal(await commentButton(first).getAttribute('aria-disabled'), 'true');
  // elev1 selects "stille" from the keyboard (the end of the first line) and comments with
  // Ctrl+Alt+M; the passage stays marked while the comment is written.
  await body(first, name).getByText('Sneen falder stille').click();
  await first.keyboard.press('End');
  for (let i = 0; i < 'stille'.length; i++) await first.keyboard.press('Shift+ArrowLeft');
  await mayComment(first);
  await first.keyboard.press('Control+Alt+m');
  const panel = commentsPanel(first);
  const field = panel.getByLabel('Kommentar', { exact: true });
  await field.waitFor();
  assert.ok(await field.evaluate((el) => el === document.activeElement), 'the comment field has the focus');
  await body(first, name).locator('.doc-comment-draft', { hasText: 'stille' }).waitFor();
  await panel.getByText('»stille«').waitFor();
  await field.fill('Et smukt ord – men passer det til »falder«?');
  await look(first, 'document-comment-form');
  await panel.getByRole('button', { name: 'Gem', exact: true }).click();
  await panel.getByText('Kommentaren er gemt.').waitFor();
  await body(first, name).locator('.doc-comment', { hasText: 'stille' }).waitFor();
  // The focus is back in the text, to write on.
  await first.waitForFunction(() => document.activeElement?.getAttribute('role') === 'textbox');

  // elev2 sees it come without reloading (the socket says the comments changed), highlighted
  // in the text, and answers it.
  const panel2 = commentsPanel(second);
  const thread2 = panel2.locator('li.doc-thread', { hasText: 'Et smukt ord' });
  await thread2.waitFor({ timeout: 10_000 });
  await thread2.getByText(one.display_name).waitFor();
  await body(second, name).locator('.doc-comment', { hasText: 'stille' }).waitFor();
  // Clicking the passage makes its thread the active one.
  await body(second, name).locator('.doc-comment', { hasText: 'stille' }).click();
  await body(second, name).locator('.doc-comment-active', { hasText: 'stille' }).waitFor();
  await panel2.locator('li.doc-thread.active', { hasText: 'Et smukt ord' }).waitFor();
  await thread2.getByRole('button', { name: 'Svar', exact: true }).click();
  await thread2.getByLabel('Dit svar').fill('Ja, det lyder som sne.');
  await thread2.getByRole('button', { name: 'Send svar' }).click();
  await panel2.getByText('Svaret er gemt.').waitFor();
  await look(second, 'document-comments-reply');

  // elev1 sees the answer arrive and resolves the thread; for both it folds away under the
  // resolved comments, and the passage is no longer marked.
  const thread = panel.locator('li.doc-thread', { hasText: 'Et smukt ord' });
  await thread.getByText('Ja, det lyder som sne.').waitFor({ timeout: 10_000 });
  await thread.getByText(two.display_name).waitFor();
  await look(first, 'document-comments');
  await thread.getByRole('button', { name: 'Løs', exact: true }).click();
  await panel.getByText('Kommentaren er løst.').waitFor();
  await panel.getByRole('button', { name: 'Løste kommentarer (1)' }).waitFor();
  await panel2.getByRole('button', { name: 'Løste kommentarer (1)' }).waitFor({ timeout: 10_000 });
  await body(second, name).locator('.doc-comment').waitFor({ state: 'detached' });
  await panel.getByRole('button', { name: 'Løste kommentarer (1)' }).click();
  await panel.locator('li.doc-thread', { hasText: 'Et smukt ord' }).getByRole('button', { name: 'Genåbn' }).waitFor();
  await look(first, 'document-comments-resolved');

  // In English, with the panel open.
  await first.getByRole('button', { name: 'English' }).click();
  const english = commentsPanel(first, 'Comments');
  await english.getByRole('button', { name: 'Resolved comments (1)' }).waitFor();
  await english.getByRole('button', { name: 'Reopen' }).waitFor();
  await commentButton(first, 'Formatting', 'Comment').waitFor();
  await look(first, 'document-comments-en');
  await first.getByRole('button', { name: 'Dansk' }).click();

  // A phone: the panel is below the page, and nothing is wider than the screen.
  await second.setViewportSize({ width: 360, height: 740 });
  await panel2.waitFor();
  const wide = await second.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 360, `the page is ${wide} px wide at 360 px`);
  await look(second, 'document-comments-phone');

  // What the server keeps: one thread with its answer, resolved.
  const r = await first.request.get(`/api/v1/documents/${id}/comments`);
  assert.equal(r.status(), 200);
  const all = await r.json();
  assert.equal(all.length, 2);
  assert.equal(all[0].quote, 'stille');
  assert.match(all[0].anchor, /^[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
  assert.ok(all[0].resolved_at, 'the thread is resolved');
  assert.equal(all[1].thread_id, all[0].id);
});

// 1.A, laerer1 and elev9 (no other test uses elev9). The hand-in's own form opens read only
// with the teacher's comments, which the pupil sees only once the feedback is returned.
test('a teacher comments on a handed-in document, and the pupil reads and answers after it is returned', async () => {
  const teacher = await open();
  await login(teacher, 'laerer1');
  const t = await me(teacher);
  const group = t.groups.find((g) => g.name === '1.A');
  assert.ok(group, 'laerer1 teaches 1.A');
  const made = await teacher.request.post('/api/v1/assignments', {
    headers: { 'x-csrf-token': t.csrf_token },
    data: { group_id: group.id, title: 'Stil om øen', opens_at: '2026-01-01T08:00:00Z', deadline: '2030-06-01T12:00:00Z' },
  });
  assert.equal(made.status(), 201, await made.text());
  const assignment = (await made.json()).id;

  // elev9 writes a document in the assignment's working folder and hands it in from there.
  const pupil = await open();
  await login(pupil, 'elev9');
  const pupilName = (await me(pupil)).person.display_name;
  await pupil.goto(`/assignments/${assignment}`);
  await pupil.getByRole('link', { name: 'Åbn arbejdsmappen' }).click();
  await pupil.getByRole('button', { name: 'Nyt dokument' }).click();
  const name = 'Min stil om Ærø';
  await pupil.getByRole('dialog', { name: 'Nyt dokument' }).getByLabel('Navn').fill(name);
  await pupil.keyboard.press('Enter');
  await pupil.getByRole('heading', { level: 1, name }).waitFor();
  await statusIs(pupil, 'Gemt');
  await writeLine(pupil, name, 'Øen ligger stille i havet.');
  await writeLine(pupil, name, 'Om vinteren fryser vandet.');
  await statusIs(pupil, 'Gemt');
  await pupil.goto(`/assignments/${assignment}`);
  await pupil.getByLabel(name).check();
  await pupil.getByRole('button', { name: 'Aflever de valgte filer' }).click();
  await pupil.getByText('Afleveret. Din kvittering er klar.').waitFor();
  await pupil.getByText(`${name}.pdf`).waitFor();
  await pupil.getByRole('link', { name: `Åbn ${name}.tavledoc` }).waitFor();

  // The teacher opens it from the feedback dialog: the text, read only, with its downloads.
  await teacher.goto(`/assignments/${assignment}`);
  await teacher.getByRole('button', { name: `Feedback til ${pupilName}` }).click();
  const dialog = teacher.getByRole('dialog', { name: `Feedback til ${pupilName}` });
  await dialog.getByRole('link', { name: `${name}.tavledoc`, exact: true }).waitFor();
  await dialog.getByRole('link', { name: `Åbn ${name}.tavledoc` }).click();
  await teacher.getByRole('heading', { level: 1, name }).waitFor();
  assert.match(teacher.url(), new RegExp(`/assignments/${assignment}/hand-ins/[^/]+/files/1$`));
  const handedIn = teacher.url();
  const text = body(teacher, name);
  await text.getByText('Øen ligger stille i havet.').waitFor();
  assert.equal(await text.getAttribute('contenteditable'), 'false');
  assert.equal(await text.getAttribute('aria-readonly'), 'true');
  for (const format of ['odt', 'docx', 'pdf']) {
    const href = await teacher.getByRole('link', { name: new RegExp(`^${format}`, 'i') }).getAttribute('href');
    assert.match(href, new RegExp(`/files/1/export/${format}$`));
  }

  // It takes a selection though it takes no typing: the teacher comments on the second line.
  await text.locator('p', { hasText: 'Om vinteren fryser vandet.' }).selectText();
  await teacher.getByRole('button', { name: 'Kommentér' }).click();
  const panel = commentsPanel(teacher);
  await panel.getByLabel('Kommentar', { exact: true }).fill('Hvornår fryser det? Skriv en måned.');
  await panel.getByRole('button', { name: 'Gem', exact: true }).click();
  await panel.getByText('Kommentaren er gemt.').waitFor();
  await text.locator('.doc-comment', { hasText: 'Om vinteren fryser vandet.' }).waitFor();
  await look(teacher, 'handed-in-document-teacher');

  // Before the feedback is returned, the pupil sees the document but no comments.
  await pupil.getByRole('link', { name: `Åbn ${name}.tavledoc` }).click();
  await pupil.getByRole('heading', { level: 1, name }).waitFor();
  await commentsPanel(pupil).getByText('Lærerens kommentarer kan ses her, når feedbacken er givet tilbage.').waitFor();
  assert.equal(await pupil.getByRole('button', { name: 'Kommentér' }).count(), 0, 'a pupil begins no threads');
  await look(pupil, 'handed-in-document-before-return');

  // The teacher returns the feedback.
  await teacher.getByRole('navigation', { name: 'Du er her' }).getByRole('link', { name: 'Stil om øen' }).click();
  await teacher.getByRole('button', { name: `Feedback til ${pupilName}` }).click();
  await dialog.getByLabel('Feedback', { exact: true }).fill('Se mine kommentarer i dokumentet.');
  await dialog.getByLabel('Giv tilbage til eleven nu').check();
  await dialog.getByRole('button', { name: 'Gem feedback' }).click();
  await dialog.getByText('Feedbacken er gemt.').waitFor();

  // Now the pupil reads the comment, marked in the text, and answers it (but resolves nothing).
  await pupil.reload();
  const mine = commentsPanel(pupil);
  const thread = mine.locator('li.doc-thread', { hasText: 'Hvornår fryser det?' });
  await thread.waitFor();
  await body(pupil, name).locator('.doc-comment', { hasText: 'Om vinteren fryser vandet.' }).waitFor();
  assert.equal(await thread.getByRole('button', { name: 'Løs', exact: true }).count(), 0);
  await thread.getByRole('button', { name: 'Svar', exact: true }).click();
  await thread.getByLabel('Dit svar').fill('I januar.');
  await thread.getByRole('button', { name: 'Send svar' }).click();
  await thread.getByText('I januar.').waitFor();
  await look(pupil, 'handed-in-document-pupil');

  // The teacher sees the answer.
  await teacher.goto(handedIn);
  await commentsPanel(teacher).getByText('I januar.').waitFor();
});

// elev10 (no other test uses elev10). pandoc writes the Word file, as a pupil's Word would:
// a heading, bold text, a picture (which comes along) and a footnote (which a Tavle document
// cannot hold).
test('a Word file in the drive opens as a Tavle document, which says what did not come along', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tavle-e2e-'));
  // A 1×1 PNG.
  writeFileSync(join(dir, 'pixel.png'), Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'));
  writeFileSync(join(dir, 'kilde.md'), '# Vikingerne på Ærø\n\nVikingerne var **fed** og modige.[^1]\n\n![Et vikingeskib](pixel.png)\n\n[^1]: Fra Roskilde.\n');
  execFileSync('pandoc', ['kilde.md', '-o', 'Vikingerne.docx'], { cwd: dir });

  const page = await open();
  await login(page, 'elev10');
  await page.goto('/files');
  await page.getByRole('link', { name: 'Mine filer' }).click();
  await page.getByRole('heading', { level: 1, name: 'Mine filer' }).waitFor();
  await page.getByLabel('Upload filer').setInputFiles([
    { name: 'Vikingerne.docx', mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', buffer: readFileSync(join(dir, 'Vikingerne.docx')) },
    { name: 'Ikke en stil.docx', mimeType: 'application/octet-stream', buffer: Buffer.from('Bare tekst, ingen Word-fil') },
  ]);
  await page.getByRole('link', { name: 'Vikingerne.docx' }).waitFor();
  await page.getByRole('link', { name: 'Ikke en stil.docx' }).waitFor();

  // A file that only has the name of a Word file: the dialog says why it cannot be opened.
  await page.getByRole('button', { name: 'Handlinger for »Ikke en stil.docx«' }).click();
  let dialog = page.getByRole('dialog', { name: '»Ikke en stil.docx«' });
  await dialog.getByRole('button', { name: 'Åbn som Tavle-dokument' }).click();
  await dialog.getByText('Tavle kunne ikke læse filen som en Word-fil (DOCX) eller en OpenDocument-tekst (ODT).').waitFor();
  await dialog.getByRole('button', { name: 'Luk' }).click();

  // The real one opens in the editor, with its heading and bold text.
  await page.getByRole('button', { name: 'Handlinger for »Vikingerne.docx«' }).click();
  dialog = page.getByRole('dialog', { name: '»Vikingerne.docx«' });
  await look(page, 'drive-actions-word');
  await dialog.getByRole('button', { name: 'Åbn som Tavle-dokument' }).click();
  await page.waitForURL(/\/documents\/[^/]+$/);
  const name = 'Vikingerne';
  await page.getByRole('heading', { level: 1, name, exact: true }).waitFor();
  const text = body(page, name);
  await text.locator('h1, h2, h3', { hasText: 'Vikingerne på Ærø' }).waitFor();
  await text.locator('strong', { hasText: 'fed' }).waitFor();
  await statusIs(page, 'Gemt');

  // The picture came along, described; the footnote did not, and the notice says so.
  await text.locator('img[data-tavle-image]').waitFor();
  const notice = page.getByTestId('doc-made-from');
  await notice.getByText('Dette dokument er lavet ud fra »Vikingerne.docx«.', { exact: false }).waitFor();
  assert.match(await notice.textContent(), /Dette kom ikke med: fodnoter\b/);
  await look(page, 'document-from-word');
  await page.getByRole('button', { name: 'English' }).click();
  await notice.getByText(/Left out: footnotes\b/).waitFor();
  await page.setViewportSize({ width: 360, height: 740 });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 360, `the page is ${wide} px wide at 360 px`);
  await look(page, 'document-from-word-phone');
  await page.getByRole('button', { name: 'Dansk' }).click();
  await statusIs(page, 'Gemt');

  // It is said once: not again when the page is reloaded. The file is still in the folder.
  await page.reload();
  await statusIs(page, 'Gemt');
  assert.equal(await notice.count(), 0);
  await page.getByRole('navigation', { name: 'Placering' }).getByRole('link', { name: 'Mine filer' }).click();
  await page.getByRole('heading', { level: 1, name: 'Mine filer' }).waitFor();
  await page.getByRole('link', { name: 'Vikingerne.docx', exact: true }).waitFor();
  assert.match(await page.getByRole('link', { name, exact: true }).getAttribute('href'), /^\/documents\//);
});

/** Selects `word` in the document's text, where it first occurs, as a mouse or Shift+arrows
 * would (the read-only text of a hand-in takes a selection, though no typing). */
async function selectWord(page, name, word) {
  await body(page, name).evaluate((el, w) => {
    el.focus();
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const at = n.data.indexOf(w);
      if (at < 0) continue;
      const range = document.createRange();
      range.setStart(n, at);
      range.setEnd(n, at + w.length);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      return;
    }
    throw new Error(`»${w}« is not in the text`);
  }, word);
}

/** A receipt's canonical bytes, as the server signs them (`tavle_app::receipts`): the `receipt`
 * object as compact JSON with its fields in the format's fixed order, `team` left out when
 * empty. */
function canonicalReceipt(r) {
  const order = ['version', 'key_id', 'municipality', 'assignment_id', 'assignment_title', 'hand_in_id', 'pupil_id',
    'pupil_name', 'handed_in_at', 'late_by_secs', 'files', 'team'];
  const unknown = Object.keys(r).filter((k) => !order.includes(k));
  assert.deepEqual(unknown, [], 'the receipt has fields this test does not know the order of');
  const out = {};
  for (const k of order) out[k] = r[k];
  out.files = r.files.map((f) => ({ name: f.name, size: f.size, sha256: f.sha256 }));
  if (!r.team?.length) delete out.team;
  return Buffer.from(JSON.stringify(out), 'utf8');
}

// 1.A: laerer1, and elev11 (no other test uses elev11). A colon may not be in a name (Windows
// does not allow it), so the template is "Skabelon – Mit kæledyr".
test('a teacher hands out a document as a template; a pupil fills it in, hands it in, and reads the comment', async () => {
  const name = 'Skabelon – Mit kæledyr';
  const title = 'Fortæl om dit kæledyr';
  const sentence = 'Min hund Ærtebjørn spiser æbler og løber på stranden.';
  const word = 'Ærtebjørn';

  // laerer1 makes the template in their drive: a heading and a line.
  const teacher = await open();
  await login(teacher, 'laerer1');
  await teacher.getByRole('link', { name: 'Filer', exact: true }).click();
  await teacher.getByRole('link', { name: 'Mine filer' }).first().click();
  await teacher.getByRole('heading', { level: 1, name: 'Mine filer' }).waitFor();
  await teacher.getByRole('button', { name: 'Nyt dokument' }).click();
  const made = teacher.getByRole('dialog', { name: 'Nyt dokument' });
  await made.getByLabel('Navn').fill(name);
  await made.getByRole('button', { name: 'Opret dokument' }).click();
  await teacher.getByRole('heading', { level: 1, name }).waitFor();
  await teacher.waitForURL(/\/documents\/[^/]+$/);
  const templateId = teacher.url().split('/').pop();
  await statusIs(teacher, 'Gemt');
  await body(teacher, name).click();
  await teacher.getByRole('toolbar', { name: 'Formatering' }).getByRole('button', { name: 'Overskrift 2', exact: true }).click();
  await teacher.keyboard.type('Mit kæledyr');
  await body(teacher, name).locator('h2', { hasText: 'Mit kæledyr' }).waitFor();
  await teacher.keyboard.press('Enter');
  await teacher.keyboard.type('Skriv om dit kæledyr her:');
  await body(teacher, name).locator('p', { hasText: 'Skriv om dit kæledyr her:' }).waitFor();
  await statusIs(teacher, 'Gemt');
  const stored = (await (await teacher.request.get(`/api/v1/documents/${templateId}/text`)).json()).text;
  assert.match(stored, /Mit kæledyr/);
  assert.match(stored, /Skriv om dit kæledyr her:/);

  // The assignment for 1.A, made in the form, with the document chosen as its template.
  await teacher.goto('/');
  await teacher.getByRole('link', { name: '1.A', exact: true }).click();
  await teacher.getByRole('heading', { level: 1, name: '1.A' }).waitFor();
  await teacher.getByText('Ny opgave').click();
  await teacher.getByLabel('Titel').fill(title);
  await teacher.getByLabel('Opgaven').fill('Skriv om dit kæledyr i skabelonen, og aflever den.');
  await teacher.getByLabel('Åbner').fill('2026-01-01T08:00');
  await teacher.getByLabel('Afleveres senest').fill('2030-06-01T12:00');
  await teacher.getByRole('button', { name: 'Vælg skabelon fra dit drev' }).click();
  const picker = teacher.getByRole('group', { name: 'Vælg skabelon fra dit drev' });
  await picker.getByRole('button', { name: 'Mine filer' }).click();
  const offered = picker.getByRole('button', { name, exact: true });
  await offered.waitFor();
  await look(teacher, 'assignment-new-document-template');
  await offered.click();
  await picker.waitFor({ state: 'detached' });
  assert.match(await teacher.locator('form p', { hasText: 'Skabelon:' }).textContent(), new RegExp(name));
  await teacher.getByRole('button', { name: 'Opret opgave' }).click();
  await teacher.getByRole('heading', { level: 1, name: title }).waitFor();
  const id = teacher.url().split('/').pop();
  // What is handed out is the document's own form.
  await teacher.getByRole('region', { name: 'Filer' }).getByRole('link', { name: `${name}.tavledoc`, exact: true }).waitFor();

  // elev11 opens it from the home page: the template is in the working folder as a document.
  const pupil = await open();
  await login(pupil, 'elev11');
  const pupilName = (await me(pupil)).person.display_name;
  await pupil.getByRole('heading', { level: 2, name: 'Kommende afleveringer' }).waitFor();
  await pupil.getByRole('link', { name: title }).click();
  await pupil.getByRole('heading', { level: 1, name: title }).waitFor();
  await pupil.getByRole('region', { name: 'Filer' }).getByRole('link', { name: `${name}.tavledoc`, exact: true }).waitFor();
  await pupil.getByRole('heading', { level: 2, name: 'Din arbejdsmappe' }).waitFor();
  await pupil.getByLabel(name, { exact: true }).waitFor();
  await pupil.getByRole('link', { name: 'Åbn arbejdsmappen' }).click();
  await pupil.getByRole('link', { name, exact: true }).click();
  await pupil.getByRole('heading', { level: 1, name }).waitFor();
  await pupil.waitForURL(/\/documents\/[^/]+$/);
  const copyId = pupil.url().split('/').pop();
  assert.notEqual(copyId, templateId, 'the pupil writes in a copy of their own');
  await statusIs(pupil, 'Gemt');
  // The copy has the teacher's text; the pupil writes below it.
  await body(pupil, name).locator('h2', { hasText: 'Mit kæledyr' }).waitFor();
  await body(pupil, name).getByText('Skriv om dit kæledyr her:').waitFor();
  await writeLine(pupil, name, sentence);
  await statusIs(pupil, 'Gemt');
  assert.deepEqual(await paragraphs(pupil, name), ['Skriv om dit kæledyr her:', sentence]);
  assert.match((await (await pupil.request.get(`/api/v1/documents/${copyId}/text`)).json()).text, new RegExp(sentence));
  const template = (await (await teacher.request.get(`/api/v1/documents/${templateId}/text`)).json()).text;
  assert.doesNotMatch(template, new RegExp(word), "the teacher's template is as it was");

  // Back on the assignment, the pupil ticks the document and hands it in.
  await pupil.goto(`/assignments/${id}`);
  await pupil.getByRole('heading', { level: 1, name: title }).waitFor();
  const tick = pupil.getByLabel(name, { exact: true });
  await tick.waitFor();
  await look(pupil, 'template-assignment-pupil');
  await tick.check();
  await pupil.getByRole('button', { name: 'Aflever de valgte filer' }).click();
  await pupil.getByText('Afleveret. Din kvittering er klar.').waitFor();
  await pupil.getByText(`${name}.pdf`).waitFor();
  await pupil.getByRole('link', { name: `Åbn ${name}.tavledoc` }).waitFor();

  // The receipt names both files, PDF first; it is signed with the instance's published key,
  // and its sizes and SHA-256 are those of the files the server keeps.
  const download = pupil.waitForEvent('download');
  await pupil.getByRole('link', { name: 'Hent kvittering' }).click();
  const receipt = JSON.parse(readFileSync(await (await download).path(), 'utf8'));
  assert.equal(receipt.receipt.assignment_title, title);
  assert.equal(receipt.receipt.pupil_name, pupilName);
  assert.deepEqual(receipt.receipt.files.map((f) => f.name), [`${name}.pdf`, `${name}.tavledoc`]);
  assert.match(receipt.signature, /^[0-9a-f]{128}$/);
  const published = await pupil.request.get('/api/v1/receipt-key');
  assert.equal(published.status(), 200);
  const key = await published.json();
  assert.equal(receipt.public_key, key.public_key, 'signed with the published key');
  assert.equal(receipt.receipt.key_id, key.key_id);
  const publicKey = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(key.public_key, 'hex').toString('base64url') },
    format: 'jwk',
  });
  assert.ok(verify(null, canonicalReceipt(receipt.receipt), publicKey, Buffer.from(receipt.signature, 'hex')), 'the signature verifies');
  const handIn = receipt.receipt.hand_in_id;
  for (const [i, f] of receipt.receipt.files.entries()) {
    const r = await pupil.request.get(`/api/v1/assignments/${id}/hand-ins/${handIn}/files/${i}`);
    assert.equal(r.status(), 200, `${f.name} answered ${r.status()}`);
    const bytes = await r.body();
    assert.equal(bytes.length, f.size, `${f.name}'s size`);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), f.sha256, `${f.name}'s SHA-256`);
  }
  await look(pupil, 'template-assignment-handed-in');

  // laerer1 opens the handed-in document from the hand-in's feedback dialog: the pupil's text,
  // read only. They select the dog's name and comment on it.
  await teacher.goto(`/assignments/${id}`);
  await teacher.getByRole('heading', { level: 2, name: 'Afleveringer' }).waitFor();
  assert.equal(await teacher.getByRole('cell', { name: 'Afleveret', exact: true }).count(), 1, 'one pupil has handed in');
  await teacher.getByRole('button', { name: `Feedback til ${pupilName}` }).click();
  const dialog = teacher.getByRole('dialog', { name: `Feedback til ${pupilName}` });
  await dialog.getByRole('link', { name: `${name}.pdf`, exact: true }).waitFor();
  await dialog.getByRole('link', { name: `${name}.tavledoc`, exact: true }).waitFor();
  await dialog.getByRole('link', { name: `Åbn ${name}.tavledoc` }).click();
  await teacher.getByRole('heading', { level: 1, name }).waitFor();
  assert.match(teacher.url(), new RegExp(`/assignments/${id}/hand-ins/${handIn}/files/1$`));
  const handed = body(teacher, name);
  await handed.getByText(sentence).waitFor();
  await handed.locator('h2', { hasText: 'Mit kæledyr' }).waitFor();
  assert.equal(await handed.getAttribute('contenteditable'), 'false');
  assert.equal(await handed.getAttribute('aria-readonly'), 'true');
  await selectWord(teacher, name, word);
  await teacher.getByRole('button', { name: 'Kommentér' }).click();
  const panel = commentsPanel(teacher);
  await panel.getByText(`»${word}«`).waitFor();
  await panel.getByLabel('Kommentar', { exact: true }).fill('Godt ord!');
  await panel.getByRole('button', { name: 'Gem', exact: true }).click();
  await panel.getByText('Kommentaren er gemt.').waitFor();
  const marked = handed.locator('.doc-comment', { hasText: word });
  await marked.waitFor();
  assert.equal((await marked.textContent()).trim(), word, 'just the word is marked');
  const said = await teacher.request.get(`/api/v1/assignments/${id}/hand-ins/${handIn}/files/1/comments`);
  assert.equal(said.status(), 200);
  const threads = await said.json();
  assert.equal(threads.length, 1);
  assert.equal(threads[0].quote, word);
  assert.equal(threads[0].body, 'Godt ord!');

  // The teacher returns the feedback.
  await teacher.getByRole('navigation', { name: 'Du er her' }).getByRole('link', { name: title }).click();
  await teacher.getByRole('button', { name: `Feedback til ${pupilName}` }).click();
  await dialog.getByLabel('Feedback', { exact: true }).fill('Se min kommentar i dokumentet.');
  await dialog.getByLabel('Giv tilbage til eleven nu').check();
  await dialog.getByRole('button', { name: 'Gem feedback' }).click();
  await dialog.getByText('Feedbacken er gemt.').waitFor();
  await dialog.getByRole('button', { name: 'Luk' }).click();
  noProblems(teacher);

  // The pupil sees the feedback, opens the document handed in, and reads the comment, marked
  // on the word in the text.
  await pupil.reload();
  await pupil.getByRole('heading', { level: 3, name: 'Feedback' }).waitFor();
  await pupil.getByText('Se min kommentar i dokumentet.').waitFor();
  await pupil.getByRole('link', { name: `Åbn ${name}.tavledoc` }).click();
  await pupil.getByRole('heading', { level: 1, name }).waitFor();
  assert.match(pupil.url(), new RegExp(`/assignments/${id}/hand-ins/${handIn}/files/1$`));
  const mine = body(pupil, name);
  await mine.getByText(sentence).waitFor();
  const thread = commentsPanel(pupil).locator('li.doc-thread', { hasText: 'Godt ord!' });
  await thread.waitFor();
  await thread.getByText(`»${word}«`).waitFor();
  await mine.locator('.doc-comment', { hasText: word }).waitFor();
  await look(pupil, 'template-handed-in-document-pupil');

  // Its downloads answer, each in its format.
  const formats = {
    odt: { type: 'application/vnd.oasis.opendocument.text', magic: 'PK' },
    docx: { type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', magic: 'PK' },
    pdf: { type: 'application/pdf', magic: '%PDF-' },
  };
  for (const [format, { type, magic }] of Object.entries(formats)) {
    const href = await pupil.getByRole('link', { name: new RegExp(`^${format}`, 'i') }).getAttribute('href');
    assert.match(href, new RegExp(`/hand-ins/${handIn}/files/1/export/${format}$`));
    const r = await pupil.request.get(href);
    assert.equal(r.status(), 200, `${format} answered ${r.status()}`);
    assert.equal(r.headers()['content-type'], type, `${format}'s content type`);
    assert.match(decodeURIComponent(r.headers()['content-disposition'] ?? ''), new RegExp(`\\.${format}$`));
    assert.equal((await r.body()).subarray(0, magic.length).toString('latin1'), magic, `${format}'s first bytes`);
  }
  noProblems(pupil);
});

/** An 800 × 40 PNG (one blue): wider than the page, on a desktop and on a phone. */
const PICTURE = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAyAAAAAoCAIAAACJqQnPAAAA1ElEQVR4nO3WUQkAIBTAwFfESvaytSUGghxcgH1u1j4AAITmeQEAwGcMFgBAzGABAMQMFgBAzGABAMQMFgBAzGABAMQMFgBAzGABAMQMFgBAzGABAMQMFgBAzGABAMQMFgBAzGABAMQMFgBAzGABAMQMFgBAzGABAMQMFgBAzGABAMQMFgBAzGABAMQMFgBAzGABAMQMFgBAzGABAMQMFgBAzGABAMQMFgBAzGABAMQMFgBAzGABAMQMFgBAzGABAMQMFgBAzGABAMQMFgBAzGABAMQuS4Eq+s1N4d8AAAAASUVORK5CYII=',
  'base64',
);

// elev12 and elev13 (no other test uses them).
test('a picture from the computer goes into a document with its description, for everyone in it and in its ODT', async () => {
  const name = 'Turen til Ærø, med billeder';
  const description = 'Færgen til Ærø i havnen';
  const first = await open();
  await login(first, 'elev12');
  const second = await open();
  await login(second, 'elev13');
  const id = await sharedDocument(first, name, (await me(second)).person);
  await writeLine(first, name, 'Her er færgen:');
  await statusIs(first, 'Gemt');

  // "Indsæt billede" offers the computer and the drive; the file is chosen from the computer.
  await first.getByRole('toolbar', { name: 'Formatering' }).getByRole('button', { name: 'Indsæt billede', exact: true }).click();
  const choose = first.getByRole('dialog', { name: 'Indsæt billede' });
  await choose.getByRole('button', { name: 'Fra dit drev' }).waitFor();
  await look(first, 'document-picture-choose');
  await choose.getByLabel('Fra computeren').setInputFiles({ name: 'færgen.png', mimeType: 'image/png', buffer: PICTURE });

  // Once it is sent, the picture is described (for those who cannot see it) and inserted.
  const describe = first.getByRole('dialog', { name: 'Beskriv billedet' });
  const field = describe.getByLabel('Beskriv billedet for dem, der ikke kan se det');
  await field.waitFor();
  assert.ok(await field.evaluate((el) => el === document.activeElement), 'the description field has the focus');
  await look(first, 'document-picture-describe');
  await field.fill(description);
  await describe.getByRole('button', { name: 'Sæt billedet ind' }).click();
  await describe.waitFor({ state: 'detached' });
  const sha = createHash('sha256').update(PICTURE).digest('hex');
  const picture = body(first, name).locator('img[data-tavle-image]');
  await picture.waitFor();
  assert.equal(await picture.getAttribute('data-tavle-image'), sha);
  assert.equal(await picture.getAttribute('alt'), description);
  assert.equal(await picture.getAttribute('src'), `/api/v1/documents/${id}/images/${sha}`);
  const shown = (s) => {
    const img = document.querySelector(`img[data-tavle-image="${s}"]`);
    return img !== null && img.complete && img.naturalWidth > 0;
  };
  await first.waitForFunction(shown, sha);
  assert.ok(
    await picture.evaluate((img) => img.getBoundingClientRect().width <= img.parentElement.getBoundingClientRect().width + 0.5),
    'the picture is no wider than the page',
  );
  // The text goes on below it.
  await first.keyboard.type('Vi sejlede i en time.');
  await statusIs(first, 'Gemt');
  assert.deepEqual(await paragraphs(first, name), ['Her er færgen:', 'Vi sejlede i en time.']);

  // elev13 opens the document: the picture is there, described, and shown.
  await second.goto(`/documents/${id}`);
  await second.getByRole('heading', { level: 1, name }).waitFor();
  await statusIs(second, 'Gemt');
  const seen = body(second, name).locator(`img[data-tavle-image="${sha}"]`);
  await seen.waitFor();
  assert.equal(await seen.getAttribute('alt'), description);
  await second.waitForFunction(shown, sha);

  // elev13 selects it and changes its description; elev12 sees the change.
  await body(second, name).getByText('Vi sejlede i en time.').click();
  await seen.click();
  const toolbar = second.getByRole('toolbar', { name: 'Formatering' });
  await toolbar.getByRole('button', { name: 'Billedtekst', exact: true }).click();
  const change = second.getByRole('dialog', { name: 'Billedtekst' });
  const changeField = change.getByLabel('Beskriv billedet for dem, der ikke kan se det');
  await changeField.waitFor();
  assert.equal(await changeField.inputValue(), description);
  await changeField.fill(`${description}, set fra kajen`);
  await change.getByRole('button', { name: 'Gem billedteksten' }).click();
  await change.waitFor({ state: 'detached' });
  await first.waitForFunction(
    ([s, alt]) => document.querySelector(`img[data-tavle-image="${s}"]`)?.getAttribute('alt') === alt,
    [sha, `${description}, set fra kajen`],
  );
  await statusIs(second, 'Gemt');
  await statusIs(first, 'Gemt');
  await look(second, 'document-picture');

  // A phone: the picture is as wide as the screen lets it be, no wider.
  await second.setViewportSize({ width: 360, height: 740 });
  await seen.waitFor();
  const wide = await second.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 360, `the page is ${wide} px wide at 360 px`);
  assert.ok(
    await seen.evaluate((img) => img.getBoundingClientRect().width <= img.parentElement.getBoundingClientRect().width + 0.5),
    'the picture is no wider than the page on a phone',
  );
  await look(second, 'document-picture-phone');

  // The document's ODT holds the picture (a zip entry under Pictures/).
  const odt = await first.evaluate(async (doc) => {
    const r = await fetch(`/api/v1/documents/${doc}/export/odt`, { credentials: 'same-origin' });
    const bytes = new Uint8Array(await r.arrayBuffer());
    return { status: r.status, pictures: new TextDecoder('latin1').decode(bytes).includes('Pictures/') };
  }, id);
  assert.equal(odt.status, 200);
  assert.ok(odt.pictures, 'the ODT has an entry under Pictures/');
  noProblems(first);
});

// elev14 (no other test uses elev14). A connection can die without the browser noticing: the
// socket looks open and nothing passes either way. The editor's heartbeat notices that what was
// typed is not acknowledged, gives the socket up and connects again, and the text is saved.
test('a connection that dies without a word is found out and made again, and nothing is lost', async () => {
  const page = await open();
  let sockets = 0;
  let dead = false;
  await page.routeWebSocket(/\/api\/v1\/documents\/[^/]+\/socket$/, (ws) => {
    const n = ++sockets;
    const server = ws.connectToServer();
    // The first connection goes silent when `dead` is set; later ones pass everything.
    ws.onMessage((m) => {
      if (!(dead && n === 1)) server.send(m);
    });
    server.onMessage((m) => {
      if (!(dead && n === 1)) ws.send(m);
    });
  });
  await login(page, 'elev14');
  const name = 'Stille forbindelse';
  const id = await newDocument(page, name);
  assert.equal(sockets, 1);

  dead = true;
  await writeLine(page, name, 'Skrevet mens forbindelsen var død: æøå');
  // Not acknowledged, so not saved; within seconds the editor connects again and it is.
  await statusIs(page, 'Gemmer …');
  await statusIs(page, 'Gemt', 30_000);
  assert.ok(sockets >= 2, `connected ${sockets} time(s)`);
  const text = await (await page.request.get(`/api/v1/documents/${id}/text`)).json();
  assert.match(text.text, /Skrevet mens forbindelsen var død: æøå/);
});
