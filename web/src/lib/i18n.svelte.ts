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

/** The text for a key in the current language, with `{name}` placeholders filled in and
 * plural forms chosen: `{n|dag|dage}` is the first word when `n` is one, the second otherwise
 * (Danish and English have just these two forms). */
export function t(key: Key, params?: Record<string, string | number>): string {
  const text = dictionaries[current][key] ?? key;
  if (!params) return text;
  const rules = new Intl.PluralRules(locale());
  return text
    .replace(/\{(\w+)\|([^|{}]*)\|([^|{}]*)\}/g, (_, k: string, one: string, other: string) =>
      rules.select(Number(params[k])) === 'one' ? one : other,
    )
    .replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? ''));
}

/** Whether there is a text for `key`: for a key made from a code the server sent (a login
 * refusal's reason), which this version of the app may not know yet. */
export function known(key: string): key is Key {
  return key in dictionaries[current];
}

const TZ = 'Europe/Copenhagen';
function locale() {
  return current === 'da' ? 'da-DK' : 'en-GB';
}

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

/** The last calendar day of something that ends at the midnight (UTC) after it, such as a
 * share that lasts the school year or a link's last day. */
export function lastDay(end: string): string {
  return date(new Date(Date.parse(end) - 1).toISOString().slice(0, 10));
}

/** What a failed request means where it failed: a key for some codes (`{ conflict: … }`), or a
 * function choosing one (or nothing, for the general sentence). */
export type ErrorContext = Partial<Record<string, Key>> | ((err: ApiError) => Key | undefined);

/** A sentence for a failed request, in the person's language. Every error code of the API has
 * one (`error.<code>`; tests/i18n.test.mjs reads the codes from the server's source); invalid
 * input is described from the field and reason the server names, and a conflict from its
 * reason (`conflict.<reason>`). The server's own (English) sentence is shown only for a code
 * this version of the app does not know. */
export function errorText(err: unknown, context?: ErrorContext): string {
  if (!(err instanceof ApiError)) return t('error.generic');
  const special = typeof context === 'function' ? context(err) : context?.[err.code];
  if (special) return t(special);
  const dict = dictionaries[current];
  if (err.code === 'invalid_input') {
    // A rule of one field (which characters a username may have) before the general reason.
    const reason = err.reason
      ? [`reason.${err.field}_${err.reason}`, `reason.${err.reason}`].find((k) => k in dict)
      : undefined;
    if (reason) {
      const field = dict[`field.${err.field}`] ?? err.field ?? '';
      return t(reason as Key, { field });
    }
    return err.message || t('error.invalid_input');
  }
  // A conflict names its kind (`conflict.<reason>`); a kind this version does not know yet
  // falls back to the general sentence.
  if (err.code === 'conflict' && err.reason && `conflict.${err.reason}` in dict) {
    return t(`conflict.${err.reason}` as Key);
  }
  if (`error.${err.code}` in dict) return t(`error.${err.code}` as Key);
  // A code this version of the app does not know yet: the server's sentence says what to do.
  return err.message || t('error.generic');
}

/** A problem of a rejected roster file, in the person's language. Problems with a value take
 * the column from the start of the server's sentence (`name: …`). */
export function problemText(p: { code: string; message: string }): string {
  const dict = dictionaries[current];
  const column = /^([A-Za-z][A-Za-z_/]*): /.exec(p.message)?.[1];
  if (column && `problem.${p.code}_column` in dict) return t(`problem.${p.code}_column` as Key, { column });
  if (`problem.${p.code}` in dict) return t(`problem.${p.code}` as Key);
  return p.message;
}
