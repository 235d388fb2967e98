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

test('a late hand-in is marked, and a closed exam shuts the drive while the invigilator watches', async () => {
  // The server's clock stands at 2 November 2026. A homework whose deadline has passed but
  // that takes late hand-ins, and a closed exam that runs until 2030.
  const teacher = await open();
  await login(teacher, 'laerer3');
  const handOut = async (title, kind, opens, deadline, late) => {
    await teacher.goto('/');
    await teacher.getByRole('link', { name: '2.A', exact: true }).click();
    await teacher.getByRole('heading', { level: 1, name: '2.A' }).waitFor();
    await teacher.getByText('Ny opgave').click();
    await teacher.getByLabel('Titel').fill(title);
    await teacher.getByLabel('Opgaven').fill(`${title}: se opgaven.`);
    await teacher.getByLabel('Slags').selectOption(kind);
    await teacher.getByLabel('Åbner').fill(opens);
    await teacher.getByLabel('Afleveres senest').fill(deadline);
    if (late) await teacher.getByLabel('Der må afleveres for sent (markeres)').check();
    await teacher.getByRole('button', { name: 'Opret opgave' }).click();
    await teacher.getByRole('heading', { level: 1, name: title }).waitFor();
    return teacher.url().split('/').pop();
  };
  const homework = await handOut('Læselog', 'assignment', '2026-09-01T08:00', '2026-10-01T12:00', true);

  // elev47 hands the homework in a month late: it is taken, and marked.
  const late = await open();
  await login(late, 'elev47');
  await late.goto(`/assignments/${homework}`);
  await late.getByLabel('Vælg en fil').setInputFiles({ name: 'Log.txt', mimeType: 'text/plain', buffer: Buffer.from('Bog 1\n') });
  await late.getByRole('button', { name: 'Aflever' }).click();
  await late.getByText(/dage for sent/).waitFor();
  await teacher.goto(`/assignments/${homework}`);
  await teacher.getByRole('cell', { name: 'Afleveret for sent', exact: true }).waitFor();

  // The exam begins for the whole class; while it runs, it is all its pupils reach (the
  // homework above included).
  const exam = await handOut('Terminsprøve i dansk', 'closed_exam', '2026-01-01T08:00', '2030-06-01T12:00', false);

  // elev46 sits the exam: the paper shows, the drive does not, and the hand-in goes through.
  const pupil = await open();
  await login(pupil, 'elev46');
  await pupil.goto(`/assignments/${exam}`);
  await pupil.getByText('Terminsprøve i dansk: se opgaven.').waitFor();
  await pupil.goto('/files');
  await pupil.getByText('Din prøve er i gang og er lukket').waitFor();
  await look(pupil, 'exam-drive-locked');
  await teacher.goto(`/assignments/${exam}`);
  await teacher.getByRole('heading', { level: 2, name: 'Tilsyn' }).waitFor();
  await teacher.getByTestId('exam-counts').getByText(/1 i gang · 0 afleveret/).waitFor();
  await pupil.goto(`/assignments/${exam}`);
  await pupil.getByLabel('Vælg en fil').setInputFiles({ name: 'Besvarelse.txt', mimeType: 'text/plain', buffer: Buffer.from('Havet\n') });
  await pupil.getByRole('button', { name: 'Aflever' }).click();
  await pupil.getByText('Afleveret. Din kvittering er klar.').waitFor();
  // The invigilator's view follows by itself (it asks again every five seconds).
  await teacher.getByTestId('exam-counts').getByText(/0 i gang · 1 afleveret/).waitFor({ timeout: 12_000 });
  await teacher.getByRole('cell', { name: 'Afleveret', exact: true }).first().waitFor();
  assert.equal(await teacher.getByRole('cell', { name: 'Afleveret', exact: true }).count(), 2, 'both tables show it');

  // Extra time for elev48, and the examiner's export.
  const name48 = (await me(await (async () => { const p = await open(); await login(p, 'elev48'); return p; })())).person.display_name;
  await teacher.getByRole('button', { name: `Forlænget tid for ${name48}` }).click();
  await teacher.getByLabel('Minutter ekstra').fill('30');
  await teacher.getByRole('button', { name: 'Gem' }).click();
  await teacher.getByText('(+30 min)').waitFor();
  await look(teacher, 'exam-invigilation');
  const download = teacher.waitForEvent('download');
  await teacher.getByRole('link', { name: 'Hent alle afleveringer (zip)' }).click();
  const zip = readFileSync(await (await download).path());
  assert.equal(zip.subarray(0, 2).toString(), 'PK');
  assert.ok(zip.includes(Buffer.from('manifest.csv')) && zip.includes(Buffer.from('kvittering.json')));
});

// 1.A, not 2.A: 2.A's pupils are in the closed exam above, which shuts their drives.
test('in English: a template from the drive, working folders, a late hand-in after an edit, and files back', async () => {
  const english = async (user) => {
    const p = await open();
    await login(p, user);
    await p.getByRole('button', { name: 'English' }).click();
    return p;
  };
  const teacher = await english('laerer1');
  // The template is a file of the teacher's own drive.
  await teacher.getByRole('link', { name: 'Files', exact: true }).click();
  await teacher.getByRole('link', { name: 'My files' }).first().click();
  await teacher.getByLabel('Upload files').setInputFiles({ name: 'Poem template.txt', mimeType: 'text/plain', buffer: Buffer.from('Title:\n') });
  await teacher.getByRole('link', { name: 'Poem template.txt' }).waitFor();

  await teacher.goto('/');
  await teacher.getByRole('link', { name: '1.A', exact: true }).click();
  await teacher.getByRole('heading', { level: 1, name: '1.A' }).waitFor();
  await teacher.getByText('New assignment').click();
  await teacher.getByLabel('Title').fill('Spring poem');
  await teacher.getByLabel('The assignment').fill('Fill in the template.');
  await teacher.getByLabel('Opens').fill('2026-01-01T08:00');
  await teacher.getByLabel('Due', { exact: true }).fill('2030-06-01T12:00');
  await teacher.getByRole('button', { name: 'Choose a template from your drive' }).click();
  await teacher.getByRole('button', { name: 'My files' }).click();
  await teacher.getByRole('button', { name: 'Poem template.txt' }).click();
  await look(teacher, 'assignment-new-template');
  await teacher.getByRole('button', { name: 'Create assignment' }).click();
  await teacher.getByRole('heading', { level: 1, name: 'Spring poem' }).waitFor();
  const id = teacher.url().split('/').pop();

  // elev15 finds the template in their working folder and hands it in from there.
  const first = await english('elev15');
  await first.goto(`/assignments/${id}`);
  await first.getByRole('heading', { level: 2, name: 'Your working folder' }).waitFor();
  await first.getByLabel('Poem template.txt').check();
  await look(first, 'assignment-working-folder');
  await first.getByRole('button', { name: 'Hand in the chosen files' }).click();
  await first.getByText('Handed in. Your receipt is ready.').waitFor();

  // The teacher moves the deadline into the past and takes late hand-ins: elev16's is late.
  await teacher.getByRole('button', { name: 'Edit the assignment' }).click();
  const edit = teacher.getByRole('dialog', { name: 'Edit the assignment' });
  await edit.getByLabel('Due', { exact: true }).fill('2026-10-01T12:00');
  await edit.getByLabel('Late hand-ins are taken (and marked)').check();
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await edit.waitFor({ state: 'detached' });
  const second = await english('elev16');
  await second.goto(`/assignments/${id}`);
  await second.getByLabel('Choose a file').setInputFiles({ name: 'Poem.txt', mimeType: 'text/plain', buffer: Buffer.from('Spring\n') });
  await second.getByRole('button', { name: 'Hand in', exact: true }).click();
  await second.getByText(/days late/).waitFor();

  // Feedback with a file back and a grade; the pupil sees both.
  await teacher.reload();
  await teacher.getByRole('cell', { name: 'Handed in late', exact: true }).waitFor();
  const name16 = (await me(second)).person.display_name;
  await teacher.getByRole('button', { name: `Feedback for ${name16}` }).click();
  const dialog = teacher.getByRole('dialog', { name: `Feedback for ${name16}` });
  await dialog.getByLabel('Add a file for the pupil').setInputFiles({ name: 'Marked.txt', mimeType: 'text/plain', buffer: Buffer.from('Good rhythm\n') });
  await dialog.getByRole('link', { name: 'Marked.txt' }).waitFor();
  await dialog.getByLabel('Grade').selectOption('7');
  await dialog.getByLabel('Return it to the pupil now').check();
  await look(teacher, 'assignment-feedback-file');
  await dialog.getByRole('button', { name: 'Save feedback' }).click();
  await dialog.getByText('The feedback was saved.').waitFor();
  await dialog.getByRole('button', { name: 'Close' }).click();
  await second.reload();
  assert.equal(await second.getByTestId('grade').textContent(), '7');
  await second.getByRole('link', { name: 'Marked.txt' }).waitFor();
  await look(second, 'assignment-feedback-en');

  // The class's overview shows both pupils on the assignment.
  await teacher.goto('/');
  await teacher.getByRole('link', { name: '1.A', exact: true }).click();
  const overview = teacher.getByTestId('class-overview');
  await overview.getByRole('link', { name: 'Spring poem' }).waitFor();
  await overview.getByRole('row', { name: new RegExp(name16) }).getByText('7', { exact: true }).waitFor();
  await look(teacher, 'class-overview');
});
