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
/** A municipality's SCIM token, for its identity management system (`GET /api/v1/scim-tokens`);
 * the token itself is only in the answer to its creation. */
export interface ScimToken {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
}
/** A SCIM token just made (`POST /api/v1/scim-tokens`): the token and the address to use it at,
 * shown this once. */
export interface NewScimToken extends ScimToken {
  token: string;
  scim_url: string;
}
export interface AppPassword {
  id: string;
  name: string;
  created_at: string;
  last_used_at?: string;
  /** Only in the answer to its creation. */
  password?: string;
}

/** The person's own second factors (`GET /api/v1/me/second-factors`). */
export interface SecondFactors {
  totp: boolean;
  /** Set up but never confirmed with a first code (the secret cannot be shown again). */
  totp_pending: boolean;
  recovery_codes_left: number;
  /** How many passkeys the person has. */
  passkeys: number;
  /** Whether the person may set up an authenticator app or a passkey (staff; never pupils). */
  may_enrol: boolean;
  /** Whether the municipality requires a second factor of this person. */
  required: boolean;
}
/** One of my passkeys (`GET /api/v1/me/passkeys`). */
export interface Passkey {
  /** The credential's id: how it is removed. */
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
}
/** What a waiting login's second step takes (`GET /api/v1/session/second-factor`). */
export interface SecondStepStatus {
  /** `totp`, `recovery_code`, `passkey`: any of them. */
  methods: string[];
  /** The person has no second factor and must set one up to finish logging in. */
  must_enrol: boolean;
}
/** A municipality's rule of which roles need a second factor. */
export interface SecondFactorRule {
  /** `staff`, `school_admin`, `municipality_admin`. */
  roles: string[];
}
/** A new authenticator app's secret, shown once (`POST /api/v1/me/totp`). */
export interface TotpSetup {
  secret: string;
  otpauth_uri: string;
  /** The QR code of `otpauth_uri`, an SVG document drawn by the server. */
  qr_svg: string;
}

/** A municipality's login page (public): its login services' buttons in order. */
export interface LoginOptions {
  tenant_code: string;
  tenant_name: string;
  providers: { slug: string; display_name: string; start_url: string }[];
  password: boolean;
}
/** A school found by "Find din skole", with its municipality's login page (`/k/0751`). */
export interface SchoolFound {
  school: string;
  institution_number: string;
  tenant_code: string;
  tenant_name: string;
  login_url: string;
}
export type LoginPreset = 'unilogin' | 'os2faktor' | 'keycloak' | 'other';
/** A login service of the municipality as its admins see it (the secret is never sent back). */
export interface LoginProvider {
  id: string;
  slug: string;
  display_name: string;
  preset: LoginPreset;
  issuer: string;
  client_id: string;
  client_secret_set: boolean;
  client_secret_file: string | null;
  scopes: string;
  claim: string;
  namespace: string;
  enabled: boolean;
  position: number;
  /** What the service's discovery said when Tavle last read it. */
  check: { checked_at: string; pkce_s256: boolean; iss_parameter: boolean; end_session: boolean; backchannel_logout: boolean } | null;
  /** The addresses to register at the service. */
  redirect_uri: string;
  backchannel_logout_uri: string;
  post_logout_redirect_uri: string;
}
