// The drive's JSON shapes (see /api/v1/openapi.json) and small helpers for showing them.

import { ApiError, get } from './api';
import { i18n } from './i18n.svelte';

export type Access = 'view' | 'edit';

export interface Space {
  id: string;
  kind: 'personal' | 'group' | 'staff';
  name: string;
  group_id?: string;
  school_id?: string;
  root_id: string;
  quota_bytes: number;
  used_bytes: number;
  access: Access | 'none';
  can_set_quota: boolean;
}

/** What a drive item is: a file, a folder, or a Tavle document (edited in the browser). */
export type NodeKind = 'file' | 'folder' | 'document';

export interface DriveNode {
  id: string;
  space_id: string;
  parent_id: string | null;
  name: string;
  kind: NodeKind;
  size: number;
  sha256?: string;
  etag: string;
  created_at: string;
  modified_at: string;
  trashed_at?: string;
}

export interface Crumb {
  id: string;
  name: string;
}

export interface NodeDetail {
  node: DriveNode;
  path: Crumb[];
  access: Access;
}

export interface Folder {
  folder: NodeDetail;
  children: DriveNode[];
}

export interface Version {
  id: string;
  size: number;
  sha256: string;
  modified_at: string;
  replaced_at: string;
  /** The name a person gave it (a document's named versions). */
  label?: string;
}

/** What a document's page says once an older version was made its content from the version's
 * page (the note `navigate` leaves it): when that version was written. */
export interface Restored {
  restored: string;
}

export interface Share {
  id: string;
  node_id: string;
  grantee_kind: 'person' | 'group' | 'school';
  grantee_id: string;
  grantee_name: string;
  access: Access;
  created_at: string;
  expires_at?: string;
}

export interface Shared {
  share: Share;
  node: NodeDetail;
  shared_by: string;
}

export interface Link {
  id: string;
  node_id: string;
  kind: 'download' | 'upload';
  token: string;
  path: string;
  has_password: boolean;
  expires_at?: string;
  created_at: string;
}

export interface LinkNode {
  id: string;
  name: string;
  kind: 'file' | 'folder';
  size: number;
  etag: string;
  modified_at: string;
}

export interface OpenedLink {
  kind: 'download' | 'upload';
  owner_name: string;
  locked: boolean;
  expires_at?: string;
  node?: LinkNode;
}

export interface LinkFolder {
  link: OpenedLink;
  path: Crumb[];
  children: LinkNode[];
}

/** The units sizes are shown in: powers of 1024, written as most people know them (a quota of
 * 5 GiB is "5 GB", as in Windows' Explorer). Quotas are typed in the same units. */
export const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;
export const unitBytes = (unit: (typeof UNITS)[number]) => 1024 ** UNITS.indexOf(unit);

/** Bytes as a person reads them: "4,2 MB" in Danish, "4.2 MB" in English (powers of 1024). */
export function bytes(n: number): string {
  let i = 0;
  let v = n;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  const locale = i18n.lang === 'da' ? 'da-DK' : 'en-GB';
  const digits = i === 0 || v >= 100 ? 0 : 1;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(v)} ${UNITS[i]}`;
}

/** How a file can be previewed in the browser, from its name. */
export function previewKind(name: string): 'image' | 'pdf' | 'text' | null {
  const ext = name.toLowerCase().split('.').pop() ?? '';
  if (['png', 'jpg', 'jpeg', 'gif', 'webp', 'avif', 'bmp'].includes(ext)) return 'image';
  if (ext === 'pdf') return 'pdf';
  if (['txt', 'md', 'csv', 'log', 'text'].includes(ext)) return 'text';
  return null;
}

/** Whether a file can be opened as a Tavle document: a Word (DOCX) or OpenDocument (ODT) text. */
export const convertible = (name: string) => /\.(docx|odt)$/i.test(name);

/** A file's extension in lower case ("docx"), or "" when its name has none. */
export function extension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
}

/** The municipality's office server (Collabora Online or OnlyOffice), GET /api/v1/office. */
export interface OfficeSettings {
  discovery_url: string;
  /** The extensions it opens, of docx, xlsx, pptx, odt, ods, odp. */
  extensions: string[];
}

// Which file types the municipality's office server opens: asked once per page load (and
// municipality), when a drive page first needs it. "None" (404) is remembered; a failure of the
// moment is not, so the next drive page asks again.
let office: { tenant: string; extensions: Promise<string[]> } | null = null;

/** The extensions (lower case) the office server of `tenant` opens; none when it has none. */
export function officeExtensions(tenant: string): Promise<string[]> {
  if (office?.tenant !== tenant) {
    const extensions: Promise<string[]> = get<OfficeSettings>('/api/v1/office').then(
      (o) => o.extensions.map((e) => e.toLowerCase()),
      (e) => {
        if (!(e instanceof ApiError && e.status === 404) && office?.extensions === extensions) office = null;
        return [];
      },
    );
    office = { tenant, extensions };
  }
  return office.extensions;
}

/** After the office server was set or removed: the drive asks again. */
export function forgetOffice() {
  office = null;
}

/** Whether a file (not a folder, not a Tavle document) opens in the office server. */
export const opensInOffice = (n: { name: string; kind: NodeKind }, extensions: string[]) =>
  n.kind === 'file' && extensions.includes(extension(n.name));

/** The server's page that frames the office application around a file (a full page, not the app's). */
export const officeHref = (id: string) => `/office/${encodeURIComponent(id)}`;

/** A file opened as a document (POST /api/v1/drive/nodes/{file}/convert): the new document
 * beside it, and what of the file it does not hold ("image", "footnote", an element's name). */
export interface Converted {
  document: DriveNode;
  not_converted: string[];
}

/** What a document just made from a file was made from and left out: the drive's page hands it
 * to the document's (`navigate`'s note), which says it once. */
export interface MadeFrom {
  file: string;
  left: string[];
}

/** Where an item opens in the app: a document in the editor, the rest in the drive. */
export const nodeHref = (n: { id: string; kind: NodeKind }) =>
  n.kind === 'document' ? `/documents/${n.id}` : `/files/${n.id}`;

export const contentUrl = (id: string, inline = false) =>
  `/api/v1/drive/nodes/${encodeURIComponent(id)}/content${inline ? '?disposition=inline' : ''}`;
