// Logging in through a login service in Debian's Chromium: a pupil finds their school, logs in
// at the real provider's page (the OIDC test peer, crates/tavle/tests/peers/oidc) and lands at
// home; a back-channel logout from the provider ends that session; logging out passes through
// the provider's logout; a person Tavle does not know is refused, in Danish and in English.
// Every page of Tavle is checked with axe-core and photographed.
//
// The provider keeps its own session cookie per browser profile, so every scenario logs in
// from a fresh profile, and each uses its own pupil: the suite can run again and again against
// the same Tavle and provider.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BASE, close, launch, look, me, noProblems, open, shot } from '../e2e/harness.mjs';

const CONTROL = process.env.OIDC_CONTROL;
const ISSUER = process.env.OIDC_ISSUER;
if (!CONTROL || !ISSUER) throw new Error('OIDC_CONTROL and OIDC_ISSUER are not set: run this suite through `cargo test` (./test.sh)');

before(launch);
after(close);

/** The path of the page's address (and its query, when asked for). */
const where = (page, query = false) => {
  const u = new URL(page.url());
  return query ? u.pathname + u.search : u.pathname;
};

/** The demo municipality's login page, ready: its login services are listed. */
async function municipalityPage(page, path = '/k/demo') {
  await page.goto(path);
  await page.getByRole('heading', { level: 1, name: /Demo Kommune/ }).waitFor();
}

/** From the municipality's login page, through the Unilogin button to the provider's login
 * form, which is filled in with the account and sent. */
async function throughProvider(page, account) {
  await page.getByRole('link', { name: /^(Log ind med|Log in with) Unilogin$/ }).click();
  await page.waitForURL(`${ISSUER}/interaction/**`);
  await page.getByLabel('Brugernavn').fill(account);
  await page.getByRole('button', { name: 'Log ind' }).click();
}

/** A person's display name, as the municipality's admin sees it (not from the session under test). */
async function displayName(username) {
  const admin = await open();
  const r = await admin.request.post('/api/v1/session', { data: { username: 'admin', password: 'demo' } });
  assert.equal(r.status(), 200);
  const [school] = (await r.json()).schools;
  const people = await (await admin.request.get(`/api/v1/schools/${school.id}/people`)).json();
  const person = people.find((p) => p.username === username);
  assert.ok(person, `${username} is at ${school.name}`);
  await admin.context().close();
  return person.display_name;
}

async function control(path, body) {
  const r = await fetch(`${CONTROL}${path}`, { method: 'POST', body: JSON.stringify(body) });
  const answer = await r.json();
  assert.equal(r.status, 200, `${path}: ${JSON.stringify(answer)}`);
  return answer;
}

/** The pupil of the first scenario, still logged in for the second. */
let elev7;

test('a pupil finds their school and logs in with Unilogin', async () => {
  const name = await displayName('elev7');
  const page = await open();
  await page.goto('/login');
  await page.getByLabel('Find din skole').fill('Tavle');
  await page.getByRole('list', { name: 'Skoler' }).getByRole('link', { name: /Tavleskolen/ }).click();
  await page.waitForURL('**/k/demo');
  await page.getByRole('heading', { level: 1, name: /Demo Kommune/ }).waitFor();
  await page.getByRole('link', { name: 'Log ind med Unilogin' }).waitFor();
  await look(page, 'federated-municipality');

  await page.getByRole('link', { name: 'Log ind med Unilogin' }).click();
  await page.waitForURL(`${ISSUER}/interaction/**`);
  await shot(page, 'federated-provider-login');
  await page.getByLabel('Brugernavn').fill('elev7');
  await page.getByRole('button', { name: 'Log ind' }).click();

  await page.getByRole('heading', { level: 1, name: `Hej ${name}` }).waitFor();
  assert.equal(where(page), '/', 'home after logging in');
  assert.equal((await me(page)).person.username, 'elev7');
  await page.getByRole('banner').getByText(name, { exact: true }).waitFor();
  await look(page, 'federated-home');
  elev7 = page;
});

test('a back-channel logout from the provider ends the session', async () => {
  assert.ok(elev7, 'elev7 logged in in the scenario before');
  const page = elev7;
  assert.equal((await me(page)).person.username, 'elev7');
  const answer = await control('/backchannel-logout', { issuer: 'unilogin', client_id: 'tavle', account: 'elev7' });
  assert.equal(answer.ok, true);
  assert.ok(answer.sent.length > 0 && answer.sent.every((s) => s.status === 200 || s.status === 204), JSON.stringify(answer.sent));

  assert.equal((await page.request.get('/api/v1/me')).status(), 401, 'the session is over');
  await page.reload();
  await page.waitForURL('**/login');
  await page.getByRole('heading', { level: 1, name: 'Log ind på Tavle' }).waitFor();
  await look(page, 'federated-after-backchannel-logout');
  await page.context().close();
});

test('logging out passes through the provider, which forgets the pupil too', async () => {
  const name = await displayName('elev8');
  const page = await open();
  await municipalityPage(page);
  await throughProvider(page, 'elev8');
  await page.getByRole('heading', { level: 1, name: `Hej ${name}` }).waitFor();
  assert.equal((await me(page)).person.username, 'elev8');

  // The app's own button: Tavle ends its session, the provider's logout page submits itself,
  // and the provider sends the browser back to the municipality's login page.
  const visited = [];
  page.on('framenavigated', (f) => f === page.mainFrame() && visited.push(f.url()));
  await page.getByRole('banner').getByRole('button', { name: 'Log ud' }).click();
  await page.waitForURL((u) => u.origin === new URL(BASE).origin && u.pathname === '/k/demo', { timeout: 15_000 });
  assert.ok(
    visited.some((u) => u.startsWith(`${ISSUER}/session/end`)),
    `the browser went through the provider's logout: ${visited.join(' → ')}`,
  );
  await page.getByRole('heading', { level: 1, name: /Demo Kommune/ }).waitFor();
  assert.equal((await page.request.get('/api/v1/me')).status(), 401, 'logged out of Tavle');
  await page.getByRole('link', { name: 'Log ind med Unilogin' }).waitFor();
  await look(page, 'federated-after-logout');

  // The provider asks again: its session ended too.
  await page.getByRole('link', { name: 'Log ind med Unilogin' }).click();
  await page.waitForURL(`${ISSUER}/interaction/**`);
  await page.getByLabel('Brugernavn').waitFor();
  await page.getByRole('button', { name: 'Log ind' }).waitFor();
  noProblems(page);
  await page.context().close();
});

test('a person Tavle does not know is refused, and told why, also on a phone', async () => {
  const page = await open();
  await municipalityPage(page);
  await throughProvider(page, 'nobody42');
  await page.waitForURL('**/k/demo?**');
  assert.equal(where(page, true), '/k/demo?error=login_refused&reason=unknown_person');
  const alert = page.getByRole('alert');
  await alert.getByText('Du er ikke oprettet i Tavle hos Demo Kommune. Spørg din skoles administrator.', { exact: true }).waitFor();
  assert.equal((await page.request.get('/api/v1/me')).status(), 401, 'not logged in');
  await page.getByRole('link', { name: 'Log ind med Unilogin' }).waitFor();
  await look(page, 'federated-refused');

  await page.setViewportSize({ width: 360, height: 740 });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 360, `the page is ${wide} px wide at 360 px`);
  await look(page, 'federated-refused-phone');
  await page.context().close();
});

test('the refusal in English', async () => {
  const page = await open();
  await municipalityPage(page);
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { level: 1, name: /^Log in to Tavle/ }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  // The language is kept through the trip to the provider and back.
  await throughProvider(page, 'nobody43');
  await page.waitForURL('**/k/demo?**');
  assert.equal(where(page, true), '/k/demo?error=login_refused&reason=unknown_person');
  await page.getByRole('alert').getByText("You are not set up in Tavle at Demo Kommune. Ask your school's administrator.", { exact: true }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await page.getByRole('link', { name: 'Log in with Unilogin' }).waitFor();
  await look(page, 'federated-refused-en');
  await page.context().close();
});
