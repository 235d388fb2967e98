// Who is logged in. The server's /me answer is the only source; the app never guesses roles.

import { ApiError, call, get, setCsrf, whenLoggedOut } from './api';
import type { Me, SecondStepStatus } from './types';
import { type PasskeyChallenge, usePasskey } from './webauthn';

let me = $state<Me | null>(null);
let ready = $state(false);

export const session = {
  get me() {
    return me;
  },
  get ready() {
    return ready;
  },
};

function set(m: Me | null) {
  me = m;
  setCsrf(m?.csrf_token ?? '');
}

whenLoggedOut(() => set(null));

export async function loadMe() {
  try {
    set(await get<Me>('/api/v1/me'));
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) throw e;
    set(null);
  } finally {
    ready = true;
  }
}

/** Logs in with username and password. Someone with a second factor is not logged in yet:
 * the server answers 401 `second_factor_required` (keeping the waiting login in a cookie of its
 * own), and `loginSecondFactor` finishes it; where the municipality requires a second factor
 * of someone who has none, 401 `second_factor_enrolment_required`, and they set one up first
 * (`secondStepStatus` says which). */
export async function login(username: string, password: string) {
  set(await call<Me>('POST', '/api/v1/session', { username, password }));
}

/** The second step of a login: a code from the authenticator app, or a recovery code. */
export async function loginSecondFactor(code: string) {
  set(await call<Me>('POST', '/api/v1/session/second-factor', { code }));
}

/** What the waiting login's second step takes (401 `not_logged_in`: there is none, or it has
 * expired). */
export function secondStepStatus(): Promise<SecondStepStatus> {
  return get<SecondStepStatus>('/api/v1/session/second-factor');
}

/** The second step of a login answered with one of the person's passkeys. */
export async function loginSecondFactorPasskey() {
  const challenge = await call<PasskeyChallenge>('POST', '/api/v1/session/second-factor/passkey-challenge');
  const credential = await usePasskey(challenge);
  set(await call<Me>('POST', '/api/v1/session/second-factor', { ceremony: challenge.ceremony, credential }));
}

/** Logs in with a passkey alone: the browser lets the person pick one of theirs. */
export async function loginPasskey() {
  const challenge = await call<PasskeyChallenge>('POST', '/api/v1/session/passkey-challenge');
  const credential = await usePasskey(challenge);
  set(await call<Me>('POST', '/api/v1/session/passkey', { ceremony: challenge.ceremony, credential }));
}

/** Finishes a login whose session the server has made already: after setting up a second
 * factor during the login, once the recovery codes have been seen. */
export function loggedIn(m: Me) {
  set(m);
}

/** Logs out of Tavle. A session made by a login service that can end its own session too
 * answers with where to send the browser next (the service's logout, which returns to the
 * municipality's login page): an address of the service, http(s) only. */
export async function logout(): Promise<string | undefined> {
  try {
    const out = await call<{ sessions_ended: number; end_session_url?: string }>('DELETE', '/api/v1/session');
    return webAddress(out?.end_session_url);
  } finally {
    set(null);
  }
}

function webAddress(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url, location.origin);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

/** After "log out everywhere" the server has already ended this session too. */
export function forget() {
  set(null);
}

export function isMunicipalityAdmin(m: Me): boolean {
  return m.person.roles.some((r) => r.role === 'municipality_admin');
}

export function isAdmin(m: Me): boolean {
  return m.person.roles.length > 0;
}

/** Whether the person administers this school (directly or as municipality admin). */
export function administers(m: Me, schoolId: string): boolean {
  return m.person.roles.some((r) => r.role === 'municipality_admin' || r.school_id === schoolId);
}
