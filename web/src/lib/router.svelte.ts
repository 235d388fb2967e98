// Client-side routing over the History API. The server answers every path without a file
// extension with the app's page, so links can be shared and reloaded.

let path = $state(location.pathname);

export const router = {
  get path() {
    return path;
  },
};

// What a page leaves for the page it goes to, to be said there once (a document just made from
// a file says what it was made from). In memory only: a reload, or going anywhere else, forgets it.
let handed: { path: string; note: unknown } | null = null;

/** Goes to `to`; a `note`, if given, is for that page to take with `takeNote`. */
export function navigate(to: string, replace = false, note?: unknown) {
  handed = note === undefined ? null : { path: new URL(to, location.href).pathname, note };
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  path = location.pathname;
  window.scrollTo(0, 0);
}

/** The note left for the page at `path` by the page before it (once: then it is gone). */
export function takeNote<T>(path: string): T | null {
  const note = handed?.path === path ? (handed.note as T) : null;
  handed = null;
  return note;
}

window.addEventListener('popstate', () => {
  handed = null;
  path = location.pathname;
});

/** Follows same-origin links inside the app without reloading the page. */
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element | null)?.closest?.('a');
  if (!a || a.target || a.hasAttribute('download') || a.origin !== location.origin) return;
  if (a.pathname.startsWith('/api/')) return;
  // A link within the page (the skip link) is the browser's business.
  if (a.hash && a.pathname === location.pathname) return;
  e.preventDefault();
  if (a.pathname !== location.pathname) navigate(a.pathname);
});

/** Matches `/groups/:id` against a path; the named parts come back decoded. */
export function match(pattern: string, p: string): Record<string, string> | null {
  const want = pattern.split('/');
  const have = p.replace(/\/+$/, '').split('/');
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) params[want[i].slice(1)] = decodeURIComponent(have[i]);
    else if (want[i] !== have[i]) return null;
  }
  return params;
}

const RETURN_KEY = 'tavle.return';

/** Whether `to` is a page of this app to go back to: a path on this origin, never an address
 * elsewhere. `//host` and `/\host` are addresses of another host to a browser (which reads a
 * backslash as a slash), and a browser drops tabs and line breaks from an address, so
 * `/<tab>/host` is one too: none of those, nor a backslash or control character anywhere. */
function isOwnPath(to: string | null): to is string {
  if (!to || !to.startsWith('/') || to.startsWith('//') || to.startsWith('/\\')) return false;
  if (to.includes('\\') || /[\u0000-\u001f\u007f]/.test(to)) return false;
  try {
    return new URL(to, location.origin).origin === location.origin;
  } catch {
    return false;
  }
}

/** Remembers the page someone asked for before they were sent to log in. */
export function rememberReturn(to: string) {
  if (isOwnPath(to) && to !== '/login' && !to.startsWith('/k/')) sessionStorage.setItem(RETURN_KEY, to);
}

/** The page to go to after logging in (once), or the home page. */
export function takeReturn(): string {
  const to = sessionStorage.getItem(RETURN_KEY);
  sessionStorage.removeItem(RETURN_KEY);
  return isOwnPath(to) ? to : '/';
}
