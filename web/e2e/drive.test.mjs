// The drive in the browser: folders, uploads (button, drag and drop, a broken connection, a
// reload halfway through a large file), preview, sorting, rename, move, delete and the trash,
// versions, sharing with a class, and share links (a drop box with a password, a download
// link) opened by someone who is not logged in. axe runs on every page.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { close, launch, login, look, open } from './harness.mjs';

before(launch);
after(close);

const PART = 8 * 1024 * 1024;

/** A file on disk (a real path keeps its modification time, which resuming relies on). */
function bigFile(name, size) {
  const path = join(mkdtempSync(join(tmpdir(), 'tavle-e2e-')), name);
  writeFileSync(path, randomBytes(size));
  return path;
}

const sha = (buf) => createHash('sha256').update(buf).digest('hex');

async function openMyFiles(page) {
  await page.getByRole('link', { name: 'Filer', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Filer' }).waitFor();
  await page.getByRole('link', { name: 'Mine filer' }).click();
  await page.getByRole('heading', { level: 1, name: 'Mine filer' }).waitFor();
}

async function newFolder(page, name) {
  await page.getByRole('button', { name: 'Ny mappe' }).click();
  const dialog = page.getByRole('dialog', { name: 'Ny mappe' });
  await dialog.getByLabel('Navn').fill(name);
  await dialog.getByRole('button', { name: 'Opret mappe' }).click();
  await page.getByText(`Mappen »${name}« er oprettet.`).waitFor();
}

async function actions(page, name) {
  await page.getByRole('button', { name: `Handlinger for »${name}«` }).click();
  return page.getByRole('dialog', { name: `»${name}«` });
}

/** The names in the folder's list, in the order shown. */
async function names(page) {
  return page.locator('section.dropzone tbody td.name a').allTextContents();
}

test('a teacher organises files: folders, uploads, preview, sorting, rename, move, trash, versions', async () => {
  const page = await open();
  await login(page, 'laerer2');
  await page.getByRole('link', { name: 'Filer', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Filer' }).waitFor();
  for (const drive of ['Mine filer', '1.B', 'Musik 1. årgang', 'Tavleskolen']) await page.getByRole('link', { name: drive, exact: true }).waitFor();
  await look(page, 'drive-overview');

  await page.getByRole('link', { name: 'Mine filer' }).click();
  await page.getByRole('heading', { level: 1, name: 'Mine filer' }).waitFor();
  await page.getByText('Mappen er tom.').waitFor();
  await page.getByText('Forbind som netværksdrev').click();
  assert.match(await page.getByLabel('WebDAV-adresse').inputValue(), /\/remote\.php\/dav\/files\/laerer2\/$/);
  await newFolder(page, 'Ugeplaner');
  await page.getByRole('link', { name: 'Ugeplaner' }).click();
  await page.getByRole('heading', { level: 1, name: 'Ugeplaner' }).waitFor();
  await page.getByRole('navigation', { name: 'Placering' }).getByRole('link', { name: 'Mine filer' }).waitFor();

  // Two files by the button.
  await page.getByLabel('Upload filer').setInputFiles([
    { name: 'Uge 47.txt', mimeType: 'text/plain', buffer: Buffer.from('Mandag: dansk\nTirsdag: matematik\n') },
    { name: 'Årsplan æøå.txt', mimeType: 'text/plain', buffer: Buffer.from('x'.repeat(3000)) },
  ]);
  await page.getByRole('link', { name: 'Årsplan æøå.txt' }).waitFor();
  await page.getByRole('link', { name: 'Uge 47.txt' }).waitFor();
  assert.equal(await page.locator('ul.uploads li[data-status="done"]').count(), 2);

  // One by drag and drop onto the list.
  const dt = await page.evaluateHandle(() => {
    const d = new DataTransfer();
    d.items.add(new File(['Husk madpakke'], 'Besked.txt', { type: 'text/plain' }));
    return d;
  });
  await page.locator('section.dropzone').dispatchEvent('dragover', { dataTransfer: dt });
  await page.locator('section.dropzone').dispatchEvent('drop', { dataTransfer: dt });
  await page.getByRole('link', { name: 'Besked.txt' }).waitFor();
  await look(page, 'drive-folder');

  // Sorting: by name (the default), then by size, largest first on the second click.
  assert.deepEqual(await names(page), ['Årsplan æøå.txt', 'Besked.txt', 'Uge 47.txt'].sort((a, b) => a.localeCompare(b, 'da')));
  await page.getByRole('button', { name: 'Størrelse' }).click();
  assert.deepEqual(await names(page), ['Besked.txt', 'Uge 47.txt', 'Årsplan æøå.txt']);
  await page.getByRole('button', { name: 'Størrelse' }).click();
  assert.deepEqual(await names(page), ['Årsplan æøå.txt', 'Uge 47.txt', 'Besked.txt']);
  assert.equal(await page.getByRole('columnheader', { name: 'Størrelse' }).getAttribute('aria-sort'), 'descending');

  // Preview of a text file, and its download.
  await page.getByRole('link', { name: 'Uge 47.txt' }).click();
  await page.getByRole('heading', { level: 1, name: 'Uge 47.txt' }).waitFor();
  await page.getByTestId('text-preview').getByText('Tirsdag: matematik').waitFor();
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Hent', exact: true }).click();
  assert.equal((await download).suggestedFilename(), 'Uge 47.txt');
  await look(page, 'drive-file');
  await page.getByRole('navigation', { name: 'Placering' }).getByRole('link', { name: 'Ugeplaner' }).click();
  await page.getByRole('heading', { level: 1, name: 'Ugeplaner' }).waitFor();

  // A new version: the same name again; the older one is listed and can be restored.
  await page.getByLabel('Upload filer').setInputFiles({ name: 'Uge 47.txt', mimeType: 'text/plain', buffer: Buffer.from('Ændret plan\n') });
  await page.locator('ul.uploads li[data-status="done"]').filter({ hasText: 'Uge 47.txt' }).nth(1).waitFor();
  await page.getByRole('link', { name: 'Uge 47.txt' }).click();
  await page.getByTestId('text-preview').getByText('Ændret plan').waitFor();
  await page.getByRole('heading', { level: 2, name: 'Tidligere versioner' }).waitFor();
  await look(page, 'drive-versions');
  await page.getByRole('button', { name: /^Gendan versionen fra / }).click();
  await page.getByText(/Versionen fra .* er gendannet/).waitFor();
  await page.getByTestId('text-preview').getByText('Tirsdag: matematik').waitFor();
  await page.getByRole('navigation', { name: 'Placering' }).getByRole('link', { name: 'Ugeplaner' }).click();

  // Rename.
  let dialog = await actions(page, 'Besked.txt');
  await look(page, 'drive-actions');
  await dialog.getByRole('button', { name: 'Omdøb' }).click();
  dialog = page.getByRole('dialog', { name: 'Omdøb »Besked.txt«' });
  await dialog.getByLabel('Nyt navn').fill('Besked til forældre.txt');
  await dialog.getByRole('button', { name: 'Omdøb' }).click();
  await page.getByText('Navnet er nu »Besked til forældre.txt«.').waitFor();
  await page.getByRole('link', { name: 'Besked til forældre.txt' }).waitFor();
  // A name Windows cannot have is refused, with a reason.
  dialog = await actions(page, 'Besked til forældre.txt');
  await dialog.getByRole('button', { name: 'Omdøb' }).click();
  dialog = page.getByRole('dialog', { name: 'Omdøb »Besked til forældre.txt«' });
  await dialog.getByLabel('Nyt navn').fill('Plan: uge 48?');
  await dialog.getByRole('button', { name: 'Omdøb' }).click();
  await dialog.locator('.error').waitFor();
  await dialog.getByRole('button', { name: 'Luk' }).click();

  // Move into the top folder.
  dialog = await actions(page, 'Besked til forældre.txt');
  await dialog.getByRole('button', { name: 'Flyt' }).click();
  dialog = page.getByRole('dialog', { name: 'Flyt »Besked til forældre.txt«' });
  await dialog.getByRole('button', { name: 'Mine filer' }).click();
  await dialog.getByRole('button', { name: 'Ugeplaner' }).waitFor();
  await look(page, 'drive-move');
  await dialog.getByRole('button', { name: 'Flyt hertil' }).click();
  await page.getByText('»Besked til forældre.txt« er flyttet.').waitFor();
  assert.ok(!(await names(page)).includes('Besked til forældre.txt'));

  // Delete to the trash, and restore from it.
  dialog = await actions(page, 'Årsplan æøå.txt');
  await dialog.getByRole('button', { name: 'Slet' }).click();
  dialog = page.getByRole('dialog', { name: 'Slet »Årsplan æøå.txt«' });
  await dialog.getByRole('button', { name: 'Slet' }).click();
  await page.getByText('»Årsplan æøå.txt« er lagt i papirkurven.').waitFor();
  await page.getByRole('navigation', { name: 'Placering' }).getByRole('link', { name: 'Mine filer' }).click();
  await page.getByRole('heading', { level: 1, name: 'Mine filer' }).waitFor();
  await page.getByRole('link', { name: 'Besked til forældre.txt' }).waitFor();
  await page.getByRole('link', { name: 'Papirkurv' }).click();
  await page.getByRole('heading', { level: 1, name: 'Papirkurv: Mine filer' }).waitFor();
  await look(page, 'drive-trash');
  await page.getByRole('button', { name: 'Gendan »Årsplan æøå.txt«' }).click();
  await page.getByText('»Årsplan æøå.txt« er gendannet.').waitFor();
  await page.getByText('Papirkurven er tom.').waitFor();
});

test('a large upload survives a broken connection and a closed page', async () => {
  const page = await open();
  await login(page, 'laerer3');
  await openMyFiles(page);
  const path = bigFile('Video af skolekomedien.mp4', 2 * PART + 12345);
  const want = sha(readFileSync(path));

  // The connection breaks during every part until it is back; the upload waits, and continues
  // from where the server says it stands when the person presses "Fortsæt".
  let broken = true;
  let patches = 0;
  await page.route('**/api/v1/drive/uploads/*', (route) => {
    if (route.request().method() !== 'PATCH') return route.continue();
    patches++;
    return broken && patches > 1 ? route.abort('connectionreset') : route.continue();
  });
  await page.getByLabel('Upload filer').setInputFiles(path);
  const row = page.locator('ul.uploads li').filter({ hasText: 'Video af skolekomedien.mp4' });
  await row.getByText(/^Afbrudt ved 49 %$/).waitFor({ timeout: 30_000 });
  // The browser reported the broken connections, as it should.
  page.problems.splice(0, page.problems.length, ...page.problems.filter((p) => !p.includes('ERR_CONNECTION_RESET')));
  await look(page, 'drive-upload-paused');
  broken = false;
  await row.getByRole('button', { name: 'Fortsæt upload af »Video af skolekomedien.mp4«' }).click();
  await row.getByText('Færdig').waitFor({ timeout: 60_000 });
  await page.unroute('**/api/v1/drive/uploads/*');
  const link = page.getByRole('link', { name: 'Video af skolekomedien.mp4' });
  const id = (await link.getAttribute('href')).split('/').pop();
  const body = await (await page.request.get(`/api/v1/drive/nodes/${id}/content`)).body();
  assert.equal(sha(body), want, 'the file is whole');

  // A page closed halfway: choosing the same file again continues where it stopped.
  const second = bigFile('Koncert.mp4', 2 * PART + 999);
  const wantSecond = sha(readFileSync(second));
  let release;
  await page.route('**/api/v1/drive/uploads/*', async (route) => {
    if (route.request().method() === 'PATCH' && route.request().headers()['upload-offset'] !== '0') {
      // Hold the second part until the page is gone.
      await new Promise((r) => (release = r));
      return route.abort().catch(() => {});
    }
    return route.continue();
  });
  const firstPart = page.waitForResponse((r) => r.request().method() === 'PATCH' && r.status() === 204);
  await page.getByLabel('Upload filer').setInputFiles(second);
  await firstPart;
  const again = await page.context().newPage();
  await page.close();
  release?.();

  const offsets = [];
  let creations = 0;
  again.on('request', (r) => {
    if (r.url().includes('/api/v1/drive/uploads')) {
      if (r.method() === 'POST') creations++;
      if (r.method() === 'PATCH') offsets.push(Number(r.headers()['upload-offset']));
    }
  });
  await again.goto('/files');
  await again.getByRole('link', { name: 'Mine filer' }).click();
  await again.getByRole('heading', { level: 1, name: 'Mine filer' }).waitFor();
  await again.getByLabel('Upload filer').setInputFiles(second);
  await again.locator('ul.uploads li').filter({ hasText: 'Koncert.mp4' }).getByText('Færdig').waitFor({ timeout: 60_000 });
  assert.equal(creations, 0, 'no new upload was started');
  assert.equal(offsets[0], PART, 'it continued after the part that had arrived');
  const node = (await again.getByRole('link', { name: 'Koncert.mp4' }).getAttribute('href')).split('/').pop();
  assert.equal(sha(await (await again.request.get(`/api/v1/drive/nodes/${node}/content`)).body()), wantSecond);
});

test('without an office server, an office file has no "Åbn i kontorprogram"', async () => {
  const page = await open();
  await login(page, 'laerer1');
  // A drive page asks once which file types the municipality's office server opens; the demo
  // municipality has none.
  const asked = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/office');
  await openMyFiles(page);
  assert.equal((await asked).status(), 404);
  await page.getByLabel('Upload filer').setInputFiles({
    name: 'Referat.DOCX',
    mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    buffer: Buffer.from('Referat af forældremødet'),
  });
  await page.getByRole('link', { name: 'Referat.DOCX' }).waitFor();
  let dialog = await actions(page, 'Referat.DOCX');
  await dialog.getByRole('button', { name: 'Åbn som Tavle-dokument' }).waitFor();
  assert.equal(await dialog.getByRole('link', { name: 'Åbn i kontorprogram' }).count(), 0);
  await dialog.getByRole('button', { name: 'Luk' }).click();

  // Nor on the file's own page.
  await page.getByRole('link', { name: 'Referat.DOCX' }).click();
  await page.getByRole('heading', { level: 1, name: 'Referat.DOCX' }).waitFor();
  await page.getByRole('button', { name: 'Handlinger', exact: true }).click();
  dialog = page.getByRole('dialog', { name: '»Referat.DOCX«' });
  await dialog.getByRole('button', { name: 'Åbn som Tavle-dokument' }).waitFor();
  assert.equal(await dialog.getByRole('link', { name: 'Åbn i kontorprogram' }).count(), 0);
  await look(page, 'drive-actions-no-office');
});

test('a teacher shares a folder with the class, which can read but not change it', async () => {
  const page = await open();
  await login(page, 'laerer2');
  await openMyFiles(page);
  await newFolder(page, 'Sange til 1.B');
  await page.getByRole('link', { name: 'Sange til 1.B' }).click();
  await page.getByLabel('Upload filer').setInputFiles({ name: 'Mester Jakob.txt', mimeType: 'text/plain', buffer: Buffer.from('Mester Jakob, sover du?') });
  await page.getByRole('link', { name: 'Mester Jakob.txt' }).waitFor();
  await page.getByRole('button', { name: 'Del', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Del »Sange til 1.B«' });
  await dialog.getByLabel('Med hvem').selectOption({ label: '1.B' });
  await dialog.getByRole('button', { name: 'Del', exact: true }).click();
  await dialog.getByText('Delt med 1.B.').waitFor();
  await dialog.getByRole('listitem').filter({ hasText: 'Kan se' }).filter({ hasText: '1.B' }).waitFor();
  await look(page, 'drive-share');

  const pupil = await open({ width: 360, height: 740 });
  await login(pupil, 'elev21');
  await pupil.goto('/files');
  await pupil.getByRole('heading', { level: 2, name: 'Delt med mig' }).waitFor();
  await pupil.getByRole('link', { name: 'Sange til 1.B' }).click();
  await pupil.getByRole('heading', { level: 1, name: 'Sange til 1.B' }).waitFor();
  await pupil.getByRole('link', { name: 'Mester Jakob.txt' }).waitFor();
  assert.equal(await pupil.getByLabel('Upload filer').count(), 0, 'a viewer cannot upload');
  assert.ok((await pupil.evaluate(() => document.documentElement.scrollWidth)) <= 360);
  await look(pupil, 'drive-shared-pupil-phone');
  // A pupil's own sharing has no links.
  await pupil.goto('/files');
  await pupil.getByRole('link', { name: 'Mine filer' }).click();
  await newFolder(pupil, 'Min mappe');
  await (await actions(pupil, 'Min mappe')).getByRole('button', { name: 'Del' }).click();
  await pupil.getByRole('heading', { level: 3, name: 'Del med personer' }).waitFor();
  assert.equal(await pupil.getByRole('heading', { name: 'Links' }).count(), 0);
});

test('a drop box with a password collects files from someone without a login; a download link shows a file', async () => {
  const page = await open();
  await login(page, 'laerer2');
  await openMyFiles(page);
  await newFolder(page, 'Aflevering fra forældre');
  let dialog = await actions(page, 'Aflevering fra forældre');
  await dialog.getByRole('button', { name: 'Del' }).click();
  dialog = page.getByRole('dialog', { name: 'Del »Aflevering fra forældre«' });
  await dialog.getByLabel('Link til at aflevere filer (ser ikke indholdet)').check();
  await dialog.getByLabel('Adgangskode (valgfri)').fill('kort');
  await dialog.getByRole('button', { name: 'Lav link' }).click();
  // The browser's own check stops a short password before it is sent.
  assert.equal(await dialog.getByLabel('Adgangskode (valgfri)').evaluate((i) => i.validity.tooShort), true);
  await dialog.getByLabel('Adgangskode (valgfri)').fill('Juleferie2026');
  await dialog.getByRole('button', { name: 'Lav link' }).click();
  await dialog.getByText('Linket er lavet.', { exact: false }).waitFor();
  await dialog.getByText('med adgangskode', { exact: false }).waitFor();
  await look(page, 'drive-links');
  const address = await dialog.locator('input[readonly]').first().inputValue();
  assert.match(address, /\/s\/[A-Za-z0-9]{25}$/);

  // Someone without a login opens it.
  const parent = await open();
  await parent.goto(address);
  await parent.getByRole('heading', { level: 1, name: 'Linket har en adgangskode' }).waitFor();
  await look(parent, 'link-locked');
  await parent.getByLabel('Adgangskode').fill('forkert kode');
  await parent.getByRole('button', { name: 'Åbn' }).click();
  await parent.getByText('Adgangskoden til linket er forkert.').waitFor();
  await parent.getByLabel('Adgangskode').fill('Juleferie2026');
  await parent.getByRole('button', { name: 'Åbn' }).click();
  await parent.getByRole('heading', { level: 1, name: 'Aflevering fra forældre' }).waitFor();
  await parent.getByLabel('Vælg filer').setInputFiles([
    { name: 'Samtykke.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 samtykke') },
    { name: 'Samtykke.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 igen') },
  ]);
  // Both arrive; the parent is not told that a file of that name was there already.
  await parent.locator('ul.uploads li[data-status="done"]').nth(1).waitFor();
  assert.equal(await parent.locator('ul.uploads li[data-status="done"]').count(), 2);
  assert.equal(await parent.getByText('Samtykke (2).pdf').count(), 0);
  await look(parent, 'link-dropbox');

  await page.getByRole('dialog').getByRole('button', { name: 'Luk' }).click();
  await page.getByRole('link', { name: 'Aflevering fra forældre' }).click();
  await page.getByRole('link', { name: 'Samtykke (2).pdf' }).waitFor();
  await page.getByRole('link', { name: 'Samtykke.pdf' }).waitFor();

  // A download link to a file shows it, previewed, to anyone.
  await page.getByLabel('Upload filer').setInputFiles({ name: 'Julebrev.txt', mimeType: 'text/plain', buffer: Buffer.from('Glædelig jul fra 1.B') });
  dialog = await actions(page, 'Julebrev.txt');
  await dialog.getByRole('button', { name: 'Del' }).click();
  dialog = page.getByRole('dialog', { name: 'Del »Julebrev.txt«' });
  await dialog.getByRole('button', { name: 'Lav link' }).click();
  await dialog.getByText('uden adgangskode', { exact: false }).waitFor();
  const letter = await dialog.locator('input[readonly]').first().inputValue();
  await parent.goto(letter);
  await parent.getByRole('heading', { level: 1, name: 'Julebrev.txt' }).waitFor();
  await parent.getByText('Glædelig jul fra 1.B').waitFor();
  await look(parent, 'link-file');
});

test('a school admin sets the quota of the staff drive and of a pupil', async () => {
  const page = await open();
  await login(page, 'skoleleder');
  await page.getByRole('link', { name: 'Filer', exact: true }).click();
  await page.getByRole('link', { name: 'Tavleskolen', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Tavleskolen' }).waitFor();
  await page.getByRole('button', { name: 'Skift kvote' }).click();
  const dialog = page.getByRole('dialog', { name: 'Kvote for Tavleskolen' });
  await dialog.getByLabel('Kvote', { exact: true }).fill('12,5');
  assert.equal(await dialog.getByLabel('Enhed', { exact: true }).inputValue(), 'GB');
  await look(page, 'drive-quota');
  await dialog.getByRole('button', { name: 'Gem kvote' }).click();
  await dialog.getByText('Kvoten er gemt.').waitFor();
  await dialog.getByText('af 12,5 GB brugt', { exact: false }).waitFor();
  await dialog.getByRole('button', { name: 'Luk' }).click();
  await page.getByText('af 12,5 GB brugt', { exact: false }).waitFor();

  // A pupil's own drive: its size and quota on the person's page, not its files.
  const people = await (await page.request.get(`/api/v1/schools/${(await (await page.request.get('/api/v1/me')).json()).schools[0].id}/people`)).json();
  const pupil = people.find((p) => p.username === 'elev30');
  await page.goto(`/admin/people/${pupil.id}`);
  await page.getByRole('heading', { level: 2, name: 'Eget drev' }).waitFor();
  await page.getByText('0 B af 5 GB brugt').waitFor(); // 5 GiB, in the units the app shows (powers of 1024)
  await page.getByLabel('Kvote', { exact: true }).fill('2');
  await page.getByRole('button', { name: 'Gem kvote' }).click();
  await page.getByText('Kvoten er gemt.').waitFor();
  await page.getByText('0 B af 2 GB brugt').waitFor();
  await look(page, 'person-drive');
});
