import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { alertLabels, labelMatches, MATCHER_LABELS } from '../domain/alertLabels.js';
import type { Alert, Transition, TransitionKind } from '../domain/alertModel.js';
import { readValidated, type StateStore } from '../state/store.js';
import { updateState } from '../state/update.js';

/**
 * Silences and maintenance windows (issue 11 item 3, Alertmanager's silences): matchers over an
 * alert's labels and a time window, with who and why. A silenced alert still records every transition
 * (CloudSyncAlert_CL, status, the digest) but notifies nobody; if it still fires when the silence ends,
 * the run after tells what was held back (a `new` when people never heard of it, else a `repeat`).
 * Silences live in the tenant's state (`silences`); recurring windows come from MAINTENANCE_WINDOWS.
 */
export const SILENCES_KEY = 'silences';

/** Label -> value, exact and case-insensitive; every given label must match. */
export const silenceMatchers = z
  .object({
    kind: z.string().min(1).optional(),
    severity: z.enum(['warning', 'critical']).optional(),
    /** The configuration (AD domain) name. */
    configuration: z.string().min(1).optional(),
    /** AD2AAD, AAD2AD, Entra2AD (jobTemplates.ts). */
    jobFamily: z.string().min(1).optional(),
    tenant: z.string().min(1).optional(),
    alertId: z.string().min(1).optional(),
  })
  .strict()
  .refine((m) => Object.values(m).some((v) => v !== undefined), 'a silence needs at least one matcher');
export type SilenceMatchers = z.infer<typeof silenceMatchers>;
export { alertLabels, MATCHER_LABELS };

const time = z.iso.datetime();
export const silenceSchema = z.object({
  id: z.string().min(1),
  matchers: silenceMatchers,
  startsAt: time,
  endsAt: time,
  createdBy: z.string().min(1).max(200),
  comment: z.string().max(500),
  createdAt: time,
  /** Ended early by `silence expire`. */
  expiredAt: time.optional(),
});
export type Silence = z.infer<typeof silenceSchema>;
const silenceList = z.object({ silences: z.array(silenceSchema) });

export function matches(matchers: SilenceMatchers, alert: Alert): boolean {
  const labels = alertLabels(alert);
  return MATCHER_LABELS.every((label) => {
    const wanted = matchers[label];
    return wanted === undefined || labelMatches(labels[label], wanted);
  });
}

export function isActive(silence: Silence, now: Date): boolean {
  const t = now.getTime();
  const end = Math.min(
    Date.parse(silence.endsAt),
    silence.expiredAt ? Date.parse(silence.expiredAt) : Infinity,
  );
  return Date.parse(silence.startsAt) <= t && t < end;
}

/** The active silence that mutes this alert now, if any. */
export function silenceFor(alert: Alert, silences: readonly Silence[], now: Date): Silence | undefined {
  return silences.find((s) => isActive(s, now) && matches(s.matchers, alert));
}

/* ------------------------------------------------------------------ recurring windows */

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** MAINTENANCE_WINDOWS: a JSON array of recurring windows in UTC (Functions timers are UTC too). */
export const maintenanceWindows = z.array(
  z
    .object({
      name: z.string().min(1).max(80),
      matchers: silenceMatchers,
      days: z
        .array(z.enum(DAYS))
        .min(1)
        .default([...DAYS]),
      start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'start must be HH:MM (UTC)'),
      durationMinutes: z
        .number()
        .int()
        .min(1)
        .max(7 * 24 * 60),
      comment: z.string().max(500).default(''),
    })
    .strict(),
);
export type MaintenanceWindow = z.infer<typeof maintenanceWindows>[number];

/** The recurring windows open at `now`, as silences (id `window:<name>`), so both mute alike. */
export function windowSilences(windows: readonly MaintenanceWindow[], now: Date): Silence[] {
  const out: Silence[] = [];
  for (const w of windows) {
    const [hh, mm] = w.start.split(':').map(Number) as [number, number];
    // A window that started on one of the last 7 days may still be open (long windows cross midnight).
    for (let back = 0; back <= 7; back++) {
      const day = new Date(
        Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - back, hh, mm),
      );
      if (!w.days.includes(DAYS[day.getUTCDay()]!)) continue;
      const end = new Date(day.getTime() + w.durationMinutes * 60_000);
      if (day <= now && now < end) {
        out.push({
          id: `window:${w.name}`,
          matchers: w.matchers,
          startsAt: day.toISOString(),
          endsAt: end.toISOString(),
          createdBy: 'MAINTENANCE_WINDOWS',
          comment: w.comment || `maintenance window ${w.name}`,
          createdAt: day.toISOString(),
        });
        break;
      }
    }
  }
  return out;
}

/* ------------------------------------------------------------------ the lifecycle pass */

/**
 * After the lifecycle (advance): transitions of silenced alerts become record-only and the alert
 * remembers what it held back; an alert whose silence ended while it still fires and that got no
 * transition of its own this run gets one now. Pure.
 */
export function applySilences(
  alerts: readonly Alert[],
  transitions: readonly Transition[],
  silences: readonly Silence[],
  now: Date,
): { alerts: Alert[]; transitions: Transition[] } {
  const at = now.toISOString();
  const touched = new Set(transitions.map((t) => t.alert.id));
  const held = new Map<string, { silence: Silence; missed: TransitionKind }>();
  const out: Transition[] = transitions.map((t) => {
    const silence = silenceFor(t.alert, silences, now);
    if (!silence || t.recordOnly) return t;
    const before = alerts.find((a) => a.id === t.alert.id)?.heldBack;
    held.set(t.alert.id, { silence, missed: before === 'new' ? 'new' : t.transition });
    return { ...t, recordOnly: true, silencedBy: silence.id };
  });
  const next = alerts.map((alert): Alert => {
    const h = held.get(alert.id);
    if (h) return { ...alert, silencedBy: h.silence.id, heldBack: h.missed };
    if (alert.state === 'resolved' || !alert.heldBack) return clearSilence(alert);
    const silence = silenceFor(alert, silences, now);
    if (silence) return { ...alert, silencedBy: silence.id };
    if (touched.has(alert.id)) return clearSilence(alert);
    // The silence ended and the alert still fires: tell what was held back, now.
    const told: Alert = { ...clearSilence(alert), lastNotifiedAt: at };
    out.push({
      transition: alert.heldBack === 'new' ? 'new' : 'repeat',
      at,
      alert: told,
      changes: [`silence ${alert.silencedBy ?? ''} ended; still firing`.replace('  ', ' ')],
    });
    return told;
  });
  return { alerts: next, transitions: out };
}

function clearSilence(alert: Alert): Alert {
  const { silencedBy: _s, heldBack: _h, ...rest } = alert;
  return rest;
}

/* ------------------------------------------------------------------ the store */

/** What `status` shows of the silence that mutes an alert: which, by whom, until when, why. */
export interface SilenceView {
  readonly id: string;
  readonly by: string;
  readonly until: string;
  readonly comment: string;
}

/**
 * The stored silences and the maintenance windows open at `now`: every silence that can mute an alert
 * now (the run applies the same list).
 */
export async function silencesAt(
  state: StateStore,
  tenantId: string,
  windows: readonly MaintenanceWindow[],
  now: Date,
): Promise<Silence[]> {
  return [...(await readSilences(state, tenantId)), ...windowSilences(windows, now)];
}

export function silenceView(id: string | undefined, silences: readonly Silence[]): SilenceView | undefined {
  const found = id === undefined ? undefined : silences.find((s) => s.id === id);
  if (!found) return undefined;
  return {
    id: found.id,
    by: found.createdBy,
    until: found.expiredAt ?? found.endsAt,
    comment: found.comment,
  };
}

export async function readSilences(state: StateStore, tenantId: string): Promise<Silence[]> {
  return (await readValidated(state, { tenantId, name: SILENCES_KEY }, silenceList))?.value.silences ?? [];
}

/** Ended silences are kept a week (list shows them), then dropped. */
const KEEP_ENDED_MS = 7 * 24 * 3600_000;

export async function addSilence(
  state: StateStore,
  tenantId: string,
  input: Omit<Silence, 'id' | 'createdAt' | 'expiredAt'>,
  now: Date,
): Promise<Silence> {
  const parsed = silenceMatchers.safeParse(input.matchers);
  if (!parsed.success) throw new RangeError(parsed.error.issues.map((i) => i.message).join('; '));
  if (!(Date.parse(input.endsAt) > Date.parse(input.startsAt)))
    throw new RangeError('a silence must end after it starts');
  const silence: Silence = {
    ...input,
    matchers: parsed.data,
    createdBy: input.createdBy.replace(/\s+/g, ' ').trim().slice(0, 200) || 'unknown',
    comment: input.comment.replace(/\s+/g, ' ').trim().slice(0, 500),
    id: `s-${randomBytes(5).toString('hex')}`,
    createdAt: now.toISOString(),
  };
  await updateState(
    state,
    { tenantId, name: SILENCES_KEY },
    silenceList,
    (current) => ({
      value: { silences: [...kept(current?.silences ?? [], now), silence] },
      result: undefined,
    }),
    { now },
  );
  return silence;
}

export async function expireSilence(
  state: StateStore,
  tenantId: string,
  id: string,
  now: Date,
): Promise<Silence | undefined> {
  return updateState(
    state,
    { tenantId, name: SILENCES_KEY },
    silenceList,
    (current) => {
      const list = current?.silences ?? [];
      const found = list.find((s) => s.id === id);
      if (!found) return { result: undefined };
      if (found.expiredAt || Date.parse(found.endsAt) <= now.getTime()) return { result: found };
      const expired = { ...found, expiredAt: now.toISOString() };
      return { value: { silences: list.map((s) => (s.id === id ? expired : s)) }, result: expired };
    },
    { now },
  );
}

function kept(silences: readonly Silence[], now: Date): Silence[] {
  return silences.filter((s) => now.getTime() - Date.parse(s.expiredAt ?? s.endsAt) < KEEP_ENDED_MS);
}
