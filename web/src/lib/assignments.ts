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
  handed_in_at: string;
  late_by_secs: number;
  files: HandInFile[];
  receipt: unknown;
  feedback?: string;
  grade?: string;
  returned_at?: string;
  resubmission_requested: boolean;
}

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
}

/** A fresh key for one hand-in attempt: a retry of the same attempt reuses it. */
export function attemptKey(): string {
  return crypto.randomUUID();
}
