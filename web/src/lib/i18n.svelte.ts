// Danish by default, English selectable. Every string the app shows comes from the two
// dictionaries in src/i18n (tests/i18n.test.mjs fails when a key is missing in either, or used
// in the code but absent). Dates and times are always shown in Copenhagen time.

import da from '../i18n/da.json';
import en from '../i18n/en.json';
import { ApiError } from './api';

export type Key = keyof typeof da;
export type Lang = 'da' | 'en';

const dictionaries: Record<Lang, Record<string, string>> = { da, en };
const STORAGE = 'tavle.lang';

function initial(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE);
    if (saved === 'da' || saved === 'en') return saved;
  } catch {
    // Storage can be blocked; Danish it is.
  }
  return 'da';
}

const start = initial();
let current = $state<Lang>(start);
document.documentElement.lang = start;

export const i18n = {
  get lang(): Lang {
    return current;
  },
};

export function setLang(lang: Lang) {
  current = lang;
  document.documentElement.lang = lang;
  try {
    localStorage.setItem(STORAGE, lang);
  } catch {
    // Not remembered, but still switched.
  }
}

/** The text for a key in the current language, with `{name}` placeholders filled in. */
export function t(key: Key, params?: Record<string, string | number>): string {
  const text = dictionaries[current][key] ?? key;
  return params ? text.replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? '')) : text;
}

const TZ = 'Europe/Copenhagen';
const locale = () => (current === 'da' ? 'da-DK' : 'en-GB');

/** A moment (RFC 3339) as date and time in Copenhagen. */
export function dateTime(iso: string): string {
  return new Intl.DateTimeFormat(locale(), { timeZone: TZ, dateStyle: 'medium', timeStyle: 'short' }).format(
    new Date(iso),
  );
}

/** A calendar date (YYYY-MM-DD), which has no time zone of its own. */
export function date(ymd: string): string {
  return new Intl.DateTimeFormat(locale(), { timeZone: 'UTC', dateStyle: 'medium' }).format(new Date(`${ymd}T00:00:00Z`));
}

/** Today's date in Copenhagen as YYYY-MM-DD (the Swedish locale writes dates that way). */
export function today(): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone: TZ }).format(new Date());
}

const ERROR_KEYS: Record<string, Key> = {
  offline: 'error.offline',
  busy: 'error.busy',
  not_logged_in: 'error.not_logged_in',
  forbidden: 'error.forbidden',
  not_found: 'error.not_found',
  too_large: 'error.too_large',
  too_many_attempts: 'login.throttled',
  invalid_credentials: 'login.wrong',
  account_disabled: 'login.disabled',
  csrf_token_missing: 'error.not_logged_in',
};

/** A sentence for a failed request. Invalid input is described from the field and reason the
 * server names; for a field the app has no name for, and for conflicts, the server's own
 * sentence (which says what to do) follows the translated one. */
export function errorText(err: unknown): string {
  if (!(err instanceof ApiError)) return t('error.generic');
  const key = ERROR_KEYS[err.code];
  if (key) return t(key);
  const dict = dictionaries[current];
  if (err.code === 'invalid_input' && err.field && err.reason) {
    const field = dict[`field.${err.field}`];
    // A rule of one field (which characters a username may have) before the general reason.
    const reason = [`reason.${err.field}_${err.reason}`, `reason.${err.reason}`].find((k) => k in dict);
    if (field && reason) return t(reason as Key, { field });
  }
  if (err.code === 'invalid_input' || err.code === 'conflict' || err.code === 'bad_request') {
    return `${t(err.code === 'conflict' ? 'error.conflict' : 'error.invalid_input')} ${err.message}`;
  }
  // Any other code with a sentence of its own (`quota_exceeded`, `link_locked`, …).
  if (`error.${err.code}` in dict) return t(`error.${err.code}` as Key);
  return t('error.generic');
}
