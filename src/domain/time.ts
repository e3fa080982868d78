/**
 * Instants from Graph and from stored records. Graph writes `0001-01-01T00:00:00Z` for "never", which
 * must not read as "two thousand years ago": anything before 2000 counts as unknown.
 */
const EARLIEST_REAL = Date.UTC(2000, 0, 1);

export function instant(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) && ms >= EARLIEST_REAL ? ms : undefined;
}

export const iso = (ms: number): string => new Date(ms).toISOString();

export const minutesBetween = (from: number, to: number): number =>
  Math.max(0, Math.floor((to - from) / 60_000));
