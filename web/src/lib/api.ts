// The one way the app talks to the server: JSON over fetch, the CSRF token on every change,
// and errors as ApiError with the server's stable code.

import type { Problem } from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: Problem[] = [],
    readonly field?: string,
    readonly reason?: string,
    /** Every field of the error object as the server sent it (for codes that carry more,
     * such as the exam an `exam_locked` refers to). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

let csrf = '';
// How far the server's clock is ahead of this device's, from the Date header of its answers
// (to the second): deadlines are the server's, and a device's clock can be minutes off.
let clockOffset = 0;

/** The time now on the server's clock (milliseconds since the epoch), as near as the app knows. */
export function serverNow(): number {
  return Date.now() + clockOffset;
}

function noteServerClock(resp: Response) {
  const date = Date.parse(resp.headers.get('date') ?? '');
  // The header has whole seconds: only a difference of more than a few of them is believed.
  if (!Number.isNaN(date)) clockOffset = Math.abs(date - Date.now()) > 5000 ? date - Date.now() : 0;
}
let onLoggedOut: () => void = () => {};

export function setCsrf(token: string) {
  csrf = token;
}

/** The session's CSRF token, for requests made without `call` (uploads with progress). */
export function csrfToken(): string {
  return csrf;
}

/** Called when the server says the session is gone (expired, logged out elsewhere). */
export function whenLoggedOut(f: () => void) {
  onLoggedOut = f;
}

type Body = object | Blob | undefined;

export async function call<T>(method: string, path: string, body?: Body, extra: Record<string, string> = {}): Promise<T> {
  const headers: Record<string, string> = { ...extra, accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  let payload: BodyInit | undefined;
  if (body instanceof Blob) {
    // Bytes as they are, unless the caller names their type (a picture's `image/png`).
    headers['content-type'] = extra['content-type'] ?? 'application/octet-stream';
    payload = body;
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let resp: Response;
  try {
    resp = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'offline', '');
  }
  noteServerClock(resp);
  if (resp.status === 204) return undefined as T;
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) {
    const err = apiError(resp.status, data, resp.statusText);
    if (resp.status === 401 && err.code === 'not_logged_in' && path !== '/api/v1/session') onLoggedOut();
    throw err;
  }
  return data as T;
}

export const get = <T>(path: string) => call<T>('GET', path);

/** An error answer of the API (a failed fetch or XMLHttpRequest) as an ApiError. */
export function apiError(status: number, body: unknown, statusText = ''): ApiError {
  const err = (body as { error?: Record<string, unknown> } | null)?.error ?? {};
  return new ApiError(
    status,
    (err.code as string) ?? (status === 0 ? 'offline' : 'internal'),
    (err.message as string) ?? statusText,
    (err.problems as Problem[]) ?? [],
    err.field as string | undefined,
    err.reason as string | undefined,
    err,
  );
}
