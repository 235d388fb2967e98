// The web app in Debian's Chromium against a real Tavle with the demo municipality: every page
// is checked with axe-core and photographed.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { close, launch, login, look, me, noProblems, open } from './harness.mjs';

before(launch);
after(close);

test('the login page is Danish, and a wrong password says so', async () => {
  const page = await open();
  await page.goto('/');
  await page.waitForURL('**/login');
  await page.getByRole('heading', { level: 1, name: 'Log ind på Tavle' }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'da');
  await look(page, 'login');

  await page.getByLabel('Brugernavn').fill('elev1');
  await page.getByLabel('Adgangskode').fill('forkert');
  await page.getByRole('button', { name: 'Log ind', exact: true }).click();
  await page.getByText('Forkert brugernavn eller adgangskode. Prøv igen.').waitFor();
  assert.equal(await page.getByLabel('Adgangskode').inputValue(), '', 'the wrong password is cleared');
  assert.match(page.url(), /\/login$/);
  await look(page, 'login-wrong-password');
});

test('a pupil logs in with the keyboard alone and sees their classes', async () => {
  const page = await open();
  await page.goto('/login');
  await page.getByLabel('Brugernavn').waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Gå til indhold');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'main', 'the skip link skips to the content');
  await page.keyboard.press('Tab');
  // "Find din skole" comes first (the way in for Unilogin users), then the password form.
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'school-query');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'username');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none', 'keyboard focus is visible');
  await page.keyboard.type('elev1');
  await page.keyboard.press('Tab');
  await page.keyboard.type('demo');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: /^Hej / }).waitFor();

  const mine = await me(page);
  assert.ok(mine.groups.length > 0, 'the demo pupil is in classes');
  for (const g of mine.groups) {
    await page.getByRole('link', { name: g.name, exact: true }).waitFor();
  }
  assert.equal(await page.getByRole('link', { name: 'Administration' }).count(), 0, 'pupils see no administration');
  await look(page, 'home-pupil');

  const cls = mine.groups.find((g) => g.kind === 'class');
  await page.getByRole('link', { name: cls.name, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: cls.name }).waitFor();
  await page.getByRole('heading', { level: 2, name: /^Elever \(\d+\)$/ }).waitFor();
  // After navigating, focus is on the new page's heading for screen readers.
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1');
  await look(page, 'class-pupil');

  await page.goto('/findes/ikke');
  await page.getByRole('heading', { level: 1, name: 'Siden findes ikke' }).waitFor();
  await look(page, 'not-found');
});

test('the home page works at phone width', async () => {
  const page = await open({ width: 360, height: 740 });
  await login(page, 'elev2');
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 360, `the page is ${wide} px wide at 360 px`);
  await look(page, 'home-phone');
  const cls = (await me(page)).groups[0];
  await page.getByRole('link', { name: cls.name, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: cls.name }).waitFor();
  assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 360);
  await look(page, 'class-phone');
});

test('a teacher opens a class and sees its pupils', async () => {
  const page = await open();
  await login(page, 'laerer1');
  const cls = (await me(page)).groups.find((g) => g.role === 'teacher' && g.kind === 'class');
  assert.ok(cls, 'laerer1 teaches a class');
  await look(page, 'home-teacher');
  await page.getByRole('link', { name: cls.name, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: cls.name }).waitFor();
  const detail = await (await page.request.get(`/api/v1/groups/${cls.id}`)).json();
  const pupils = detail.members.filter((m) => m.role === 'pupil');
  assert.ok(pupils.length > 0);
  const rows = page.getByRole('table').getByRole('row');
  assert.equal(await rows.count(), pupils.length + 1, 'one row per pupil under the header');
  for (const p of pupils.slice(0, 5)) await page.getByRole('cell', { name: p.display_name }).waitFor();
  await look(page, 'class-teacher');
});

test('a school admin previews and applies a roster, and the new pupil can log in', async () => {
  const page = await open();
  await login(page, 'skoleleder');
  await page.getByRole('link', { name: 'Administration' }).click();
  await page.getByRole('heading', { level: 1, name: 'Administration' }).waitFor();
  await look(page, 'admin-home');
  await page.getByRole('link', { name: 'Tavleskolen' }).click();
  await page.getByRole('heading', { level: 1, name: /Tavleskolen – Personer/ }).waitFor();
  await page.getByRole('cell', { name: 'elev1', exact: true }).waitFor();
  await look(page, 'school-people');
  // Administration works on a phone too: wide tables scroll inside their own box.
  await page.setViewportSize({ width: 360, height: 740 });
  assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 360, 'no sideways scrolling');
  await look(page, 'school-people-phone');
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.getByRole('link', { name: 'Klasser og hold' }).click();
  await page.getByRole('link', { name: '1.A' }).waitFor();
  await look(page, 'school-groups');
  await page.getByRole('link', { name: 'Skoleår' }).click();
  await page.getByRole('cell', { name: '2026/27' }).waitFor();
  await look(page, 'school-years');

  await page.getByRole('link', { name: 'Import af elevliste' }).click();
  const csv =
    'school;school_year;id;name;role;username;password;classes\n' +
    '999999;2026/27;ny-1;Nora Nyholm;elev;nora.n;sommer2026;1.C\n';
  await page.getByLabel('Fil med elevliste').setInputFiles({ name: 'elever.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: 'Vis ændringer' }).click();
  await page.getByRole('heading', { name: 'Det vil importen ændre' }).waitFor();
  const changes = page.getByRole('table', { name: 'Alle ændringer' });
  await changes.getByRole('row', { name: /Ny person Nora Nyholm/ }).waitFor();
  await changes.getByRole('row', { name: /Ny klasse eller hold 1\.C/ }).waitFor();
  await look(page, 'roster-preview');
  // Nothing is written by the preview.
  const before = await page.request.post('/api/v1/session', { data: { username: 'nora.n', password: 'sommer2026' } });
  assert.equal(before.status(), 401);

  await page.getByRole('button', { name: 'Gennemfør importen' }).click();
  await page.getByText('Importen er gennemført med 3 ændringer.').waitFor();
  await look(page, 'roster-applied');

  // A broken file is refused with its problems, naming the line.
  await page.getByLabel('Fil med elevliste').setInputFiles({
    name: 'fejl.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('school;school_year;id;name;role\n999999;2026/27;x;Uden Rolle;rektor\n'),
  });
  await page.getByRole('button', { name: 'Vis ændringer' }).click();
  await page.getByText(/Filen blev ikke importeret/).waitFor();
  await page.getByRole('cell', { name: 'fejl.csv:2' }).waitFor();
  await look(page, 'roster-problems');

  await page.getByRole('button', { name: 'Log ud' }).click();
  await page.waitForURL('**/login');
  await login(page, 'nora.n', 'sommer2026');
  await page.getByRole('link', { name: '1.C', exact: true }).waitFor();
  noProblems(page);
});

test('a school admin moves and disables a pupil, who then cannot log in', async () => {
  const page = await open();
  await login(page, 'skoleleder');
  const school = (await me(page)).schools[0];
  await page.goto(`/admin/schools/${school.id}/people`);
  // A mistake in a form is explained in Danish, naming the field.
  await page.getByLabel('Navn', { exact: true }).fill('Test Testesen');
  await page.getByLabel('Brugernavn', { exact: true }).fill('ikke gyldigt!');
  await page.getByRole('button', { name: 'Opret', exact: true }).click();
  await page.getByText(/^»Brugernavn« /).waitFor();
  await look(page, 'person-create-invalid');

  await page.getByLabel('Søg efter navn eller brugernavn').fill('elev5');
  await page.getByRole('cell', { name: 'elev5', exact: true }).waitFor();
  const row = page.getByRole('row').filter({ has: page.getByRole('cell', { name: 'elev5', exact: true }) });
  const name = await row.getByRole('link').textContent();
  await page.getByRole('link', { name }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
  await look(page, 'person');

  const from = await page.locator('#mv-from option').nth(1).textContent();
  await page.getByLabel('Fra klasse', { exact: true }).selectOption({ label: from });
  const to = await page.locator('#mv-to option').nth(1).textContent();
  await page.getByLabel('Til klasse', { exact: true }).selectOption({ label: to });
  await page.getByRole('button', { name: 'Flyt', exact: true }).click();
  await page.getByText(`Flyttet til ${to}.`).waitFor();
  const rows = page.getByRole('table').getByRole('row');
  await rows.filter({ hasText: to }).waitFor();
  assert.equal(await rows.filter({ hasText: from }).count(), 0, `no longer in ${from}`);

  await page.getByLabel('Status').selectOption('disabled');
  await page.getByRole('button', { name: 'Gem', exact: true }).click();
  await page.getByText('Ændringerne er gemt.').waitFor();

  const pupil = await open();
  await pupil.goto('/login');
  await pupil.getByLabel('Brugernavn').fill('elev5');
  await pupil.getByLabel('Adgangskode').fill('demo');
  await pupil.getByRole('button', { name: 'Log ind', exact: true }).click();
  await pupil.getByText('Din konto er spærret. Kontakt skolens kontor eller din lærer.').waitFor();
  await look(pupil, 'login-disabled');
});

test('too many wrong passwords are throttled with a clear message', async () => {
  const page = await open();
  await page.goto('/login');
  for (let i = 0; i < 10; i++) {
    const r = await page.request.post('/api/v1/session', { data: { username: 'elev59', password: `forkert${i}` } });
    assert.equal(r.status(), 401);
  }
  await page.getByLabel('Brugernavn').fill('elev59');
  await page.getByLabel('Adgangskode').fill('demo');
  await page.getByRole('button', { name: 'Log ind', exact: true }).click();
  await page.getByText('For mange forsøg. Vent et par minutter, og prøv så igen.').waitFor();
  await look(page, 'login-throttled');
});

test('a municipality admin creates a school and sees the school admins', async () => {
  const page = await open();
  await login(page, 'admin');
  await page.getByRole('link', { name: 'Administration' }).click();
  await page.getByRole('link', { name: /Kommunens skoler, administratorer og kontorprogram/ }).click();
  await page.getByRole('heading', { level: 1, name: /^Kommunen/ }).waitFor();
  await look(page, 'municipality');

  await page.getByLabel('Navn').fill('Nordskolen');
  await page.getByLabel('Institutionsnummer').fill('123456');
  await page.getByRole('button', { name: 'Opret skole' }).click();
  await page.getByText('Nordskolen er oprettet.').waitFor();
  await page.getByRole('cell', { name: 'Nordskolen' }).waitFor();

  await page.getByLabel('Skole', { exact: true }).selectOption({ label: 'Tavleskolen' });
  await page.getByRole('link', { name: 'Søren Skoleleder' }).waitFor();
  await look(page, 'municipality-admins');
});

test('a municipality admin is told in Danish why an office server address does not work', async () => {
  const page = await open();
  await login(page, 'admin');
  await page.getByRole('link', { name: 'Administration' }).click();
  await page.getByRole('link', { name: /Kommunens skoler, administratorer og kontorprogram/ }).click();
  const office = page.getByRole('region', { name: 'Kontorprogram (Collabora/OnlyOffice)' });
  // The demo municipality has no office server (and no browser test can give it one).
  await office.getByText('Kommunen har ikke sat et kontorprogram op.').waitFor();
  await office.getByText('https://office.kommune.dk/hosting/discovery', { exact: false }).waitFor();

  // Nothing listens on port 9 there: the server cannot read a discovery, and says so (sent
  // from the keyboard).
  await office.getByLabel('Discovery-adresse').fill('http://127.0.0.1:9/hosting/discovery');
  await office.getByLabel('Discovery-adresse').press('Enter');
  await office.getByText(/^Tavle kunne ikke læse kontorserverens discovery på adressen\. Tjek/).waitFor();
  await office.getByText('Teknisk forklaring:').waitFor();
  assert.equal((await page.request.get('/api/v1/office')).status(), 404, 'nothing was set up');
  assert.equal(await office.getByRole('button', { name: 'Fjern kontorprogram' }).count(), 0);
  await look(page, 'municipality-office-refused');

  await page.setViewportSize({ width: 360, height: 740 });
  assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 360, 'no sideways scrolling');
  await look(page, 'municipality-office-phone');
});

test('switching to English, the account page and logging out everywhere', async () => {
  const page = await open();
  await page.goto('/login');
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { level: 1, name: 'Log in to Tavle' }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await look(page, 'login-en');
  await login(page, 'elev3');
  await page.getByRole('heading', { level: 2, name: 'My classes and teams' }).waitFor();
  await look(page, 'home-en');

  await page.getByRole('link', { name: 'My account' }).click();
  await page.getByRole('heading', { level: 1, name: 'My account' }).waitFor();
  await page.getByText('this device', { exact: true }).waitFor();
  // Times are Copenhagen time: the test server's clock is 2026-11-02 08:00 UTC, 09:00 in Copenhagen.
  await page.getByRole('cell', { name: /2 Nov 2026, 09:00/ }).first().waitFor();
  await look(page, 'account-en');
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'My account' }).waitFor();

  await page.getByRole('radio', { name: 'Dansk' }).check();
  await page.getByRole('heading', { level: 1, name: 'Min konto' }).waitFor();
  await page.getByRole('cell', { name: /2\. nov\. 2026.*09\.00/ }).first().waitFor();
  await look(page, 'account');

  await page.getByRole('button', { name: 'Log ud på alle enheder' }).click();
  await page.getByRole('button', { name: 'Ja, log ud overalt' }).click();
  await page.waitForURL('**/login');
  assert.equal((await page.request.get('/api/v1/me')).status(), 401);
});

test('logging out ends the session, and going back shows nothing', async () => {
  const page = await open();
  await login(page, 'elev4');
  const cls = (await me(page)).groups[0];
  await page.getByRole('link', { name: cls.name, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: cls.name }).waitFor();
  await page.getByRole('button', { name: 'Log ud' }).click();
  await page.waitForURL('**/login');
  assert.equal((await page.request.get('/api/v1/me')).status(), 401);
  await page.goBack();
  await page.waitForURL('**/login');
  await page.getByRole('heading', { level: 1, name: 'Log ind på Tavle' }).waitFor();
  noProblems(page);
});
