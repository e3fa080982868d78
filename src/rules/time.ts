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

/**
 * An ISO 8601 duration such as PT2M, PT40M, PT1H30M or P1D in milliseconds (months and years are not
 * used by sync schedules); undefined when it cannot be read.
 */
export function durationMs(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const m =
    /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(
      value.trim(),
    );
  if (!m || value.trim().toUpperCase() === 'P' || /T$/i.test(value.trim())) return undefined;
  const [, w, d, h, min, s] = m.map((x) => (x === undefined ? 0 : Number(x)));
  const ms = ((((w ?? 0) * 7 + (d ?? 0)) * 24 + (h ?? 0)) * 60 + (min ?? 0)) * 60_000 + (s ?? 0) * 1000;
  return ms > 0 ? ms : undefined;
}

/** "12 minutes", "3 h 5 min", "4 days": how long, for summaries. */
export function formatMinutes(minutes: number): string {
  if (minutes < 60) return `${minutes} ${minutes === 1 ? 'minute' : 'minutes'}`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days`;
}
