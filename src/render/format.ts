/**
 * Formatting shared by every renderer (Alertmanager's idea: format once, render per channel): times in
 * UTC with an explicit zone, since an alert is read by people in several time zones and compared with
 * portal and log timestamps, which are UTC; durations in the largest sensible units.
 */

/** `2026-03-01 02:14 UTC`; the input unchanged when it is not a time. */
export function formatInstant(iso: string | null | undefined): string {
  if (!iso) return 'unknown';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `47 min`, `3 h 12 min`, `2 d 4 h`. */
export function formatDuration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

/** `2026-03-01 02:14 UTC (3 h 12 min ago)`, relative to when the message was generated. */
export function formatSince(iso: string | null | undefined, generatedAt: Date): string {
  if (!iso) return 'unknown';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const delta = generatedAt.getTime() - ms;
  if (delta < 60_000 && delta > -60_000) return `${formatInstant(iso)} (just now)`;
  return delta > 0
    ? `${formatInstant(iso)} (${formatDuration(delta)} ago)`
    : `${formatInstant(iso)} (in ${formatDuration(-delta)})`;
}

/** An ISO 8601 duration as Graph gives schedule intervals (`PT2M`, `PT40M`, `P1D`) in words; else unchanged. */
export function formatIsoDuration(value: string): string {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(value);
  if (!m || value === 'P' || value === 'PT') return value;
  const [days, hours, minutes, seconds] = m.slice(1).map((v) => Number(v ?? 0)) as [
    number,
    number,
    number,
    number,
  ];
  const ms = (((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000;
  return ms < 60_000 ? `${seconds} s` : formatDuration(ms);
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
}

const TEMPLATES: Readonly<Record<string, string>> = {
  AD2AADProvisioning: 'AD to Entra ID provisioning',
  AD2AADPasswordHash: 'password hash sync',
  AAD2ADGroupProvisioning: 'Entra ID to AD group provisioning',
  AAD2ADExchangeHybridWriteback: 'Exchange hybrid writeback',
};

/** What a job does, in words, from its templateId (or the job id's prefix). */
export function jobPurpose(templateId: string | null | undefined, jobId?: string | null): string | undefined {
  const template = templateId ?? jobId?.split('.')[0];
  return template ? (TEMPLATES[template] ?? template) : undefined;
}

/** Control characters (header injection, layout) out, length capped: for the subject and titles. */
export function oneLine(value: string, max: number): string {
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  const flat = value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
  const points = Array.from(flat);
  return points.length <= max ? flat : `${points.slice(0, max - 1).join('')}…`;
}
