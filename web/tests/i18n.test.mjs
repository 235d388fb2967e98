// Every string the app shows is translated: Danish and English have the same keys, every key
// the code names exists, and every code the server sends (group kinds, roles, statuses, roster
// change kinds and invalid-input reasons, read from the Rust source) has a translation.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = new URL('..', import.meta.url).pathname;
const da = JSON.parse(readFileSync(join(root, 'src/i18n/da.json'), 'utf8'));
const en = JSON.parse(readFileSync(join(root, 'src/i18n/en.json'), 'utf8'));

function sources(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : /\.(svelte|ts)$/.test(f) ? [p] : [];
  });
}
const namespaces = new Set(Object.keys(da).map((k) => k.split('.')[0]));

test('Danish and English have the same keys, none empty', () => {
  assert.deepEqual(Object.keys(en).sort(), Object.keys(da).sort());
  for (const [k, v] of [...Object.entries(da), ...Object.entries(en)]) assert.ok(v.trim(), `${k} is empty`);
});

test('placeholders are the same in both languages', () => {
  const names = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const k of Object.keys(da)) assert.deepEqual(names(en[k]), names(da[k]), `placeholders of ${k}`);
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

test("every code the server sends has a label", () => {
  const rust = (p) => readFileSync(join(root, '..', p), 'utf8');
  const codes = (text) => [...text.matchAll(/=> "([a-z_]+)"/g)].map((m) => m[1]);
  const wanted = [
    ...codes(rust('crates/tavle-app/src/import/report.rs')).map((c) => `change.${c}`),
    ...['class', 'team', 'other'].map((c) => `kind.${c}`),
    ...['pupil', 'teacher', 'staff', 'admin'].map((c) => `role.${c}`),
    ...['active', 'disabled', 'left'].map((c) => `status.${c}`),
    ...codes(rust('crates/tavle-core/src/error.rs')).map((c) => `reason.${c}`),
  ];
  assert.ok(wanted.length > 20, 'the change kinds were found in the Rust source');
  assert.deepEqual(wanted.filter((k) => !(k in da)), []);
});
