// The assignments' JSON shapes (see /api/v1/openapi.json).

import { serverNow } from './api';

export interface HandInFile {
  name: string;
  size: number;
  sha256: string;
}

export interface HandIn {
  id: string;
  assignment_id: string;
  pupil_id: string;
  team: number;
  handed_in_at: string;
  late_by_secs: number;
  files: HandInFile[];
  receipt: unknown;
  feedback?: string;
  grade?: string;
  returned_at?: string;
  resubmission_requested: boolean;
  feedback_files: HandInFile[];
}

export interface Handout {
  kind: 'attachment' | 'template';
  name: string;
  size: number;
  sha256: string;
}

export type Audience = 'group' | 'pupils' | 'teams';

export interface Assignment {
  id: string;
  group_id: string;
  group_name: string;
  title: string;
  instructions: string;
  mode: 'assignment' | 'exam' | 'closed_exam';
  opens_at?: string;
  deadline: string;
  my_deadline: string;
  extra_secs: number;
  late_allowed: boolean;
  resubmit_allowed: boolean;
  manages: boolean;
  my_hand_in?: HandIn;
  changes: { at: string; fields: { field: string }[] }[];
  audience: Audience;
  pupils: string[];
  teams: string[][];
  files: Handout[];
  work_folder_id?: string;
  team: number;
  team_names: string[];
  /** Whether grades (the 7-point scale) are given in this assignment's class or team: from
   * 8th grade. Older servers leave it out; then they are. */
  grades?: boolean;
  /** Where it stands for the caller on the server's clock, when the server says so. */
  phase?: Phase;
}

/** Where an assignment stands for one pupil at one moment (as `tavle_core::assignments::Phase`). */
export type Phase = 'draft' | 'not_yet_open' | 'open' | 'late' | 'closed';

/** Where the assignment stands for the caller: the server's word when it gives it, otherwise
 * worked out like the server does, on the server's clock (as the app knows it) and with the
 * caller's own deadline (their extra time counted). */
export function phaseOf(a: Assignment, now = serverNow()): Phase {
  if (a.phase) return a.phase;
  if (!a.opens_at) return 'draft';
  if (now < Date.parse(a.opens_at)) return 'not_yet_open';
  if (now < Date.parse(a.my_deadline)) return 'open';
  return a.mode === 'assignment' && a.late_allowed ? 'late' : 'closed';
}

/** Whether grades are given for it (a missing field, from an older server, means yes). */
export const gradesOf = (a: { grades?: boolean }) => a.grades !== false;

/** Whether the pupil may hand in now: it is open (or takes late hand-ins), or the teacher asked
 * for a new hand-in (taken after the deadline too); and a second hand-in is allowed, or asked for. */
export function mayHandIn(a: Assignment, now = serverNow()): boolean {
  if (a.manages) return false;
  const asked = !!a.my_hand_in?.resubmission_requested;
  const p = phaseOf(a, now);
  const open = p === 'open' || p === 'late' || (p === 'closed' && asked);
  return open && (!a.my_hand_in || a.resubmit_allowed || asked);
}

/** Where a pupil's own hand-in stands, for lists: handed in (late or not), returned (with a
 * grade or not), or asked to hand in again. */
export type HandInState = 'handed_in' | 'late' | 'returned' | 'graded' | 'again';
export function handInState(h: HandIn): HandInState {
  if (h.resubmission_requested) return 'again';
  if (h.returned_at) return h.grade ? 'graded' : 'returned';
  return h.late_by_secs > 0 ? 'late' : 'handed_in';
}

/** Whether a hand-in's file is a Tavle document in its own form (`<name>.tavledoc`), which
 * opens in the editor, read only, with the teacher's comments. */
export const isOwnForm = (name: string) => /\.tavledoc$/i.test(name);

/** The page that shows a handed-in Tavle document. */
export const handInDocumentHref = (assignmentId: string, handInId: string, position: number) =>
  `/assignments/${encodeURIComponent(assignmentId)}/hand-ins/${encodeURIComponent(handInId)}/files/${position}`;

/** A fresh key for one hand-in attempt: a retry of the same attempt reuses it. */
export function attemptKey(): string {
  return crypto.randomUUID();
}

/** Copenhagen's wall clock at a moment, as the parts of a datetime-local value. */
function copenhagenWall(at: Date): (part: string) => string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Copenhagen',
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(at);
  return (part) => parts.find((p) => p.type === part)?.value ?? '';
}

/** A date and time as written in Copenhagen (`2026-11-23T10:00`, from a datetime-local
 * field) as an RFC 3339 moment, whatever the browser's own time zone. */
export function copenhagenToIso(local: string): string {
  const asUtc = Date.parse(`${local}:00Z`);
  // Copenhagen's offset at about that moment: how its wall clock differs from UTC.
  const wallPart = copenhagenWall(new Date(asUtc));
  const get = (part: string) => Number(wallPart(part));
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  return new Date(asUtc - (wall - asUtc)).toISOString();
}

/** An RFC 3339 moment as Copenhagen's wall clock, for a datetime-local field. */
export function isoToCopenhagen(iso: string): string {
  const get = copenhagenWall(new Date(iso));
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}`;
}
