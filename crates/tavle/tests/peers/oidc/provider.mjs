// Test-harness OpenID Connect providers for Tavle's integration tests.
//
//   node provider.mjs CONFIG_JSON_PATH
//
// One HTTP server on 127.0.0.1:<random port> serving
//   /unilogin  - oidc-provider 9 instance shaped like Unilogin (RS256, PKCE S256, claims in ID token)
//   /staff     - oidc-provider 9 instance for staff logins (ES256, PKCE S256, openid profile)
//   /hostile   - hand-written issuer that returns scripted (forged) tokens
//   /control   - JSON control API for the tests
//
// After listening it prints exactly one JSON line on stdout and nothing else ever goes
// to stdout (console.log/console.info are redirected to stderr). See README.md.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';

import * as jose from 'jose';

// ---------------------------------------------------------------------------------------------
// stdout discipline: oidc-provider prints its notices with console.info (stdout). Everything but
// the single announcement line must go to stderr.
// ---------------------------------------------------------------------------------------------
const stdoutWrite = process.stdout.write.bind(process.stdout);
console.log = (...args) => console.error(...args);
console.info = (...args) => console.error(...args);
console.debug = (...args) => console.error(...args);

// Silence the "Unsupported runtime" warning oidc-provider prints at import time on Node 20.
const { default: Provider, interactionPolicy, errors: oidcErrors } = await (async () => {
  const warn = console.warn;
  console.warn = () => {};
  try {
    return await import('oidc-provider');
  } finally {
    console.warn = warn;
  }
})();

// ---------------------------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------------------------
const configPath = process.argv[2];
if (!configPath) {
  console.error('usage: node provider.mjs CONFIG_JSON_PATH');
  process.exit(2);
}
const config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
const BENCH = config.bench === true;
const QUIET = BENCH || config.quiet === true;
const ISSUER_NAMES = ['unilogin', 'staff', 'hostile'];
const REAL_ISSUERS = ['unilogin', 'staff'];

const accounts = {
  unilogin: { ...(config.accounts?.unilogin ?? {}) },
  staff: { ...(config.accounts?.staff ?? {}) },
};

function log(...args) {
  console.error('[oidc-peer]', ...args);
}

// ---------------------------------------------------------------------------------------------
// Lifetime: exit on SIGTERM/SIGINT, and on stdin EOF when stdin is a pipe or socket (so the
// process never outlives the test that spawned it). A /dev/null or TTY stdin is not watched.
// ---------------------------------------------------------------------------------------------
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
try {
  const st = fs.fstatSync(0);
  if (st.isFIFO() || st.isSocket()) {
    process.stdin.on('end', () => process.exit(0));
    process.stdin.on('close', () => process.exit(0));
    process.stdin.on('error', () => process.exit(0));
    process.stdin.on('data', () => {});
    process.stdin.resume();
  }
} catch {
  // no stdin at all
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------
const epoch = () => Math.floor(Date.now() / 1000);
const randomId = (bytes = 16) => crypto.randomBytes(bytes).toString('base64url');

function htmlEscape(value) {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function readBody(req, limit = 1024 * 1024) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > limit) {
        reject(Object.assign(new Error('request body too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function readJson(req) {
  const text = await readBody(req);
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw Object.assign(new Error(`invalid JSON body: ${err.message}`), { status: 400 });
  }
}

function sendJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

function sendHtml(res, status, html) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
  });
  res.end(html);
}

function redirect(res, status, location) {
  res.writeHead(status, { location, 'content-length': '0', 'cache-control': 'no-store' });
  res.end();
}

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="da">
<head><meta charset="utf-8"><title>${htmlEscape(title)}</title></head>
<body>
${body}
</body>
</html>`;
}

// Merge `over` into `base`; keys whose value is null are removed.
function mergeDropNull(base, over) {
  const out = { ...base };
  for (const [k, v] of Object.entries(over ?? {})) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// In-memory adapter backed by plain Maps (one store per provider instance, no size limit).
// ---------------------------------------------------------------------------------------------
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);
const ADAPTER_GRACE_MS = 30 * 1000;

function createMapStore() {
  const entries = new Map(); // `${model}:${id}` -> { payload, expiresAt }
  const sessionUids = new Map(); // session uid -> session id
  const userCodes = new Map(); // user code -> id
  const grants = new Map(); // grantId -> Set of entry keys

  const alive = (entry) => entry !== undefined && entry.expiresAt > Date.now();

  function unindex(model, key, payload) {
    if (!payload) return;
    if (model === 'Session' && payload.uid) sessionUids.delete(payload.uid);
    if (payload.userCode) userCodes.delete(payload.userCode);
    if (GRANTABLE.has(model) && payload.grantId) {
      const members = grants.get(payload.grantId);
      if (members) {
        members.delete(key);
        if (members.size === 0) grants.delete(payload.grantId);
      }
    }
  }

  function remove(key) {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    unindex(key.slice(0, key.indexOf(':')), key, entry.payload);
  }

  class MapAdapter {
    constructor(model) {
      this.model = model;
    }

    key(id) {
      return `${this.model}:${id}`;
    }

    async upsert(id, payload, expiresIn) {
      const key = this.key(id);
      const previous = entries.get(key);
      if (previous) unindex(this.model, key, previous.payload);
      const expiresAt = typeof expiresIn === 'number' && expiresIn > 0
        ? Date.now() + expiresIn * 1000 + ADAPTER_GRACE_MS
        : Infinity;
      entries.set(key, { payload, expiresAt });
      if (this.model === 'Session' && payload.uid) sessionUids.set(payload.uid, id);
      if (payload.userCode) userCodes.set(payload.userCode, id);
      if (GRANTABLE.has(this.model) && payload.grantId) {
        let members = grants.get(payload.grantId);
        if (!members) {
          members = new Set();
          grants.set(payload.grantId, members);
        }
        members.add(key);
      }
    }

    async find(id) {
      const key = this.key(id);
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      if (!alive(entry)) {
        remove(key);
        return undefined;
      }
      return entry.payload;
    }

    async findByUid(uid) {
      const id = sessionUids.get(uid);
      return id === undefined ? undefined : this.find(id);
    }

    async findByUserCode(userCode) {
      const id = userCodes.get(userCode);
      return id === undefined ? undefined : this.find(id);
    }

    async consume(id) {
      const entry = entries.get(this.key(id));
      if (entry) entry.payload.consumed = epoch();
    }

    async destroy(id) {
      remove(this.key(id));
    }

    async revokeByGrantId(grantId) {
      const members = grants.get(grantId);
      if (!members) return;
      grants.delete(grantId);
      for (const key of [...members]) remove(key);
    }
  }

  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const [key, entry] of entries) {
      if (entry.expiresAt <= now) remove(key);
    }
  }, 30 * 1000);
  sweeper.unref();

  function* live(model) {
    const prefix = `${model}:`;
    for (const [key, entry] of entries) {
      if (key.startsWith(prefix) && alive(entry)) yield [key.slice(prefix.length), entry.payload];
    }
  }

  return { Adapter: MapAdapter, live };
}

// ---------------------------------------------------------------------------------------------
// HTTP server: listen first, because the issuer URLs contain the port.
// ---------------------------------------------------------------------------------------------
let dispatch = (req, res) => sendJson(res, 503, { error: 'starting' });
const server = http.createServer((req, res) => {
  const started = QUIET ? 0 : performance.now();
  if (!QUIET) {
    const { method, url } = req;
    res.on('finish', () => {
      log(`${method} ${url} -> ${res.statusCode} (${(performance.now() - started).toFixed(1)}ms)`);
    });
  }
  Promise.resolve()
    .then(() => dispatch(req, res))
    .catch((err) => {
      log('unhandled error', req.method, req.url, err);
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: String(err?.message ?? err) });
      else res.destroy();
    });
});
server.keepAliveTimeout = 30 * 1000;
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(0, '127.0.0.1', resolve);
});
const PORT = server.address().port;
const BASE = `http://127.0.0.1:${PORT}`;
const ISSUER = {
  unilogin: `${BASE}/unilogin`,
  staff: `${BASE}/staff`,
  hostile: `${BASE}/hostile`,
};

// ---------------------------------------------------------------------------------------------
// Real issuers (oidc-provider)
// ---------------------------------------------------------------------------------------------
async function signingJwk(alg) {
  const { privateKey } = await jose.generateKeyPair(alg, { extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  jwk.kid = await jose.calculateJwkThumbprint(jwk);
  jwk.alg = alg;
  jwk.use = 'sig';
  return jwk;
}

const ISSUER_SETUP = {
  unilogin: {
    alg: 'RS256',
    scopes: ['openid'],
    claims: {
      openid: ['sub', 'uniid', 'aktoer_gruppe', 'unilogin_loa', 'loa', 'institution_ids'],
      sid: null,
      auth_time: null,
      iss: null,
    },
    acrValues: [],
    title: 'Unilogin (test)',
    accountClaims(id, account) {
      if (!account) {
        return { sub: id, uniid: id, aktoer_gruppe: 'Elev', unilogin_loa: 'EnFaktor' };
      }
      return { ...account, sub: id };
    },
  },
  staff: {
    alg: 'ES256',
    scopes: ['openid', 'profile'],
    claims: {
      openid: ['sub', 'amr', 'acr'],
      profile: ['preferred_username', 'name'],
      sid: null,
      auth_time: null,
      iss: null,
    },
    // acr is only kept as a claim by oidc-provider when acrValues is non-empty.
    acrValues: ['low', 'substantial', 'high'],
    title: 'Medarbejder-login (test)',
    accountClaims(id, account) {
      if (!account) return { sub: id, preferred_username: id };
      return { ...account, sub: id };
    },
  },
};

// Clients as oidc-provider metadata: drop our `issuer` key, and default
// backchannel_logout_session_required to true when a backchannel_logout_uri is registered (so ID
// tokens and logout tokens carry `sid`, as real brokers do). An explicit false is honoured.
function clientMetadata(client) {
  const { issuer: _issuer, ...metadata } = client;
  if (metadata.backchannel_logout_uri && metadata.backchannel_logout_session_required === undefined) {
    metadata.backchannel_logout_session_required = true;
  }
  return metadata;
}

function loginHintCheck() {
  const { Check } = interactionPolicy;
  return new Check(
    'login_hint_mismatch',
    'login_hint names another account than the current session',
    (ctx) => {
      const { oidc } = ctx;
      const hint = oidc.params.login_hint;
      if (hint && oidc.session.accountId && oidc.session.accountId !== hint && !oidc.result?.login) {
        return Check.REQUEST_PROMPT;
      }
      return Check.NO_NEED_TO_PROMPT;
    },
  );
}

const real = {};

async function makeRealIssuer(name) {
  const setup = ISSUER_SETUP[name];
  const store = createMapStore();
  const jwk = await signingJwk(setup.alg);
  const allClaims = [...new Set(Object.values(setup.claims).filter(Array.isArray).flat())];

  const policy = interactionPolicy.base();
  policy.get('login').checks.add(loginHintCheck());

  const provider = new Provider(ISSUER[name], {
    adapter: store.Adapter,
    jwks: { keys: [jwk] },
    cookies: {
      keys: [randomId(32)],
      names: {
        session: `op_${name}_session`,
        interaction: `op_${name}_interaction`,
        resume: `op_${name}_interaction_resume`,
      },
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    scopes: setup.scopes,
    claims: setup.claims,
    acrValues: setup.acrValues,
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    subjectTypes: ['public'],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: setup.alg,
      token_endpoint_auth_method: 'client_secret_basic',
    },
    enabledJWA: {
      idTokenSigningAlgValues: [setup.alg],
    },
    pkce: { required: () => true },
    clientBasedCORS: () => false,
    features: {
      devInteractions: { enabled: false },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        // Auto-submitting logout confirmation: a browser passes through without clicking.
        async logoutSource(ctx, form) {
          const autoForm = form.replace('</form>', '<input type="hidden" name="logout" value="yes"/></form>');
          ctx.type = 'html';
          ctx.body = page('Log ud', `${autoForm}
<noscript><button type="submit" form="op.logoutForm">Log ud</button></noscript>
<script>document.forms[0].submit();</script>`);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.type = 'html';
          ctx.body = page('Logget ud', '<h1>Du er logget ud</h1>');
        },
      },
      // userinfo stays enabled (default); DPoP, PAR and resource indicators keep defaults.
    },
    interactions: {
      policy,
      url: (_ctx, interaction) => `/${name}/interaction/${interaction.uid}`,
    },
    async findAccount(_ctx, sub) {
      const claims = setup.accountClaims(sub, accounts[name][sub]);
      return {
        accountId: sub,
        async claims() {
          return claims;
        },
      };
    },
    // Consent is automatic: every authorization for a logged-in account gets a grant covering
    // all scopes and claims this issuer knows.
    async loadExistingGrant(ctx) {
      const { oidc } = ctx;
      const accountId = oidc.account?.accountId ?? oidc.session.accountId;
      const clientId = oidc.client.clientId;
      const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(clientId);
      let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
      if (grant && (grant.accountId !== accountId || grant.clientId !== clientId)) grant = undefined;
      if (!accountId) return grant;
      const haveScopes = new Set((grant?.getOIDCScope() ?? '').split(' ').filter(Boolean));
      if (!grant || setup.scopes.some((s) => !haveScopes.has(s))) {
        grant ||= new oidc.provider.Grant({ accountId, clientId });
        grant.addOIDCScope(setup.scopes.join(' '));
        grant.addOIDCClaims(allClaims);
        await grant.save();
      }
      return grant;
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page('Fejl', `<h1>Fejl</h1>\n${Object.entries(out)
        .map(([k, v]) => `<pre><strong>${htmlEscape(k)}</strong>: ${htmlEscape(v)}</pre>`)
        .join('\n')}`);
    },
    // oidc-provider refuses outgoing requests to loopback addresses by default (SSRF guard,
    // applied through options.dispatcher). The back-channel logout target is Tavle on 127.0.0.1.
    fetch: (url, options) => {
      const { dispatcher: _dispatcher, ...rest } = options;
      return globalThis.fetch(url, rest);
    },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: BENCH ? 900 : 60,
      ClientCredentials: 600,
      DeviceCode: 600,
      BackchannelAuthenticationRequest: 600,
      PreAuthorizedCode: 600,
      Grant: 14 * 24 * 3600,
      IdToken: 3600,
      Interaction: 3600,
      RefreshToken: 14 * 24 * 3600,
      Session: 14 * 24 * 3600,
    },
  });

  provider.on('server_error', (_ctx, err) => log(`${name}: server_error`, err));
  provider.on('backchannel.error', (_ctx, err, client, accountId, sid) => {
    log(`${name}: back-channel logout to ${client?.clientId} failed (account=${accountId} sid=${sid}):`, err?.message ?? err);
  });
  if (!QUIET) {
    provider.on('authorization.error', (_ctx, err) => log(`${name}: authorization.error ${err.error}: ${err.error_description}`));
    provider.on('grant.error', (_ctx, err) => log(`${name}: grant.error ${err.error}: ${err.error_description}`));
  }

  const callback = provider.callback();
  real[name] = { name, provider, store, callback, setup, publicJwk: jwk };
}

async function registerRealClient(name, client) {
  const { provider } = real[name];
  const metadata = clientMetadata(client);
  if (typeof metadata.client_id !== 'string' || !metadata.client_id) {
    throw Object.assign(new Error('client_id is required'), { status: 400 });
  }
  try {
    await provider.Client.validate(metadata);
  } catch (err) {
    const detail = err.error_description ? `${err.error}: ${err.error_description}` : err.message;
    throw Object.assign(new Error(`invalid client metadata: ${detail}`), { status: 400 });
  }
  await provider.Client.adapter.upsert(metadata.client_id, metadata);
}

// ---------------------------------------------------------------------------------------------
// Interactions (login page) for the real issuers
// ---------------------------------------------------------------------------------------------
function loginPage(name, uid, details, error) {
  const { title } = ISSUER_SETUP[name];
  const action = `/${name}/interaction/${encodeURIComponent(uid)}`;
  return page(title, `<h1>${htmlEscape(title)}</h1>
<p>Klient: <code>${htmlEscape(details.params.client_id ?? '')}</code></p>
${error ? `<p role="alert">${htmlEscape(error)}</p>` : ''}
<form method="post" action="${action}/login">
  <label for="login">Brugernavn</label><input id="login" name="login">
  <button type="submit">Log ind</button>
</form>
<form method="post" action="${action}/abort">
  <button type="submit">Annuller</button>
</form>`);
}

// The previous session belongs to another account: end it (sending back-channel logouts to the
// clients that had it, like oidc-provider's own logout does) so the new login gets a fresh session
// without the interactive "switch account" form post.
async function dropOtherSession(name, details) {
  const { provider } = real[name];
  const uid = details.session?.uid;
  if (!uid) return;
  const session = await provider.Session.findByUid(uid);
  details.session = undefined;
  await details.save(Math.max(details.exp - epoch(), 1));
  if (!session) return;
  const accountId = session.accountId;
  const authorizations = session.authorizations ?? {};
  await session.destroy();
  await Promise.all(Object.entries(authorizations).map(async ([clientId, { sid, grantId }]) => {
    if (grantId) {
      const grant = await provider.Grant.find(grantId).catch(() => undefined);
      await grant?.destroy().catch(() => {});
    }
    const client = await provider.Client.find(clientId).catch(() => undefined);
    if (client?.backchannelLogoutUri && accountId) {
      await client.backchannelLogout(accountId, sid).catch((err) => {
        log(`${name}: back-channel logout on account switch failed:`, err?.message ?? err);
      });
    }
  }));
}

async function finishLogin(name, req, res, details, accountId) {
  if (details.session?.accountId && details.session.accountId !== accountId) {
    await dropOtherSession(name, details);
  }
  const account = accounts[name][accountId];
  const login = { accountId, remember: true };
  if (typeof account?.acr === 'string') login.acr = account.acr;
  if (Array.isArray(account?.amr)) login.amr = account.amr;
  await real[name].provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
}

async function finishConsent(name, req, res, details) {
  const { provider, setup } = real[name];
  const { accountId } = details.session ?? {};
  const clientId = details.params.client_id;
  let grant = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  grant ||= new provider.Grant({ accountId, clientId });
  const d = details.prompt.details ?? {};
  grant.addOIDCScope([...setup.scopes, ...(d.missingOIDCScope ?? [])].join(' '));
  if (d.missingOIDCClaims?.length) grant.addOIDCClaims(d.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(d.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '));
  }
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

async function handleInteraction(name, req, res, uid, action) {
  const { provider } = real[name];
  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (err) {
    sendHtml(res, 400, page('Fejl', `<h1>Fejl</h1><p>${htmlEscape(err.error_description ?? err.message)}</p>`));
    return;
  }
  if (details.uid !== uid) {
    sendHtml(res, 400, page('Fejl', '<h1>Fejl</h1><p>interaction mismatch</p>'));
    return;
  }
  const promptName = details.prompt?.name;

  if (req.method === 'GET' && action === '') {
    if (promptName === 'login') {
      const hint = details.params.login_hint;
      if (typeof hint === 'string' && hint) {
        await finishLogin(name, req, res, details, hint);
        return;
      }
      sendHtml(res, 200, loginPage(name, uid, details));
      return;
    }
    if (promptName === 'consent') {
      await finishConsent(name, req, res, details);
      return;
    }
  } else if (req.method === 'POST' && action === 'login') {
    const form = new URLSearchParams(await readBody(req));
    const login = (form.get('login') ?? '').trim();
    if (promptName !== 'login') {
      if (promptName === 'consent') {
        await finishConsent(name, req, res, details);
        return;
      }
    } else if (!login) {
      sendHtml(res, 400, loginPage(name, uid, details, 'Angiv et brugernavn'));
      return;
    } else {
      await finishLogin(name, req, res, details, login);
      return;
    }
  } else if (req.method === 'POST' && action === 'abort') {
    await readBody(req);
    await provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
    return;
  }
  sendHtml(res, 400, page('Fejl', `<h1>Fejl</h1><p>unexpected ${htmlEscape(req.method)} for prompt ${htmlEscape(promptName)}</p>`));
}

// ---------------------------------------------------------------------------------------------
// Hostile issuer
// ---------------------------------------------------------------------------------------------
async function rsaKey() {
  const { privateKey, publicKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const publicJwk = await jose.exportJWK(publicKey);
  publicJwk.kid = `hostile-${randomId(9)}`;
  publicJwk.alg = 'RS256';
  publicJwk.use = 'sig';
  return { kid: publicJwk.kid, publicJwk, key: crypto.KeyObject.from(privateKey) };
}

const hostile = {
  current: await rsaKey(),
  previous: null,
  foreign: rsaKey(), // never published (a promise; generated in the background)
  clients: new Map(),
  lastAuth: null,
  lastTokenRequest: null,
  nextToken: null,
  nextCallback: null,
  extraClaims: {},
  jwksFetches: 0,
  tokenRequests: 0,
};

const SIGN_MODES = new Set(['key', 'foreign', 'none', 'hs256', 'previous']);

function resolveNonce(value) {
  if (value === '$nonce') return hostile.lastAuth?.nonce;
  return value;
}

function hostileDefaultAudience() {
  return hostile.lastAuth?.client_id ?? (hostile.clients.size ? [...hostile.clients.keys()][0] : undefined);
}

// Build and sign a JWT. spec: { header?, claims?, remove_claims?, sign_with?, secret? }.
async function hostileJwt(spec, baseClaims) {
  const mode = spec.sign_with ?? 'key';
  if (!SIGN_MODES.has(mode)) {
    throw Object.assign(new Error(`unknown sign_with ${JSON.stringify(mode)} (key|foreign|none|hs256|previous)`), { status: 400 });
  }
  if (spec.claims !== undefined && (typeof spec.claims !== 'object' || spec.claims === null || Array.isArray(spec.claims))) {
    throw Object.assign(new Error('claims must be an object'), { status: 400 });
  }

  const payload = { ...baseClaims };
  for (const [k, v] of Object.entries(spec.claims ?? {})) payload[k] = resolveNonce(v);
  for (const k of spec.remove_claims ?? []) delete payload[k];
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];

  let signer;
  let defaultHeader;
  switch (mode) {
    case 'key':
      signer = hostile.current;
      defaultHeader = { alg: 'RS256', kid: hostile.current.kid, typ: 'JWT' };
      break;
    case 'previous':
      if (!hostile.previous) {
        throw Object.assign(new Error('no previous key: call /control/hostile/rotate first'), { status: 400 });
      }
      signer = hostile.previous;
      defaultHeader = { alg: 'RS256', kid: hostile.previous.kid, typ: 'JWT' };
      break;
    case 'foreign':
      signer = await hostile.foreign;
      defaultHeader = { alg: 'RS256', kid: hostile.current.kid, typ: 'JWT' };
      break;
    case 'none':
      defaultHeader = { alg: 'none', typ: 'JWT' };
      break;
    case 'hs256':
      defaultHeader = { alg: 'HS256', kid: hostile.current.kid, typ: 'JWT' };
      break;
    default:
      break;
  }
  const header = mergeDropNull(defaultHeader, spec.header);
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;

  let signature = '';
  if (mode === 'hs256') {
    let { secret } = spec;
    if (secret === undefined) {
      const aud = Array.isArray(payload.aud) ? payload.aud[0] : payload.aud;
      secret = hostile.clients.get(aud)?.client_secret ?? hostile.clients.get(hostile.lastAuth?.client_id)?.client_secret;
    }
    if (typeof secret !== 'string') {
      throw Object.assign(new Error('hs256 needs "secret" (or a hostile client registered for the aud)'), { status: 400 });
    }
    signature = crypto.createHmac('sha256', secret).update(input).digest('base64url');
  } else if (signer) {
    signature = crypto.sign('sha256', Buffer.from(input), signer.key).toString('base64url');
  }
  return { jwt: `${input}.${signature}`, header, payload };
}

function hostileDiscovery() {
  const iss = ISSUER.hostile;
  return {
    issuer: iss,
    authorization_endpoint: `${iss}/auth`,
    token_endpoint: `${iss}/token`,
    jwks_uri: `${iss}/jwks`,
    end_session_endpoint: `${iss}/logout`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256', 'ES256', 'HS256'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    scopes_supported: ['openid'],
    grant_types_supported: ['authorization_code'],
    authorization_response_iss_parameter_supported: true,
    backchannel_logout_supported: true,
    backchannel_logout_session_supported: true,
  };
}

async function handleHostile(req, res, path, url) {
  if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
    sendJson(res, 200, hostileDiscovery());
    return;
  }
  if (req.method === 'GET' && path === '/jwks') {
    hostile.jwksFetches += 1;
    sendJson(res, 200, { keys: [hostile.current.publicJwk] });
    return;
  }
  if (req.method === 'GET' && path === '/auth') {
    const q = url.searchParams;
    const redirectUri = q.get('redirect_uri');
    if (!redirectUri) {
      sendJson(res, 400, { error: 'invalid_request', error_description: 'redirect_uri missing' });
      return;
    }
    hostile.lastAuth = {
      client_id: q.get('client_id') ?? undefined,
      redirect_uri: redirectUri,
      state: q.get('state') ?? undefined,
      nonce: q.get('nonce') ?? undefined,
      code_challenge: q.get('code_challenge') ?? undefined,
      code_challenge_method: q.get('code_challenge_method') ?? undefined,
      scope: q.get('scope') ?? undefined,
      response_type: q.get('response_type') ?? undefined,
      params: Object.fromEntries(q),
      at: epoch(),
    };
    const params = { code: randomId(24) };
    if (hostile.lastAuth.state !== undefined) params.state = hostile.lastAuth.state;
    params.iss = ISSUER.hostile;
    const override = hostile.nextCallback;
    hostile.nextCallback = null;
    if (override) {
      for (const [k, v] of Object.entries(override)) {
        if (k === 'drop') continue;
        if (v === null) delete params[k];
        else params[k] = String(v);
      }
      for (const k of override.drop ?? []) delete params[k];
    }
    const target = new URL(redirectUri);
    for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
    redirect(res, 302, target.href);
    return;
  }
  if (req.method === 'POST' && path === '/token') {
    const form = new URLSearchParams(await readBody(req));
    hostile.tokenRequests += 1;
    hostile.lastTokenRequest = {
      params: Object.fromEntries(form),
      authorization: req.headers.authorization ?? null,
      at: epoch(),
    };
    let clientId = form.get('client_id') ?? undefined;
    const auth = req.headers.authorization;
    if (!clientId && auth?.toLowerCase().startsWith('basic ')) {
      const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
      clientId = decodeURIComponent(decoded.slice(0, decoded.indexOf(':')).replace(/\+/g, ' '));
    }
    const spec = hostile.nextToken ?? {};
    hostile.nextToken = null;
    const now = epoch();
    const base = {
      iss: ISSUER.hostile,
      aud: hostile.lastAuth?.client_id ?? clientId,
      sub: 'hostile-sub',
      nonce: hostile.lastAuth?.nonce,
      iat: now,
      exp: now + 300,
      ...Object.fromEntries(Object.entries(hostile.extraClaims).map(([k, v]) => [k, resolveNonce(v)])),
    };
    let idToken;
    try {
      ({ jwt: idToken } = await hostileJwt(spec, base));
    } catch (err) {
      sendJson(res, 500, { error: 'server_error', error_description: err.message });
      return;
    }
    const body = mergeDropNull({
      access_token: 'x',
      token_type: 'Bearer',
      expires_in: 60,
      id_token: idToken,
    }, spec.response);
    sendJson(res, spec.status ?? 200, body);
    return;
  }
  if (req.method === 'GET' && path === '/logout') {
    const target = url.searchParams.get('post_logout_redirect_uri');
    if (target) {
      const u = new URL(target);
      const state = url.searchParams.get('state');
      if (state !== null) u.searchParams.set('state', state);
      redirect(res, 302, u.href);
    } else {
      sendHtml(res, 200, page('Logget ud', '<h1>Du er logget ud</h1>'));
    }
    return;
  }
  sendJson(res, 404, { error: 'not_found' });
}

// ---------------------------------------------------------------------------------------------
// Control API
// ---------------------------------------------------------------------------------------------
function badRequest(message) {
  return Object.assign(new Error(message), { status: 400 });
}

function requireRealIssuer(issuer) {
  if (!REAL_ISSUERS.includes(issuer)) throw badRequest(`issuer must be one of ${REAL_ISSUERS.join(', ')}`);
  return real[issuer];
}

function liveSessions(name) {
  const out = [];
  for (const [id, payload] of real[name].store.live('Session')) {
    if (!payload.accountId) continue;
    const authorizations = Object.entries(payload.authorizations ?? {});
    if (authorizations.length === 0) {
      out.push({ account: payload.accountId, client_id: null, sid: null, session_uid: payload.uid, session_id: id });
    }
    for (const [clientId, a] of authorizations) {
      out.push({
        account: payload.accountId, client_id: clientId, sid: a.sid ?? null, session_uid: payload.uid, session_id: id,
      });
    }
  }
  return out;
}

async function controlBackchannelLogout(body) {
  const { provider } = requireRealIssuer(body.issuer);
  const { client_id: clientId, account, sid } = body;
  if (typeof clientId !== 'string') throw badRequest('client_id is required');
  if (typeof account !== 'string' && !(body.omit_sub && typeof sid === 'string')) {
    throw badRequest('account is required');
  }
  const client = await provider.Client.find(clientId);
  if (!client) throw badRequest(`unknown client ${clientId} at ${body.issuer}`);
  if (!client.backchannelLogoutUri) throw badRequest(`client ${clientId} has no backchannel_logout_uri`);

  let sids;
  if (typeof sid === 'string') {
    sids = [sid];
  } else if (client.backchannelLogoutSessionRequired && body.sid !== null) {
    sids = [...new Set(liveSessions(body.issuer)
      .filter((s) => s.account === account && s.client_id === clientId && s.sid)
      .map((s) => s.sid))];
    if (sids.length === 0) sids = [undefined];
  } else {
    sids = [undefined];
  }

  const sent = [];
  for (const s of sids) {
    // Same construction as oidc-provider's Client#backchannelLogout(sub, sid), but `sid` is set
    // whenever one is known and `sub` can be left out (omit_sub) for sid-only logout tokens.
    const token = new provider.IdToken(body.omit_sub ? {} : { sub: account }, { client, ctx: undefined });
    token.mask = body.omit_sub ? {} : { sub: null };
    token.set('events', { 'http://schemas.openid.net/event/backchannel-logout': {} });
    token.set('jti', randomId(16));
    if (s !== undefined) token.set('sid', s);
    const logoutToken = await token.issue({ use: 'logout' });
    const response = await fetch(client.backchannelLogoutUri, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: logoutToken }),
      signal: AbortSignal.timeout(10000),
    });
    await response.arrayBuffer().catch(() => {});
    sent.push({ sid: s ?? null, status: response.status, logout_token: logoutToken });
    if (response.status !== 200 && response.status !== 204) {
      throw Object.assign(
        new Error(`expected 200 OK from ${client.backchannelLogoutUri}, got: ${response.status} ${http.STATUS_CODES[response.status] ?? ''}`.trim()),
        { sent },
      );
    }
  }
  return { ok: true, sent };
}

async function handleControl(req, res, path, url) {
  const route = `${req.method} ${path}`;
  try {
    switch (route) {
      case 'GET /health':
        sendJson(res, 200, { ok: true });
        return;
      case 'POST /hostile/next': {
        const body = await readJson(req);
        if (body.sign_with !== undefined && !SIGN_MODES.has(body.sign_with)) {
          throw badRequest(`unknown sign_with ${JSON.stringify(body.sign_with)}`);
        }
        const { callback, ...token } = body;
        hostile.nextToken = Object.keys(token).length ? token : null;
        hostile.nextCallback = callback ?? null;
        sendJson(res, 200, { ok: true });
        return;
      }
      case 'POST /hostile/defaults': {
        const body = await readJson(req);
        hostile.extraClaims = { ...(body.extra_claims ?? {}) };
        sendJson(res, 200, { ok: true });
        return;
      }
      case 'POST /hostile/reset': {
        await readBody(req);
        hostile.nextToken = null;
        hostile.nextCallback = null;
        hostile.extraClaims = {};
        sendJson(res, 200, { ok: true });
        return;
      }
      case 'POST /hostile/rotate': {
        await readBody(req);
        hostile.previous = hostile.current;
        hostile.current = await rsaKey();
        sendJson(res, 200, { kid: hostile.current.kid, previous_kid: hostile.previous.kid });
        return;
      }
      case 'POST /hostile/sign': {
        const body = await readJson(req);
        const now = epoch();
        const base = {
          iss: ISSUER.hostile,
          aud: hostileDefaultAudience(),
          iat: now,
          exp: now + 120,
          jti: randomId(16),
        };
        const { jwt, header, payload } = await hostileJwt(body, base);
        sendJson(res, 200, { jwt, header, claims: payload });
        return;
      }
      case 'GET /hostile/state':
        sendJson(res, 200, {
          kid: hostile.current.kid,
          previous_kid: hostile.previous?.kid ?? null,
          jwks_fetches: hostile.jwksFetches,
          token_requests: hostile.tokenRequests,
          last_auth: hostile.lastAuth,
          last_token_request: hostile.lastTokenRequest,
          pending_next: { token: hostile.nextToken, callback: hostile.nextCallback },
          extra_claims: hostile.extraClaims,
        });
        return;
      case 'POST /backchannel-logout': {
        const body = await readJson(req);
        try {
          sendJson(res, 200, await controlBackchannelLogout(body));
        } catch (err) {
          if (err.status) throw err;
          sendJson(res, 500, { ok: false, error: String(err.message ?? err), sent: err.sent ?? [] });
        }
        return;
      }
      case 'GET /sessions': {
        const issuer = url.searchParams.get('issuer') ?? 'unilogin';
        requireRealIssuer(issuer);
        const sessions = liveSessions(issuer);
        const accountsOut = {};
        for (const s of sessions) {
          (accountsOut[s.account] ||= []).push(s);
        }
        sendJson(res, 200, { issuer, sessions, accounts: accountsOut });
        return;
      }
      case 'POST /clients': {
        const body = await readJson(req);
        const issuer = body.issuer ?? 'unilogin';
        if (!ISSUER_NAMES.includes(issuer)) throw badRequest(`issuer must be one of ${ISSUER_NAMES.join(', ')}`);
        if (issuer === 'hostile') {
          if (typeof body.client_id !== 'string') throw badRequest('client_id is required');
          hostile.clients.set(body.client_id, { ...body });
        } else {
          await registerRealClient(issuer, body);
        }
        sendJson(res, 200, { ok: true, issuer, client_id: body.client_id });
        return;
      }
      case 'POST /accounts': {
        const body = await readJson(req);
        requireRealIssuer(body.issuer);
        if (typeof body.id !== 'string' || !body.id) throw badRequest('id is required');
        if (body.claims === null) delete accounts[body.issuer][body.id];
        else accounts[body.issuer][body.id] = { ...(body.claims ?? {}) };
        sendJson(res, 200, { ok: true });
        return;
      }
      default:
        sendJson(res, 404, { ok: false, error: `no control route ${route}` });
    }
  } catch (err) {
    sendJson(res, err.status ?? 500, { ok: false, error: String(err.message ?? err) });
  }
}

// ---------------------------------------------------------------------------------------------
// Routing
// ---------------------------------------------------------------------------------------------
function splitPrefix(rawUrl) {
  // "/unilogin/auth?x" -> ["unilogin", "/auth?x"]
  const m = /^\/([a-z]+)(?=[/?]|$)(.*)$/s.exec(rawUrl);
  if (!m) return [null, rawUrl];
  let rest = m[2];
  if (rest === '' || rest.startsWith('?')) rest = `/${rest}`;
  return [m[1], rest];
}

const INTERACTION = /^\/interaction\/([^/?]+)(?:\/(login|abort))?\/?(?:\?.*)?$/;

for (const name of REAL_ISSUERS) await makeRealIssuer(name);
for (const client of config.clients ?? []) {
  const issuer = client.issuer ?? 'unilogin';
  if (issuer === 'hostile') hostile.clients.set(client.client_id, { ...client });
  else if (REAL_ISSUERS.includes(issuer)) await registerRealClient(issuer, client);
  else throw new Error(`client ${client.client_id}: unknown issuer ${issuer}`);
}

dispatch = async (req, res) => {
  const [prefix, rest] = splitPrefix(req.url);
  if (prefix === 'unilogin' || prefix === 'staff') {
    const m = INTERACTION.exec(rest);
    if (m) {
      await handleInteraction(prefix, req, res, decodeURIComponent(m[1]), m[2] ?? '');
      return;
    }
    // Mount like express does: the provider sees the path below its issuer path.
    req.originalUrl = req.url;
    req.baseUrl = `/${prefix}`;
    req.url = rest;
    await real[prefix].callback(req, res);
    return;
  }
  if (prefix === 'hostile' || prefix === 'control') {
    const url = new URL(rest, BASE);
    if (prefix === 'hostile') await handleHostile(req, res, url.pathname, url);
    else await handleControl(req, res, url.pathname.replace(/\/$/, '') || '/', url);
    return;
  }
  sendJson(res, 404, { error: 'not_found' });
};

stdoutWrite(`${JSON.stringify({
  port: PORT,
  unilogin: ISSUER.unilogin,
  staff: ISSUER.staff,
  hostile: ISSUER.hostile,
  control: `${BASE}/control`,
})}\n`);
if (!QUIET) log(`listening on ${BASE} (bench=${BENCH})`);
