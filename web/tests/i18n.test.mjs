// Every string the app shows is translated: Danish and English have the same keys, every key
// the code names exists, and every code the server sends has a label in both languages — group
// kinds, roles, statuses, roster change kinds, invalid-input reasons and fields, the API's error
// codes, the reasons of a refused login and the problem codes of a rejected roster file — read
// from the Rust source and the roster format's documentation when the test runs, so a code
// added there fails here until the app can say it.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = new URL('..', import.meta.url).pathname;
const da = JSON.parse(readFileSync(join(root, 'src/i18n/da.json'), 'utf8'));
const en = JSON.parse(readFileSync(join(root, 'src/i18n/en.json'), 'utf8'));

function files(dir, ext) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p, ext) : ext.test(f) ? [p] : [];
  });
}
const sources = (dir) => files(dir, /\.(svelte|ts)$/);
const namespaces = new Set(Object.keys(da).map((k) => k.split('.')[0]));
/** A file of the repository, outside web/. */
const repo = (p) => readFileSync(join(root, '..', p), 'utf8');
const unique = (xs) => [...new Set(xs)].sort();
/** The labels of `wanted` that either language lacks. */
const unlabelled = (wanted) => wanted.filter((k) => !(k in da) || !(k in en));

test('Danish and English have the same keys, none empty', () => {
  assert.deepEqual(Object.keys(en).sort(), Object.keys(da).sort());
  for (const [k, v] of [...Object.entries(da), ...Object.entries(en)]) assert.ok(v.trim(), `${k} is empty`);
});

test('placeholders and plural choices are the same in both languages', () => {
  const names = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  // `{n|one|other}`: the form chosen by the number n.
  const plurals = (s) => [...s.matchAll(/\{(\w+)\|[^|{}]*\|[^|{}]*\}/g)].map((m) => m[1]).sort();
  for (const k of Object.keys(da)) {
    assert.deepEqual(names(en[k]), names(da[k]), `placeholders of ${k}`);
    assert.deepEqual(plurals(en[k]), plurals(da[k]), `plural choices of ${k}`);
    for (const p of plurals(da[k])) assert.ok(names(da[k]).includes(p), `${k} chooses a plural by {${p}}, which it does not show`);
  }
});

test('every key named in the code exists', () => {
  const missing = [];
  for (const file of sources(join(root, 'src'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/['"`]([a-z]+)\.([a-z_]+)['"`]/g)) {
      const key = `${m[1]}.${m[2]}`;
      if (namespaces.has(m[1]) && !(key in da)) missing.push(`${key} (${file.slice(root.length)})`);
    }
  }
  assert.deepEqual(missing, []);
});

test('every code the server sends has a label', () => {
  const codes = (text) => [...text.matchAll(/=> "([a-z_]+)"/g)].map((m) => m[1]);
  const wanted = [
    ...codes(repo('crates/tavle-app/src/import/report.rs')).map((c) => `change.${c}`),
    ...['class', 'team', 'other'].map((c) => `kind.${c}`),
    ...['pupil', 'teacher', 'staff', 'admin'].map((c) => `role.${c}`),
    ...['active', 'disabled', 'left'].map((c) => `status.${c}`),
    ...codes(repo('crates/tavle-core/src/error.rs')).map((c) => `reason.${c}`),
  ];
  assert.ok(wanted.length > 20, 'the change kinds were found in the Rust source');
  assert.deepEqual(unlabelled(wanted), []);
});

/** The API's error codes, from the one place that maps errors to HTTP: every string literal
 * that is all lower case and underscores and stands where a code stands — the first argument
 * after a status (`body(StatusCode::CONFLICT, "conflict", …)`), after `code:`, or as the value
 * of a match arm (`Self::Conflict(_) => "conflict"`, as in a `fn code`). Sentences have capitals
 * and spaces, so they never match. */
function errorCodes(rust) {
  const patterns = [
    /StatusCode::[A-Z_]+\s*,\s*"([a-z][a-z0-9_]*)"/g,
    /\bcode:\s*"([a-z][a-z0-9_]*)"/g,
    /=>\s*"([a-z][a-z0-9_]*)"/g,
    // A match arm that gives the code with its sentence: `X => ("too_large", "…")`.
    /=>\s*\(\s*"([a-z][a-z0-9_]*)"/g,
  ];
  return unique(patterns.flatMap((re) => [...rust.matchAll(re)].map((m) => m[1])));
}

test('every error code of the API has a sentence in both languages', () => {
  const codes = errorCodes(repo('crates/tavle-http/src/error.rs'));
  // The ones named in ARCHITECTURE.md's API boundary, at least: if these are not found, the
  // source has changed shape and the patterns above need to follow it.
  for (const c of ['not_logged_in', 'invalid_credentials', 'not_found', 'invalid_input', 'internal']) {
    assert.ok(codes.includes(c), `the code ${c} was found in crates/tavle-http/src/error.rs`);
  }
  // Codes the app itself uses: a failed connection, and ones the server is adding (a login's
  // second step, setting one up during a login, a refused passkey).
  const wanted = [
    ...codes,
    'offline',
    'no_local_password',
    'second_factor_required',
    'wrong_second_factor',
    'second_factor_enrolment_required',
    'passkey_refused',
  ].map((c) => `error.${c}`);
  assert.deepEqual(unlabelled(wanted), []);
});

test('every kind of conflict the server names has a sentence in both languages', () => {
  // The string literals on the right of `=>` in `pub fn reason` of the `Conflict` enum.
  const rust = repo('crates/tavle-app/src/error.rs');
  const body = /pub fn reason\(&self\)[^{]*\{([\s\S]*?)\n    \}\n/.exec(rust);
  assert.ok(body, 'crates/tavle-app/src/error.rs has `pub fn reason` of the conflicts');
  const reasons = unique([...body[1].matchAll(/=>\s*"([a-z][a-z0-9_]*)"/g)].map((m) => m[1]));
  assert.ok(reasons.length > 20, `the conflict reasons were found in the Rust source (${reasons.length})`);
  // And the ones the server is adding (an authenticator app set up twice, or none to remove; a
  // passkey added twice, or passkeys where Tavle is reached by an IP address).
  const adding = ['second_factor_exists', 'no_second_factor', 'passkey_exists', 'passkeys_unavailable'];
  assert.deepEqual(unlabelled(unique([...reasons, ...adding]).map((r) => `conflict.${r}`)), []);
});

test('every reason a login service refusal names has a sentence in both languages', () => {
  // The match arms of `LoginRefusal::reason`: `LoginRefusal::State => "state"`. The login page
  // (/k/:code) shows `refusal.<reason>` for `?error=login_refused&reason=…`.
  const rust = repo('crates/tavle-app/src/error.rs');
  const reasons = unique([...rust.matchAll(/LoginRefusal::\w+\s*=>\s*"([a-z][a-z0-9_]*)"/g)].map((m) => m[1]));
  assert.ok(reasons.length >= 9, `the login refusals' reasons were found in the Rust source (${reasons.length})`);
  assert.deepEqual(unlabelled(reasons.map((r) => `refusal.${r}`)), []);
});

test('every field the server names in invalid input has a name in both languages', () => {
  // `InvalidInput::new("field", …)`, and the helpers and closures that take the field first.
  const call = /(?:InvalidInput::new|names::\w+|\bdisplay_text|\bbad|\brefuse|\binvalid)\(\s*"([a-z][a-z0-9_]*)"/g;
  const fields = unique(
    files(join(root, '..', 'crates'), /\.rs$/)
      .filter((f) => f.includes('/src/') && !f.includes('/import/'))
      .flatMap((f) => [...readFileSync(f, 'utf8').matchAll(call)].map((m) => m[1])),
  );
  assert.ok(fields.includes('username') && fields.includes('name'), 'the fields were found in the Rust source');
  // And those of the app's own forms (`code`: the authenticator app's first code).
  assert.deepEqual(unlabelled([...fields, 'new_password', 'current_password', 'code'].map((f) => `field.${f}`)), []);
});

test('every problem code and change kind of a roster import has a label in both languages', () => {
  const doc = repo('docs/roster-format.md');
  const backticked = (text) => [...text.matchAll(/`([a-z][a-z0-9_]*)`/g)].map((m) => m[1]);
  // "Problem codes: `missing_file`, …, `unsupported`." (the list may wrap over several lines).
  const listed = /Problem codes:([\s\S]*?)\.\s*\n/.exec(doc);
  assert.ok(listed, 'docs/roster-format.md lists the problem codes after "Problem codes:"');
  // The table of change kinds: from its header to the first line that is not a table row.
  const table = /\|\s*kind\s*\|\s*meaning\s*\|[^\n]*\n((?:[ \t]*\|.*\n)+)/.exec(doc);
  assert.ok(table, 'docs/roster-format.md has the table of change kinds');
  const kinds = table[1]
    .split('\n')
    .map((row) => row.trim())
    .filter((row) => row.startsWith('|') && !/^\|[\s|-]+$/.test(row))
    .flatMap((row) => backticked(row.split('|')[1]));
  // Codes the import makes that the documentation may not list (yet).
  const made = files(join(root, '..', 'crates/tavle-app/src/import'), /\.rs$/).flatMap((f) => {
    const text = readFileSync(f, 'utf8');
    return [
      ...[...text.matchAll(/problems\.add\(\s*[^,()]+,\s*"([a-z][a-z0-9_]*)"/g)].map((m) => m[1]),
      ...[...text.matchAll(/\bcode:\s*"([a-z][a-z0-9_]*)"/g)].map((m) => m[1]),
    ];
  });
  const problems = unique([...backticked(listed[1]), ...made]);
  assert.ok(problems.length > 15 && kinds.length > 15, 'the problem codes and change kinds were found');
  assert.deepEqual(unlabelled([...problems.map((c) => `problem.${c}`), ...unique(kinds).map((k) => `change.${k}`)]), []);
});
