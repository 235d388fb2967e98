// A second factor in Debian's Chromium: a teacher adds a passkey on the account page (with
// Chromium's virtual authenticator) and logs in with it alone, then answers a password login's
// second step with it; another sets up an authenticator app (the test computes its codes, RFC
// 6238) and logs in with the next code and with a recovery code; the municipality's admin
// requires a second factor of staff, and a teacher without one sets up the app while logging in.
// Every new page is checked with axe-core and photographed; a failed scenario leaves a
// screenshot of where it stopped.
//
// Run against a fresh Tavle with the demo municipality (TAVLE_URL, http://localhost:PORT):
// each scenario changes its teacher's factors, so the suite runs once per Tavle. Passkeys need
// a name, not an IP address: an address at 127.0.0.1 is visited as localhost (the name Tavle
// serves a loopback address's passkeys under).

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';

if (!process.env.TAVLE_URL) throw new Error('TAVLE_URL is not set: run this suite through `cargo test` (./test.sh)');
{
  const u = new URL(process.env.TAVLE_URL);
  if (u.hostname === '127.0.0.1' || u.hostname === '[::1]') u.hostname = 'localhost';
  process.env.TAVLE_URL = u.origin;
}
// After TAVLE_URL is settled: the harness reads it when it loads.
const { BASE, close, launch, login, look, me, open, shot } = await import('../e2e/harness.mjs');

let browser;
before(async () => {
  browser = await launch();
});
after(close);

/** The path of the page's address. */
const where = (page) => new URL(page.url()).pathname;

/** Runs a scenario's steps; when one fails, each of its pages is photographed first. */
async function scenario(name, pages, steps) {
  try {
    await steps();
  } catch (e) {
    for (const [i, p] of pages.entries()) await shot(p, `failed-${name}${pages.length > 1 ? `-${i + 1}` : ''}`).catch(() => {});
    throw e;
  }
}

// ---- TOTP (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits) ----

/** RFC 4648 base32 (as authenticator apps take a key typed by hand) to bytes. */
function base32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let value = 0;
  let bits = 0;
  const out = [];
  for (const c of text.toUpperCase().replace(/[\s=]/g, '')) {
    const i = alphabet.indexOf(c);
    assert.ok(i >= 0, `${JSON.stringify(c)} is a base32 character`);
    value = ((value << 5) | i) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const h = createHmac('sha1', base32(secret)).update(counter).digest();
  const offset = h[h.length - 1] & 0xf;
  return String((h.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

// The test of the computation itself: RFC 6238's SHA-1 vector at T = 59 s (step 1).
assert.equal(totp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 1), '287082');

/** The server's time now (ms): the start of a new session of a pupil, as the server records it.
 * The test server's clock may stand still, so the test's own clock would not do. */
async function serverNow() {
  const context = await browser.newContext({ baseURL: BASE });
  try {
    const r = await context.request.post('/api/v1/session', { data: { username: 'elev1', password: 'demo' } });
    assert.equal(r.status(), 200, 'the pupil logs in');
    const sessions = await (await context.request.get('/api/v1/me/sessions')).json();
    const current = sessions.find((s) => s.current);
    assert.ok(current, 'the new session is listed');
    return Date.parse(current.created_at);
  } finally {
    await context.close();
  }
}

/** The app's code for the server's current step, or, when that step (or a later one) was used
 * already (`used`), for the step after it: the server takes a step either side of its own, and
 * each step once. */
async function codeFor(secret, used = -Infinity) {
  const now = Math.floor((await serverNow()) / 30_000);
  const step = Math.max(now, used + 1);
  return { step, code: totp(secret, step) };
}

// ---- Pages ----

/** Username and password on the login page, sent; what follows is the caller's to wait for. */
async function passwordLogin(page, username) {
  await page.goto('/login');
  await page.getByLabel('Brugernavn').fill(username);
  await page.getByLabel('Adgangskode').fill('demo');
  await page.getByRole('button', { name: 'Log ind', exact: true }).click();
}

/** The home page, logged in as `username`: the greeting, and the name in the banner. */
async function home(page, username) {
  await page.getByRole('heading', { level: 1, name: /^Hej / }).waitFor();
  assert.equal(where(page), '/', 'home after logging in');
  const mine = await me(page);
  assert.equal(mine.person.username, username);
  await page.getByRole('heading', { level: 1, name: `Hej ${mine.person.display_name}` }).waitFor();
  await page.getByRole('banner').getByText(mine.person.display_name, { exact: true }).waitFor();
  return mine;
}

async function logout(page) {
  await page.getByRole('banner').getByRole('button', { name: 'Log ud', exact: true }).click();
  await page.waitForURL('**/login');
  await page.getByRole('heading', { level: 1, name: 'Log ind på Tavle' }).waitFor();
}

/** Waits until the element with this id has the focus (a new step's heading takes it). */
async function focused(page, id) {
  await page.waitForFunction((want) => document.activeElement?.id === want, id, { timeout: 5_000 });
}

/** A page with Chromium's virtual authenticator: a platform authenticator that keeps
 * discoverable passkeys, verifies the user and answers at once. */
async function withAuthenticator(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

/** The recovery codes shown once: ten of them. */
async function recoveryCodes(page) {
  const list = page.getByTestId('recovery-codes');
  await list.waitFor();
  const codes = (await list.locator('li').allTextContents()).map((c) => c.trim());
  assert.equal(codes.length, 10, 'ten recovery codes');
  assert.equal(new Set(codes).size, 10, 'all different');
  return codes;
}

/** The authenticator app's key as shown (in groups of four), without the spaces. */
async function secretShown(page) {
  const key = (await page.getByTestId('totp-secret').textContent()).replace(/\s/g, '');
  assert.match(key, /^[A-Z2-7]{16,}$/, 'a base32 key');
  return key;
}

/** Setting up the authenticator app while logging in (the enrolment is shown): the app's first
 * code finishes the login; the recovery codes are shown once, then "Fortsæt" goes home. */
async function enrolWithApp(page, username, photo) {
  const heading = page.getByRole('heading', { level: 2, name: 'Opsæt totrinsbekræftelse' });
  await heading.waitFor();
  await focused(page, 'enrol-heading');
  assert.equal(where(page), '/login');
  assert.equal((await page.request.get('/api/v1/me')).status(), 401, 'not logged in yet');
  if (photo) await look(page, `${photo}-choices`);

  await page.getByRole('button', { name: 'Godkendelses-app på telefonen' }).click();
  await page.getByRole('heading', { level: 2, name: 'Opsæt godkendelses-app' }).waitFor();
  await focused(page, 'enrol-totp-heading');
  const secret = await secretShown(page);
  if (photo) await look(page, `${photo}-app`);
  const first = await codeFor(secret);
  await page.getByLabel('Skriv den kode på 6 cifre, appen viser nu').fill(first.code);
  await page.getByRole('button', { name: 'Slå til', exact: true }).click();

  const codes = await recoveryCodes(page);
  await focused(page, 'h-recovery-codes');
  if (photo) await look(page, `${photo}-codes`);
  await page.getByRole('button', { name: 'Fortsæt', exact: true }).click();
  const mine = await home(page, username);
  return { secret, first, codes, mine };
}

// ---- Scenarios ----

test('a teacher adds a passkey, logs in with it alone, and answers the second step with it', async () => {
  const page = await open();
  await scenario('passkey', [page], async () => {
    const { cdp, authenticatorId } = await withAuthenticator(page);
    await login(page, 'laerer1');
    await page.goto('/account');
    await page.getByRole('heading', { level: 3, name: 'Adgangsnøgler' }).waitFor();
    await page.getByText('Du har ingen adgangsnøgler.').waitFor();

    const name = page.getByLabel('Navn på adgangsnøglen');
    assert.equal(await name.inputValue(), 'Min computer', 'a name to start from');
    await name.fill('Testnøgle');
    await page.getByRole('button', { name: 'Tilføj adgangsnøgle', exact: true }).click();
    await page.getByText('Adgangsnøglen »Testnøgle« er tilføjet.').waitFor();
    const items = page.getByTestId('passkey-item');
    await items.filter({ hasText: 'Testnøgle' }).waitFor();
    assert.equal(await items.count(), 1, 'one passkey listed');
    await items.getByText('aldrig brugt').waitFor();
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.equal(credentials.length, 1, 'the authenticator keeps one passkey');
    assert.equal(credentials[0].isResidentCredential, true, 'a discoverable passkey');
    const factors = await (await page.request.get('/api/v1/me/second-factors')).json();
    assert.equal(factors.passkeys, 1);
    await look(page, 'second-factor-passkey-added');

    // The passkey alone.
    await logout(page);
    await page.getByRole('button', { name: 'Log ind med adgangsnøgle', exact: true }).click();
    const mine = await home(page, 'laerer1');
    await look(page, 'second-factor-passkey-home');

    // A password login asks for the passkey as its second step: no code field (no app).
    await logout(page);
    await passwordLogin(page, 'laerer1');
    await page.getByRole('heading', { level: 2, name: 'Totrinsbekræftelse' }).waitFor();
    await focused(page, 'second-step');
    assert.equal(await page.getByTestId('second-step-code').count(), 0, 'no code field without an authenticator app');
    assert.equal((await page.request.get('/api/v1/me')).status(), 401, 'not logged in yet');
    await look(page, 'second-factor-step-passkey');
    await page.getByRole('button', { name: 'Brug adgangsnøgle', exact: true }).click();
    assert.equal((await home(page, 'laerer1')).person.id, mine.person.id);

    // The account page now says when it was last used.
    await page.goto('/account');
    await page.getByTestId('passkey-item').filter({ hasText: 'Testnøgle' }).getByText(/sidst brugt/).waitFor();
  });
  await page.context().close();
});

test('a teacher sets up an authenticator app, then logs in with its next code and with a recovery code', async () => {
  const page = await open();
  await scenario('totp', [page], async () => {
    await login(page, 'laerer2');
    await page.goto('/account');
    await page.getByRole('heading', { level: 2, name: 'Totrinsbekræftelse' }).waitFor();
    await page.getByRole('button', { name: 'Opsæt godkendelses-app', exact: true }).click();
    await page.getByRole('heading', { level: 3, name: 'Opsæt godkendelses-app' }).waitFor();
    const secret = await secretShown(page);
    await look(page, 'second-factor-app-setup');
    const first = await codeFor(secret);
    await page.getByLabel('Skriv den kode på 6 cifre, appen viser nu').fill(first.code);
    await page.getByRole('button', { name: 'Slå til', exact: true }).click();
    const codes = await recoveryCodes(page);
    await look(page, 'second-factor-app-codes');
    await page.getByRole('button', { name: 'Færdig', exact: true }).click();
    await page.getByText('Godkendelses-app er slået til.').waitFor();

    // The next step's code answers the second step (the first step's code was used).
    await logout(page);
    await passwordLogin(page, 'laerer2');
    await page.getByRole('heading', { level: 2, name: 'Totrinsbekræftelse' }).waitFor();
    await focused(page, 'second-step');
    assert.equal(await page.getByRole('button', { name: 'Brug adgangsnøgle' }).count(), 0, 'no passkey to use');
    await look(page, 'second-factor-step-app');
    const next = await codeFor(secret, first.step);
    await page.getByLabel('Kode fra din godkendelses-app eller en gendannelseskode').fill(next.code);
    await page.getByRole('button', { name: 'Log ind', exact: true }).click();
    await home(page, 'laerer2');

    // A recovery code, once.
    await logout(page);
    await passwordLogin(page, 'laerer2');
    await page.getByRole('heading', { level: 2, name: 'Totrinsbekræftelse' }).waitFor();
    await page.getByRole('button', { name: 'Har du ikke din telefon? Brug en gendannelseskode' }).click();
    await page.getByLabel('Kode fra din godkendelses-app eller en gendannelseskode').fill(codes[0]);
    await page.getByRole('button', { name: 'Log ind', exact: true }).click();
    await home(page, 'laerer2');
    const factors = await (await page.request.get('/api/v1/me/second-factors')).json();
    assert.equal(factors.totp, true);
    assert.equal(factors.recovery_codes_left, 9, 'the recovery code is used up');
  });
  await page.context().close();
});

test("the municipality requires a second factor of staff, and a teacher without one sets it up while logging in", async () => {
  const admin = await open();
  const teacher = await open();
  await scenario('rule', [admin, teacher], async () => {
    /** The rule on the Login-tjenester page: the staff box set to `on`, saved. */
    async function setRule(on, saved) {
      await admin.goto('/admin/login');
      await admin.getByRole('heading', { level: 2, name: 'Krav om totrinslogin' }).waitFor();
      const staff = admin.getByRole('checkbox', { name: 'Alle medarbejdere og lærere' });
      await staff.setChecked(on);
      await admin.getByRole('button', { name: 'Gem krav', exact: true }).click();
      await admin.getByText(saved).waitFor();
      const rule = await (await admin.request.get('/api/v1/second-factor-rule')).json();
      assert.deepEqual(rule.roles, on ? ['staff'] : []);
    }

    await login(admin, 'admin');
    await setRule(true, 'Kravet er gemt. Det gælder fra hver persons næste login.');
    await admin.getByRole('checkbox', { name: 'Skoleledere og skoleadministration' }).waitFor();
    await admin.getByRole('checkbox', { name: 'Kommunens administratorer' }).waitFor();
    await look(admin, 'second-factor-rule');
    await logout(admin);

    // A teacher with no second factor sets one up to finish logging in.
    await passwordLogin(teacher, 'laerer3');
    await enrolWithApp(teacher, 'laerer3', 'second-factor-enrol');
    const factors = await (await teacher.request.get('/api/v1/me/second-factors')).json();
    assert.equal(factors.totp, true);
    assert.equal(factors.required, true);

    // The admin clears the rule again (the admin works at the school, so the rule may ask
    // them to set up a factor first).
    await passwordLogin(admin, 'admin');
    const greeting = admin.getByRole('heading', { level: 1, name: /^Hej / });
    const enrolment = admin.getByRole('heading', { level: 2, name: 'Opsæt totrinsbekræftelse' });
    await greeting.or(enrolment).waitFor();
    if (await enrolment.isVisible()) await enrolWithApp(admin, 'admin');
    else await home(admin, 'admin');
    await setRule(false, 'Kravet er gemt: ingen skal bruge et andet trin.');
  });
  await admin.context().close();
  await teacher.context().close();
});
