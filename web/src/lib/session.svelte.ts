// Who is logged in. The server's /me answer is the only source; the app never guesses roles.

import { ApiError, call, get, setCsrf, whenLoggedOut } from './api';
import type { Me } from './types';

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

export async function login(username: string, password: string) {
  set(await call<Me>('POST', '/api/v1/session', { username, password }));
}

export async function logout() {
  try {
    await call('DELETE', '/api/v1/session');
  } finally {
    set(null);
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
