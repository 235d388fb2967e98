// Translated names for the server's codes.

import { t, type Key } from './i18n.svelte';
import type { Group } from './types';

export function groupKindLabel(g: Pick<Group, 'kind'>): string {
  return t(`kind.${g.kind}` as Key);
}

/** `pupil`, `teacher`, `staff` or `admin`. */
export function schoolRoleLabel(role: string): string {
  return t(`role.${role}` as Key);
}

export function statusLabel(status: string): string {
  return t(`status.${status}` as Key);
}

export function changeLabel(kind: string): string {
  return t(`change.${kind}` as Key);
}
