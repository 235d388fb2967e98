// Assignments in the browser: a teacher hands one out on the class's page, a pupil sees
// it on the home page as due, opens it, hands in a file and downloads the signed receipt; the
// teacher sees who has handed in and returns feedback with a grade in the form, and the
// pupil sees it.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { close, launch, login, look, me, open } from './harness.mjs';

before(launch);
after(close);

test('a pupil hands in, gets a receipt, and sees the grade when it is returned', async () => {
  const teacher = await open();
  await login(teacher, 'laerer3');
  // The teacher hands it out from the class's page. The server runs on the test's fixed
  // clock, the browser on the real one: a window that is open on both.
  await teacher.getByRole('link', { name: '2.A', exact: true }).click();
  await teacher.getByRole('heading', { level: 1, name: '2.A' }).waitFor();
  await teacher.getByText('Ny opgave').click();
  await teacher.getByLabel('Titel').fill('Digt om vinteren');
  await teacher.getByLabel('Opgaven').fill('Skriv et digt på mindst otte linjer.\nAflever det som en tekstfil.');
  await teacher.getByLabel('Åbner').fill('2026-01-01T08:00');
  await teacher.getByLabel('Afleveres senest').fill('2030-06-01T12:00');
  await look(teacher, 'assignment-new');
  await teacher.getByRole('button', { name: 'Opret opgave' }).click();
  await teacher.getByRole('heading', { level: 1, name: 'Digt om vinteren' }).waitFor();
  await teacher.getByText('1. jun. 2030, 12.00').waitFor(); // Copenhagen time, as typed
  const assignment = { id: teacher.url().split('/').pop() };

  const pupil = await open();
  await login(pupil, 'elev45');
  await pupil.getByRole('heading', { level: 2, name: 'Kommende afleveringer' }).waitFor();
  await pupil.getByRole('link', { name: 'Digt om vinteren' }).click();
  await pupil.getByRole('heading', { level: 1, name: 'Digt om vinteren' }).waitFor();
  await pupil.getByText('Skriv et digt på mindst otte linjer.').waitFor();
  await look(pupil, 'assignment-pupil');
  await pupil.getByLabel('Vælg en fil').setInputFiles({ name: 'Vinterdigt.txt', mimeType: 'text/plain', buffer: Buffer.from('Sneen falder stille\n') });
  await pupil.getByRole('button', { name: 'Aflever' }).click();
  await pupil.getByText('Afleveret. Din kvittering er klar.').waitFor();
  await pupil.getByText(/^Afleveret \d/).waitFor();
  const download = pupil.waitForEvent('download');
  await pupil.getByRole('link', { name: 'Hent kvittering' }).click();
  const receipt = JSON.parse(readFileSync(await (await download).path(), 'utf8'));
  assert.equal(receipt.receipt.assignment_title, 'Digt om vinteren');
  assert.equal(receipt.receipt.files[0].name, 'Vinterdigt.txt');
  assert.equal(receipt.receipt.files[0].size, 20);
  assert.match(receipt.signature, /^[0-9a-f]{128}$/);
  await look(pupil, 'assignment-handed-in');

  // The teacher sees who has handed in, and returns feedback with a grade.
  await teacher.goto(`/assignments/${assignment.id}`);
  await teacher.getByRole('heading', { level: 2, name: 'Afleveringer' }).waitFor();
  assert.equal(await teacher.getByRole('cell', { name: 'Afleveret', exact: true }).count(), 1, 'one pupil has handed in');
  assert.ok((await teacher.getByRole('cell', { name: 'Ikke afleveret' }).count()) >= 10);
  await look(teacher, 'assignment-teacher');
  const pupilName = (await me(pupil)).person.display_name;
  await teacher.getByRole('button', { name: `Feedback til ${pupilName}` }).click();
  const dialog = teacher.getByRole('dialog', { name: `Feedback til ${pupilName}` });
  await dialog.getByRole('link', { name: 'Vinterdigt.txt' }).waitFor();
  await dialog.getByLabel('Feedback', { exact: true }).fill('Smukke billeder af sneen.');
  await dialog.getByLabel('Karakter').selectOption('10');
  await dialog.getByLabel('Giv tilbage til eleven nu').check();
  await look(teacher, 'assignment-feedback-form');
  await dialog.getByRole('button', { name: 'Gem feedback' }).click();
  await dialog.getByText('Feedbacken er gemt.').waitFor();
  await dialog.getByRole('button', { name: 'Luk' }).click();
  await teacher.getByRole('cell', { name: '10', exact: true }).waitFor();

  await pupil.reload();
  await pupil.getByRole('heading', { level: 3, name: 'Feedback' }).waitFor();
  assert.equal(await pupil.getByTestId('grade').textContent(), '10');
  await pupil.getByText('Smukke billeder af sneen.').waitFor();
  await look(pupil, 'assignment-feedback');
});
