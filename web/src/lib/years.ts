import { today } from './i18n.svelte';
import type { SchoolYear } from './types';

/** The school year running today, or else the one that starts last. */
export function currentYear(years: SchoolYear[]): SchoolYear | undefined {
  const d = today();
  return (
    years.find((y) => y.starts_on <= d && d <= y.ends_on) ??
    [...years].sort((a, b) => b.starts_on.localeCompare(a.starts_on))[0]
  );
}
