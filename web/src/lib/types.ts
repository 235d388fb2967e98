// The JSON shapes of API v1 that the app reads (see /api/v1/openapi.json).

export interface School {
  id: string;
  name: string;
  institution_number: string;
}
export interface SchoolYear {
  id: string;
  school_id: string;
  label: string;
  starts_on: string;
  ends_on: string;
}
export type GroupKind = 'class' | 'team' | 'other';
export interface Group {
  id: string;
  school_id: string;
  school_year_id: string;
  name: string;
  kind: GroupKind;
  grade?: number;
  letter?: string;
  subject?: string;
}
export interface Role {
  role: 'school_admin' | 'municipality_admin';
  school_id?: string;
}
export type Status = 'active' | 'disabled' | 'left';
export interface Person {
  id: string;
  display_name: string;
  username: string | null;
  status: Status;
  roles: Role[];
  identities: { issuer: string; subject: string }[];
  schools: { school_id: string; role: string }[];
  groups: { group_id: string; role: 'pupil' | 'teacher' }[];
}
export interface PersonSummary {
  id: string;
  display_name: string;
  username: string | null;
  status: Status;
  role: 'pupil' | 'teacher' | 'staff';
  admin: boolean;
}
export interface MyGroup extends Group {
  school_year_label: string | null;
  role: 'pupil' | 'teacher';
  teachers: string[];
}
export interface Me {
  person: Person;
  tenant: { id: string; code: string; name: string };
  schools: (School & { role: string })[];
  groups: MyGroup[];
  csrf_token: string;
}
export interface Member {
  person_id: string;
  display_name: string;
  role: 'pupil' | 'teacher';
  status?: Status;
}
export interface GroupDetail extends Group {
  school_year: SchoolYear | null;
  members: Member[];
}
export interface SessionInfo {
  current: boolean;
  created_at: string;
  last_seen_at: string;
  source: string;
  user_agent: string;
}
export interface Change {
  kind: string;
  name: string;
  from: string | null;
  to: string | null;
}
export interface ImportReport {
  applied: boolean;
  unchanged: boolean;
  counts: Record<string, number>;
  changes: Change[];
  truncated: boolean;
  schools_in_roster: number;
  groups_in_roster: number;
  people_in_roster: number;
  /** Set in a preview when applying needs `confirm_leaving` (many of a school's people leave). */
  confirm_leaving?: string;
}
export interface Problem {
  file: string;
  line: number | null;
  code: string;
  message: string;
}
export interface AppPassword {
  id: string;
  name: string;
  created_at: string;
  last_used_at?: string;
  /** Only in the answer to its creation. */
  password?: string;
}
