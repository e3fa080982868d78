/**
 * Durations: reading Graph's ISO 8601 durations (schedule intervals) and saying how long something
 * lasted. Two wordings, on purpose: alert summaries spell minutes out ("12 minutes", "2 h 5 min",
 * "4 days"), because they are stored in alert rows and read alone; facts, digests and tables are
 * compact ("47 min", "3 h 12 min", "2 d 4 h").
 */

const MINUTE = 60_000;

/**
 * An ISO 8601 duration such as PT2M, PT40M, PT1H30M, P1D or P1W in milliseconds (months and years are
 * not used by sync schedules); undefined when it cannot be read or is zero.
 */
export function isoDurationMs(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  const m =
    /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(
      text,
    );
  if (!m || text.toUpperCase() === 'P' || /T$/i.test(text)) return undefined;
  const [, w, d, h, min, s] = m.map((x) => (x === undefined ? 0 : Number(x)));
  const ms = ((((w ?? 0) * 7 + (d ?? 0)) * 24 + (h ?? 0)) * 60 + (min ?? 0)) * MINUTE + (s ?? 0) * 1000;
  return ms > 0 ? ms : undefined;
}

/** Compact: `47 min`, `3 h 12 min`, `2 d 4 h`. */
export function formatDuration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / MINUTE));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

/** For summaries, from whole minutes: `12 minutes`, `3 h 5 min`, `4 days`. */
export function formatMinutes(minutes: number): string {
  if (minutes < 60) return `${minutes} ${minutes === 1 ? 'minute' : 'minutes'}`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days`;
}

/** An ISO 8601 duration in words (`PT2M` -> `2 min`, `PT30S` -> `30 s`); anything unreadable unchanged. */
export function formatIsoDuration(value: string): string {
  const ms = isoDurationMs(value);
  if (ms === undefined) return value;
  return ms < MINUTE ? `${Math.round(ms / 1000)} s` : formatDuration(ms);
}
