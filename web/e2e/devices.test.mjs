// Connecting devices: a sync client's Login Flow v2 approved in the browser, and app passwords
// made and revoked on the account page. Each secret is then tried against WebDAV.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BASE, close, launch, look, open } from './harness.mjs';

before(launch);
after(close);

/** The status of a PROPFIND on the person's own files with these credentials. */
async function propfind(user, secret) {
  const r = await fetch(`${BASE}/remote.php/dav/files/${user}/`, {
    method: 'PROPFIND',
    headers: { Depth: '0', Authorization: `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}` },
  });
  await r.arrayBuffer();
  return r.status;
}

async function poll(flow) {
  return fetch(flow.poll.endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `token=${encodeURIComponent(flow.poll.token)}`,
  });
}

test('a sync client asks for access, the pupil approves it after logging in, and the client gets in', async () => {
  const start = await fetch(`${BASE}/index.php/login/v2`, {
    method: 'POST',
    headers: { 'User-Agent': 'Mozilla/5.0 (Linux) mirall/3.7.3 (Nextcloud, debian)' },
  });
  assert.equal(start.status, 200);
  const flow = await start.json();
  assert.equal((await poll(flow)).status, 404, 'nothing until approved');

  const page = await open();
  await page.goto(flow.login);
  await page.waitForURL('**/login');
  await page.getByLabel('Brugernavn').fill('elev7');
  await page.getByLabel('Adgangskode').fill('demo');
  await page.getByRole('button', { name: 'Log ind', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Forbind en enhed' }).waitFor();
  assert.match(page.url(), /\/login\/flow\//, 'back to the request after logging in');
  await page.getByText(/mirall\/3\.7\.3.*beder om adgang til dine filer/).waitFor();
  await look(page, 'login-flow');
  await page.getByRole('button', { name: 'Giv adgang' }).click();
  await page.getByText('Enheden er forbundet.', { exact: false }).waitFor();

  const answer = await poll(flow);
  assert.equal(answer.status, 200);
  const got = await answer.json();
  assert.equal(got.loginName, 'elev7');
  assert.equal(got.server, BASE);
  assert.equal(await propfind('elev7', got.appPassword), 207, 'the app password works');
  assert.equal((await poll(flow)).status, 404, 'it is handed over once');

  // The device is listed on the account page, and revoking it locks it out.
  await page.goto('/account');
  await page.getByRole('heading', { level: 2, name: 'App-adgangskoder' }).waitFor();
  await page.getByRole('cell', { name: /mirall/, exact: true }).first().waitFor();
  await page.getByRole('button', { name: /^Tilbagekald app-adgangskoden »Mozilla/ }).click();
  await page.getByText('App-adgangskoden »Mozilla', { exact: false }).waitFor();
  assert.equal(await propfind('elev7', got.appPassword), 401, 'revoked');
});

test('a pupil makes an app password on the account page, at phone width', async () => {
  const page = await open({ width: 360, height: 740 });
  await page.goto('/account');
  await page.getByLabel('Brugernavn').fill('elev8');
  await page.getByLabel('Adgangskode').fill('demo');
  await page.getByRole('button', { name: 'Log ind', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Min konto' }).waitFor();
  await page.getByText('Du har ingen app-adgangskoder.').waitFor();
  await page.getByLabel('Enhed').fill('Min telefon');
  await page.getByRole('button', { name: 'Lav app-adgangskode' }).click();
  const secret = (await page.getByTestId('app-password').textContent()).trim();
  assert.match(secret, /^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){4}$/);
  await page.getByRole('cell', { name: 'Min telefon', exact: true }).waitFor();
  await look(page, 'account-app-password');
  assert.equal(await propfind('elev8', secret), 207);
  assert.equal(await propfind('elev8', 'demo'), 401, 'outside the demo command, the password is not enough');
});
