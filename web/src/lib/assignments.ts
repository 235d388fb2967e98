// The assignments' JSON shapes (see /api/v1/openapi.json).

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
}

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
