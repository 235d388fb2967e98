// Self-test for provider.mjs: `node selftest.mjs` (exit 0 on success).
//
// Starts provider.mjs with a temporary config whose clients point at a small capture server
// (127.0.0.1:0) standing in for Tavle, then drives the flows with fetch and a tiny cookie jar.

import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as jose from 'jose';

const here = path.dirname(fileURLToPath(import.meta.url));
const started = Date.now();
const SECRET = 's3cret-of-at-least-32-characters-xxxx';

// ---------------------------------------------------------------------------------------------
// Capture server (stands in for Tavle)
// ---------------------------------------------------------------------------------------------
const captured = { callbacks: [], backchannel: [] };
const waiters = [];
function notify() {
  for (const w of [...waiters]) {
    if (w.pred()) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  }
}
function waitFor(pred, what, ms = 3000) {
  if (pred()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const w = { pred, resolve };
    waiters.push(w);
    setTimeout(() => {
      const i = waiters.indexOf(w);
      if (i !== -1) {
        waiters.splice(i, 1);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, ms);
  });
}

let bclStatus = 200;
const capture = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url, 'http://x');
    if (req.method === 'POST' && url.pathname.endsWith('/bcl')) {
      captured.backchannel.push({
        path: url.pathname,
        contentType: req.headers['content-type'],
        form: Object.fromEntries(new URLSearchParams(body)),
      });
      res.writeHead(bclStatus);
      res.end();
    } else {
      captured.callbacks.push({ path: url.pathname, query: Object.fromEntries(url.searchParams) });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    }
    notify();
  });
});
await new Promise((r) => capture.listen(0, '127.0.0.1', r));
const CAP = `http://127.0.0.1:${capture.address().port}`;

// ---------------------------------------------------------------------------------------------
// Provider process
// ---------------------------------------------------------------------------------------------
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-peer-selftest-'));
const configPath = path.join(tmp, 'config.json');
fs.writeFileSync(configPath, JSON.stringify({
  clients: [
    {
      client_id: 'tavle',
      client_secret: SECRET,
      redirect_uris: [`${CAP}/unilogin/callback`],
      post_logout_redirect_uris: [`${CAP}/k/0751`],
      backchannel_logout_uri: `${CAP}/unilogin/bcl`,
      issuer: 'unilogin',
    },
    {
      client_id: 'tavle',
      client_secret: SECRET,
      redirect_uris: [`${CAP}/staff/callback`],
      post_logout_redirect_uris: [`${CAP}/k/0751`],
      backchannel_logout_uri: `${CAP}/staff/bcl`,
      issuer: 'staff',
    },
    {
      client_id: 'tavle',
      client_secret: SECRET,
      redirect_uris: [`${CAP}/hostile/callback`],
      issuer: 'hostile',
    },
  ],
  accounts: {
    unilogin: {
      abcd1234: {
        uniid: 'abcd1234', aktoer_gruppe: 'Elev', unilogin_loa: 'EnFaktor', loa: 2, institution_ids: ['280001'],
      },
    },
    staff: { tea1: { preferred_username: 'tea1', amr: ['pwd', 'otp'], acr: 'substantial' } },
  },
  bench: false,
}));

const child = spawn(process.execPath, [path.join(here, 'provider.mjs'), configPath], {
  stdio: ['pipe', 'pipe', 'pipe'],
});
let stderr = '';
child.stderr.on('data', (d) => { stderr += d; });
let stdout = '';
const announced = new Promise((resolve, reject) => {
  child.stdout.on('data', (d) => {
    stdout += d;
    const nl = stdout.indexOf('\n');
    if (nl !== -1) resolve(JSON.parse(stdout.slice(0, nl)));
  });
  child.once('exit', (code) => reject(new Error(`provider exited early (${code})\n${stderr}`)));
  setTimeout(() => reject(new Error(`provider did not announce itself\n${stderr}`)), 15000);
});

let passed = 0;
function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  passed += 1;
}
function eq(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`check failed: ${what}: expected ${e}, got ${a}`);
  passed += 1;
}
async function step(name, fn) {
  const t = Date.now();
  await fn();
  console.log(`ok   ${name} (${Date.now() - t}ms)`);
}

// ---------------------------------------------------------------------------------------------
// HTTP client with a cookie jar and manual redirects
// ---------------------------------------------------------------------------------------------
class Jar {
  constructor() { this.cookies = new Map(); }

  store(res) {
    for (const sc of res.headers.getSetCookie()) {
      const [pair, ...attrs] = sc.split(';').map((s) => s.trim());
      const eqAt = pair.indexOf('=');
      const name = pair.slice(0, eqAt);
      const value = pair.slice(eqAt + 1);
      let cpath = '/';
      let expired = value === '';
      for (const a of attrs) {
        const [k, v] = a.split('=');
        if (k.toLowerCase() === 'path') cpath = v;
        if (k.toLowerCase() === 'expires' && new Date(v).getTime() <= Date.now()) expired = true;
        if (k.toLowerCase() === 'max-age' && Number(v) <= 0) expired = true;
      }
      const key = `${name}|${cpath}`;
      if (expired) this.cookies.delete(key);
      else this.cookies.set(key, { name, value, path: cpath });
    }
  }

  header(url) {
    const p = new URL(url).pathname;
    return [...this.cookies.values()]
      .filter((c) => p === c.path || p.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  async fetch(url, init = {}) {
    const headers = new Headers(init.headers);
    const cookie = this.header(url);
    if (cookie) headers.set('cookie', cookie);
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.store(res);
    return res;
  }

  // Follow redirects until one points at the capture server (Tavle) or a non-redirect answer.
  async follow(url, init = {}) {
    let res = await this.fetch(url, init);
    for (let hops = 0; hops < 20; hops += 1) {
      if (res.status < 300 || res.status >= 400) return { res, url };
      const next = new URL(res.headers.get('location'), url).href;
      await res.arrayBuffer();
      if (next.startsWith(CAP)) return { redirect: next, status: res.status };
      url = next;
      res = await this.fetch(url);
    }
    throw new Error('too many redirects');
  }
}

function pkce() {
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

function decode(jwt) {
  const [h, p, s] = jwt.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url')),
    payload: JSON.parse(Buffer.from(p, 'base64url')),
    signature: s,
  };
}

async function json(res) {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`expected JSON (${res.status}): ${text.slice(0, 300)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------
let exitCode = 0;
try {
  const info = await announced;
  const { unilogin, staff, hostile, control } = info;
  eq(Object.keys(info), ['port', 'unilogin', 'staff', 'hostile', 'control'], 'announcement keys');
  eq(unilogin, `http://127.0.0.1:${info.port}/unilogin`, 'unilogin issuer');

  const disco = {};
  const jwks = {};
  await step('discovery', async () => {
    for (const [name, iss] of Object.entries({ unilogin, staff, hostile })) {
      const res = await fetch(`${iss}/.well-known/openid-configuration`);
      eq(res.status, 200, `${name} discovery status`);
      const d = await json(res);
      eq(d.issuer, iss, `${name} discovery issuer`);
      eq(d.authorization_response_iss_parameter_supported, true, `${name} iss parameter`);
      eq(d.code_challenge_methods_supported, ['S256'], `${name} PKCE methods`);
      eq(d.backchannel_logout_supported, true, `${name} back-channel logout`);
      check(d.end_session_endpoint?.startsWith(iss), `${name} end_session_endpoint`);
      check(d.jwks_uri?.startsWith(iss), `${name} jwks_uri`);
      disco[name] = d;
      jwks[name] = jose.createLocalJWKSet(await json(await fetch(d.jwks_uri)));
    }
    eq(disco.unilogin.scopes_supported, ['openid'], 'unilogin scopes');
    eq(disco.unilogin.id_token_signing_alg_values_supported, ['RS256'], 'unilogin alg');
    eq(disco.staff.id_token_signing_alg_values_supported, ['ES256'], 'staff alg');
    check(disco.staff.scopes_supported.includes('profile'), 'staff profile scope');
    eq(disco.hostile.id_token_signing_alg_values_supported, ['RS256', 'ES256', 'HS256'], 'hostile algs');
  });

  function authorizeUrl(iss, { clientId = 'tavle', redirectUri, scope = 'openid', challenge, loginHint, state, nonce }) {
    const u = new URL(disco[iss === unilogin ? 'unilogin' : iss === staff ? 'staff' : 'hostile'].authorization_endpoint);
    u.searchParams.set('response_type', 'code');
    u.searchParams.set('client_id', clientId);
    u.searchParams.set('redirect_uri', redirectUri);
    u.searchParams.set('scope', scope);
    u.searchParams.set('state', state);
    u.searchParams.set('nonce', nonce);
    if (challenge) {
      u.searchParams.set('code_challenge', challenge);
      u.searchParams.set('code_challenge_method', 'S256');
    }
    if (loginHint) u.searchParams.set('login_hint', loginHint);
    return u.href;
  }

  async function redeem(name, { code, verifier, redirectUri, clientId = 'tavle', secret = SECRET, post = false }) {
    const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri });
    if (verifier) body.set('code_verifier', verifier);
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    if (post) {
      body.set('client_id', clientId);
      body.set('client_secret', secret);
    } else {
      headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
    }
    const res = await fetch(disco[name].token_endpoint, { method: 'POST', headers, body });
    return { status: res.status, body: await json(res) };
  }

  const uniJar = new Jar();
  let uniIdToken;
  let uniCode;
  let uniVerifier;
  const uniRedirect = `${CAP}/unilogin/callback`;
  await step('unilogin code flow with login_hint + PKCE (client_secret_basic)', async () => {
    const { verifier, challenge } = pkce();
    const state = crypto.randomUUID();
    const nonce = crypto.randomUUID();
    const out = await uniJar.follow(authorizeUrl(unilogin, {
      redirectUri: uniRedirect, challenge, loginHint: 'abcd1234', state, nonce,
    }));
    check(out.redirect, `expected redirect to callback, got ${out.res?.status}`);
    const cb = new URL(out.redirect);
    eq(cb.pathname, '/unilogin/callback', 'callback path');
    eq(cb.searchParams.get('state'), state, 'callback state');
    eq(cb.searchParams.get('iss'), unilogin, 'callback iss');
    check(cb.searchParams.get('code'), 'callback code');
    uniCode = cb.searchParams.get('code');
    uniVerifier = verifier;

    const tok = await redeem('unilogin', { code: uniCode, verifier, redirectUri: uniRedirect });
    eq(tok.status, 200, `token status ${JSON.stringify(tok.body)}`);
    uniIdToken = tok.body.id_token;
    const { payload, protectedHeader } = await jose.jwtVerify(uniIdToken, jwks.unilogin, {
      issuer: unilogin, audience: 'tavle',
    });
    eq(protectedHeader.alg, 'RS256', 'unilogin id token alg');
    check(protectedHeader.kid, 'unilogin id token kid');
    eq(payload.sub, 'abcd1234', 'sub');
    eq(payload.uniid, 'abcd1234', 'uniid');
    eq(payload.aktoer_gruppe, 'Elev', 'aktoer_gruppe');
    eq(payload.unilogin_loa, 'EnFaktor', 'unilogin_loa');
    eq(payload.loa, 2, 'loa');
    eq(payload.institution_ids, ['280001'], 'institution_ids');
    eq(payload.nonce, nonce, 'nonce');
    check(typeof payload.sid === 'string' && payload.sid, 'sid in id token');
  });

  await step('same code redeemed twice is refused', async () => {
    const again = await redeem('unilogin', { code: uniCode, verifier: uniVerifier, redirectUri: uniRedirect });
    eq(again.status, 400, 'second redemption status');
    eq(again.body.error, 'invalid_grant', 'second redemption error');
  });

  await step('authorize without PKCE is refused', async () => {
    const state = crypto.randomUUID();
    const out = await new Jar().follow(authorizeUrl(unilogin, {
      redirectUri: uniRedirect, loginHint: 'abcd1234', state, nonce: 'n',
    }));
    check(out.redirect, 'error redirect');
    const cb = new URL(out.redirect);
    eq(cb.searchParams.get('error'), 'invalid_request', 'error code');
    check(/PKCE/.test(cb.searchParams.get('error_description')), 'error mentions PKCE');
    eq(cb.searchParams.get('state'), state, 'error state');
    eq(cb.searchParams.get('iss'), unilogin, 'error iss');
  });

  await step('wrong code_verifier is refused', async () => {
    const { challenge } = pkce();
    const out = await new Jar().follow(authorizeUrl(unilogin, {
      redirectUri: uniRedirect, challenge, loginHint: 'pkceuser', state: 's', nonce: 'n',
    }));
    const code = new URL(out.redirect).searchParams.get('code');
    const tok = await redeem('unilogin', { code, verifier: pkce().verifier, redirectUri: uniRedirect });
    eq([tok.status, tok.body.error], [400, 'invalid_grant'], 'PKCE mismatch refused');
  });

  await step('interaction abort gives access_denied at the callback', async () => {
    const jar = new Jar();
    const { challenge } = pkce();
    const out = await jar.follow(authorizeUrl(unilogin, {
      redirectUri: uniRedirect, challenge, state: 'ab', nonce: 'n',
    }));
    const html = await out.res.text();
    const action = /<form method="post" action="([^"]+\/abort)">/.exec(html)?.[1];
    check(action, 'abort form');
    const done = await jar.follow(new URL(action, out.url).href, { method: 'POST' });
    const cb = new URL(done.redirect);
    eq([cb.searchParams.get('error'), cb.searchParams.get('state'), cb.searchParams.get('iss')],
      ['access_denied', 'ab', unilogin], 'abort callback');
  });

  await step('unknown unilogin account still logs in with default claims', async () => {
    const { verifier, challenge } = pkce();
    const out = await new Jar().follow(authorizeUrl(unilogin, {
      redirectUri: uniRedirect, challenge, loginHint: 'nobody99', state: 's', nonce: 'n',
    }));
    const code = new URL(out.redirect).searchParams.get('code');
    const tok = await redeem('unilogin', { code, verifier, redirectUri: uniRedirect, post: true });
    eq(tok.status, 200, 'token status');
    const { payload } = decode(tok.body.id_token);
    eq([payload.sub, payload.uniid, payload.aktoer_gruppe, payload.unilogin_loa],
      ['nobody99', 'nobody99', 'Elev', 'EnFaktor'], 'default claims');
  });

  await step('POST /control/accounts sets an account at runtime', async () => {
    const res = await fetch(`${control}/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ issuer: 'unilogin', id: 'lrr1', claims: { uniid: 'lrr1', aktoer_gruppe: 'Laerer', unilogin_loa: 'ToFaktor', institution_ids: ['280001', '280002'] } }),
    });
    eq(res.status, 200, 'accounts status');
    const { verifier, challenge } = pkce();
    const out = await new Jar().follow(authorizeUrl(unilogin, {
      redirectUri: uniRedirect, challenge, loginHint: 'lrr1', state: 's', nonce: 'n',
    }));
    const code = new URL(out.redirect).searchParams.get('code');
    const { payload } = decode((await redeem('unilogin', { code, verifier, redirectUri: uniRedirect })).body.id_token);
    eq([payload.sub, payload.aktoer_gruppe, payload.unilogin_loa, payload.institution_ids],
      ['lrr1', 'Laerer', 'ToFaktor', ['280001', '280002']], 'runtime account claims');
  });

  let staffIdToken;
  const staffJar = new Jar();
  await step('staff form login (interaction page + POST), client_secret_post, ES256', async () => {
    const { verifier, challenge } = pkce();
    const state = crypto.randomUUID();
    const nonce = crypto.randomUUID();
    const staffRedirect = `${CAP}/staff/callback`;
    const out = await staffJar.follow(authorizeUrl(staff, {
      redirectUri: staffRedirect, scope: 'openid profile', challenge, state, nonce,
    }));
    eq(out.res?.status, 200, 'interaction page status');
    const html = await out.res.text();
    check(html.includes('<label for="login">Brugernavn</label>'), 'login label');
    check(html.includes('<label for="login">Brugernavn</label><input id="login" name="login">'), 'login input');
    check(html.includes('>Log ind</button>'), 'Log ind button');
    const action = /<form method="post" action="([^"]+\/login)">/.exec(html)?.[1];
    check(action, 'login form action');
    const posted = await staffJar.follow(new URL(action, out.url).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ login: 'tea1' }),
    });
    check(posted.redirect, `redirect after login, got ${posted.res?.status}`);
    const cb = new URL(posted.redirect);
    eq(cb.searchParams.get('iss'), staff, 'staff callback iss');
    eq(cb.searchParams.get('state'), state, 'staff callback state');
    const tok = await redeem('staff', {
      code: cb.searchParams.get('code'), verifier, redirectUri: staffRedirect, post: true,
    });
    eq(tok.status, 200, `staff token status ${JSON.stringify(tok.body)}`);
    staffIdToken = tok.body.id_token;
    const { payload, protectedHeader } = await jose.jwtVerify(staffIdToken, jwks.staff, {
      issuer: staff, audience: 'tavle',
    });
    eq(protectedHeader.alg, 'ES256', 'staff alg');
    eq(payload.sub, 'tea1', 'staff sub');
    eq(payload.preferred_username, 'tea1', 'staff preferred_username');
    eq(payload.amr, ['pwd', 'otp'], 'staff amr');
    eq(payload.acr, 'substantial', 'staff acr');
    eq(payload.nonce, nonce, 'staff nonce');
  });

  await step('control: sessions and back-channel logout', async () => {
    const s = await json(await fetch(`${control}/sessions?issuer=unilogin`));
    const mine = s.sessions.filter((x) => x.account === 'abcd1234' && x.client_id === 'tavle');
    eq(mine.length, 1, 'one live unilogin session for abcd1234');
    eq(mine[0].sid, decode(uniIdToken).payload.sid, 'session sid equals ID token sid');

    const before = captured.backchannel.length;
    const res = await fetch(`${control}/backchannel-logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ issuer: 'unilogin', client_id: 'tavle', account: 'abcd1234' }),
    });
    const body = await json(res);
    eq(res.status, 200, `backchannel-logout status ${JSON.stringify(body)}`);
    eq(body.ok, true, 'ok');
    await waitFor(() => captured.backchannel.length > before, 'back-channel logout');
    const got = captured.backchannel[before];
    eq(got.path, '/unilogin/bcl', 'back-channel path');
    check(got.contentType.startsWith('application/x-www-form-urlencoded'), 'form content type');
    const { payload, protectedHeader } = await jose.jwtVerify(got.form.logout_token, jwks.unilogin, {
      issuer: unilogin, audience: 'tavle', typ: 'logout+jwt',
    });
    check(protectedHeader.kid, 'logout token kid');
    check('http://schemas.openid.net/event/backchannel-logout' in payload.events, 'events claim');
    eq(payload.sub, 'abcd1234', 'logout token sub');
    eq(payload.sid, mine[0].sid, 'logout token sid');
    check(payload.jti && payload.iat, 'logout token jti/iat');
    check(!('nonce' in payload), 'no nonce in logout token');

    // explicit sid, no sub
    const before2 = captured.backchannel.length;
    const r2 = await json(await fetch(`${control}/backchannel-logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        issuer: 'staff', client_id: 'tavle', account: 'tea1', sid: 'some-sid', omit_sub: true,
      }),
    }));
    eq(r2.ok, true, 'staff back-channel ok');
    await waitFor(() => captured.backchannel.length > before2, 'staff back-channel logout');
    const p2 = (await jose.jwtVerify(captured.backchannel[before2].form.logout_token, jwks.staff, {
      issuer: staff, audience: 'tavle',
    })).payload;
    eq([p2.sid, 'sub' in p2], ['some-sid', false], 'sid-only logout token');

    // a failing RP answer becomes a 500 with the error text
    bclStatus = 400;
    const r3 = await fetch(`${control}/backchannel-logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ issuer: 'unilogin', client_id: 'tavle', account: 'abcd1234', sid: 'x' }),
    });
    bclStatus = 200;
    const r3b = await json(r3);
    eq(r3.status, 500, 'failing RP -> 500');
    check(/400/.test(r3b.error), 'error text names the status');
  });

  await step('login_hint for another account replaces the SSO session', async () => {
    const before = captured.backchannel.length;
    const { verifier, challenge } = pkce();
    const out = await uniJar.follow(authorizeUrl(unilogin, {
      redirectUri: uniRedirect, challenge, loginHint: 'efgh5678', state: 's2', nonce: 'n2',
    }));
    check(out.redirect, `redirect to callback, got ${out.res?.status}`);
    const code = new URL(out.redirect).searchParams.get('code');
    const tok = await redeem('unilogin', { code, verifier, redirectUri: uniRedirect });
    eq(decode(tok.body.id_token).payload.sub, 'efgh5678', 'new account');
    await waitFor(() => captured.backchannel.length > before, 'back-channel logout of the old session');
    eq(decode(captured.backchannel[before].form.logout_token).payload.sub, 'abcd1234', 'old session logged out');
    uniIdToken = tok.body.id_token;
  });

  await step('SSO: second authorize reuses the session (no login page)', async () => {
    const { challenge } = pkce();
    const out = await uniJar.follow(authorizeUrl(unilogin, {
      redirectUri: uniRedirect, challenge, state: 's3', nonce: 'n3',
    }));
    check(out.redirect && new URL(out.redirect).searchParams.get('code'), 'code without interaction');
  });

  await step('RP-initiated logout auto-submits and sends back-channel logout', async () => {
    const before = captured.backchannel.length;
    const u = new URL(disco.unilogin.end_session_endpoint);
    u.searchParams.set('id_token_hint', uniIdToken);
    u.searchParams.set('post_logout_redirect_uri', `${CAP}/k/0751`);
    u.searchParams.set('state', 'bye');
    const out = await uniJar.follow(u.href);
    eq(out.res?.status, 200, 'logout page');
    const html = await out.res.text();
    check(html.includes('document.forms[0].submit()'), 'auto-submit script');
    const action = /action="([^"]+)"/.exec(html)[1];
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)[1];
    check(/name="logout" value="yes"/.test(html), 'logout=yes field');
    const done = await uniJar.follow(new URL(action, out.url).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf, logout: 'yes' }),
    });
    eq(done.redirect, `${CAP}/k/0751?state=bye`, 'post logout redirect');
    await waitFor(() => captured.backchannel.length > before, 'back-channel logout on RP-initiated logout');
    const s = await json(await fetch(`${control}/sessions?issuer=unilogin`));
    eq(s.sessions.filter((x) => x.account === 'efgh5678').length, 0, 'session gone');
  });

  await step('POST /control/clients registers a client at runtime', async () => {
    const redirectUri = `${CAP}/unilogin2/callback`;
    const res = await fetch(`${control}/clients`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: 'tavle2',
        client_secret: `${SECRET}-2`,
        redirect_uris: [redirectUri],
        post_logout_redirect_uris: [],
        backchannel_logout_uri: `${CAP}/unilogin2/bcl`,
        issuer: 'unilogin',
      }),
    });
    eq(res.status, 200, 'register status');
    const { verifier, challenge } = pkce();
    const out = await new Jar().follow(authorizeUrl(unilogin, {
      clientId: 'tavle2', redirectUri, challenge, loginHint: 'abcd1234', state: 's', nonce: 'n',
    }));
    check(out.redirect?.startsWith(redirectUri), 'redirect to new client');
    const code = new URL(out.redirect).searchParams.get('code');
    const tok = await redeem('unilogin', {
      code, verifier, redirectUri, clientId: 'tavle2', secret: `${SECRET}-2`,
    });
    eq(tok.status, 200, 'token for runtime client');
    eq(decode(tok.body.id_token).payload.aud, 'tavle2', 'aud');

    // replace: new redirect URI, old one no longer accepted
    await fetch(`${control}/clients`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: 'tavle2', client_secret: `${SECRET}-2`, redirect_uris: [`${CAP}/other/callback`], issuer: 'unilogin',
      }),
    });
    const refused = await new Jar().follow(authorizeUrl(unilogin, {
      clientId: 'tavle2', redirectUri, challenge, loginHint: 'abcd1234', state: 's', nonce: 'n',
    }));
    eq(refused.res?.status, 400, 'old redirect_uri refused after replacement');

    const bad = await fetch(`${control}/clients`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'x', redirect_uris: ['not a url'], issuer: 'unilogin' }),
    });
    eq(bad.status, 400, 'invalid client metadata -> 400');
  });

  // ---- hostile --------------------------------------------------------------------------------
  const hostileRedirect = `${CAP}/hostile/callback`;
  async function hostileAuth(nonce = crypto.randomUUID(), state = crypto.randomUUID()) {
    const { challenge } = pkce();
    const out = await new Jar().follow(authorizeUrl(hostile, {
      redirectUri: hostileRedirect, challenge, state, nonce,
    }));
    return { cb: new URL(out.redirect), nonce, state, challenge };
  }
  async function hostileToken(code = 'c') {
    const res = await fetch(disco.hostile.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code', code, redirect_uri: hostileRedirect, client_id: 'tavle', client_secret: SECRET, code_verifier: 'v',
      }),
    });
    return { status: res.status, body: await json(res) };
  }
  async function next(spec) {
    const res = await fetch(`${control}/hostile/next`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec),
    });
    eq(res.status, 200, `hostile/next ${JSON.stringify(spec)}`);
  }
  const hostileJwks = async () => jose.createLocalJWKSet(await json(await fetch(disco.hostile.jwks_uri)));

  await step('hostile: default flow gives a valid RS256 token', async () => {
    const { cb, nonce, state, challenge } = await hostileAuth();
    eq(cb.searchParams.get('state'), state, 'state');
    eq(cb.searchParams.get('iss'), hostile, 'iss');
    check(cb.searchParams.get('code'), 'code');
    const tok = await hostileToken(cb.searchParams.get('code'));
    eq(tok.status, 200, 'token status');
    eq([tok.body.access_token, tok.body.token_type, tok.body.expires_in], ['x', 'Bearer', 60], 'token response');
    const { payload } = await jose.jwtVerify(tok.body.id_token, await hostileJwks(), { issuer: hostile, audience: 'tavle' });
    eq([payload.sub, payload.nonce], ['hostile-sub', nonce], 'default claims');
    check(payload.exp - payload.iat === 300, 'exp = iat + 300');
    const st = await json(await fetch(`${control}/hostile/state`));
    eq(st.last_auth.code_challenge, challenge, 'state remembers code_challenge');
    eq(st.last_token_request.params.code_verifier, 'v', 'state remembers token request');
  });

  await step('hostile: claims/$nonce/remove_claims/header, then back to default', async () => {
    const { nonce } = await hostileAuth();
    await next({ claims: { sub: 'evil', aud: 'someone-else', nonce2: '$nonce' }, remove_claims: ['nonce'], header: { typ: null, cty: 'x' } });
    const forged = decode((await hostileToken()).body.id_token);
    eq([forged.payload.sub, forged.payload.aud, forged.payload.nonce2, 'nonce' in forged.payload], ['evil', 'someone-else', nonce, false], 'scripted claims');
    eq([forged.header.typ, forged.header.cty], [undefined, 'x'], 'scripted header');
    const again = decode((await hostileToken()).body.id_token);
    eq([again.payload.sub, again.payload.nonce], ['hostile-sub', nonce], 'one-shot');
  });

  await step('hostile: foreign key claiming the published kid fails verification', async () => {
    await hostileAuth();
    await next({ sign_with: 'foreign' });
    const jwt = (await hostileToken()).body.id_token;
    const { header } = decode(jwt);
    const published = (await json(await fetch(disco.hostile.jwks_uri))).keys.map((k) => k.kid);
    eq([header.alg, published.includes(header.kid)], ['RS256', true], 'foreign header');
    let failed = false;
    try {
      await jose.jwtVerify(jwt, await hostileJwks());
    } catch (err) {
      failed = err.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED';
    }
    check(failed, 'foreign signature rejected');
  });

  await step('hostile: alg none', async () => {
    await hostileAuth();
    await next({ sign_with: 'none' });
    const jwt = (await hostileToken()).body.id_token;
    check(jwt.endsWith('.'), 'empty signature');
    eq(decode(jwt).header.alg, 'none', 'alg none');
    eq(jose.UnsecuredJWT.decode(jwt).payload.sub, 'hostile-sub', 'unsecured decode');
  });

  await step('hostile: hs256 with client secret and with explicit secret', async () => {
    await hostileAuth();
    await next({ sign_with: 'hs256' });
    const jwt = (await hostileToken()).body.id_token;
    eq(decode(jwt).header.alg, 'HS256', 'alg HS256');
    await jose.jwtVerify(jwt, new TextEncoder().encode(SECRET), { algorithms: ['HS256'] });
    await next({ sign_with: 'hs256', secret: 'abc' });
    await jose.jwtVerify((await hostileToken()).body.id_token, new TextEncoder().encode('abc'), { algorithms: ['HS256'] });
    passed += 1;
  });

  await step('hostile: callback overrides', async () => {
    await next({ callback: { drop: ['iss'], state: 'tampered' } });
    const { cb } = await hostileAuth();
    eq([cb.searchParams.has('iss'), cb.searchParams.get('state')], [false, 'tampered'], 'iss dropped, state replaced');
    await next({ callback: { iss: 'http://evil.example' } });
    eq((await hostileAuth()).cb.searchParams.get('iss'), 'http://evil.example', 'iss replaced');
    eq((await hostileAuth()).cb.searchParams.get('iss'), hostile, 'callback one-shot');
  });

  await step('hostile: rotate', async () => {
    const oldJwks = await json(await fetch(disco.hostile.jwks_uri));
    const rot = await json(await fetch(`${control}/hostile/rotate`, { method: 'POST' }));
    check(rot.kid && rot.kid !== oldJwks.keys[0].kid, 'new kid');
    const newJwks = await json(await fetch(disco.hostile.jwks_uri));
    eq(newJwks.keys.map((k) => k.kid), [rot.kid], 'only the new key is published');
    await hostileAuth();
    const jwt = (await hostileToken()).body.id_token;
    eq(decode(jwt).header.kid, rot.kid, 'signed with new kid');
    await jose.jwtVerify(jwt, jose.createLocalJWKSet(newJwks));
    let failed = false;
    try {
      await jose.jwtVerify(jwt, jose.createLocalJWKSet(oldJwks));
    } catch {
      failed = true;
    }
    check(failed, 'old JWKS does not verify new token');
    await next({ sign_with: 'previous' });
    const prev = (await hostileToken()).body.id_token;
    eq(decode(prev).header.kid, oldJwks.keys[0].kid, 'previous kid');
    await jose.jwtVerify(prev, jose.createLocalJWKSet(oldJwks));
    passed += 1;
  });

  await step('hostile: /control/hostile/sign (logout token) and /defaults', async () => {
    const res = await json(await fetch(`${control}/hostile/sign`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        header: { typ: 'logout+jwt' },
        claims: { sub: 'hostile-sub', aud: 'tavle', events: { 'http://schemas.openid.net/event/backchannel-logout': {} } },
      }),
    }));
    const { payload, protectedHeader } = await jose.jwtVerify(res.jwt, await hostileJwks(), { issuer: hostile, audience: 'tavle' });
    eq(protectedHeader.typ, 'logout+jwt', 'logout typ');
    check(payload.events && payload.jti && payload.iat, 'logout claims');
    const none = await json(await fetch(`${control}/hostile/sign`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ claims: { a: 1 }, sign_with: 'none' }),
    }));
    check(none.jwt.endsWith('.'), 'sign none');
    const badMode = await fetch(`${control}/hostile/sign`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sign_with: 'nope' }),
    });
    eq(badMode.status, 400, 'unknown sign_with -> 400');

    await fetch(`${control}/hostile/defaults`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ extra_claims: { uniid: 'h1', sub: 'sub2' } }),
    });
    await hostileAuth();
    const p = decode((await hostileToken()).body.id_token).payload;
    eq([p.uniid, p.sub], ['h1', 'sub2'], 'extra claims');
    await fetch(`${control}/hostile/reset`, { method: 'POST' });
    eq(decode((await hostileToken()).body.id_token).payload.sub, 'hostile-sub', 'reset');
  });

  await step('stdout carried exactly one line', async () => {
    eq(stdout.split('\n').filter(Boolean).length, 1, 'stdout lines');
  });

  await step('provider exits when stdin closes', async () => {
    const exited = new Promise((r) => child.once('exit', r));
    child.stdin.end();
    await Promise.race([exited, new Promise((_, rej) => setTimeout(() => rej(new Error('no exit on stdin EOF')), 3000))]);
  });

  console.log(`selftest passed: ${passed} checks in ${Date.now() - started}ms`);
} catch (err) {
  exitCode = 1;
  console.error(`selftest FAILED: ${err.stack ?? err}`);
  console.error('---- provider stderr ----');
  console.error(stderr);
} finally {
  if (child.exitCode === null) child.kill('SIGTERM');
  capture.close();
  capture.closeAllConnections();
  fs.rmSync(tmp, { recursive: true, force: true });
}
process.exit(exitCode);
