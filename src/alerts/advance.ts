import type { Coverage } from '../rules/coverage.js';
import type { AlertBook } from './book.js';
import { fingerprint } from './fingerprint.js';
import { inhibitorsOf, mutedBy } from './inhibit.js';
import {
  bySeverity,
  type Alert,
  type AlertCandidate,
  type Severity,
  type Transition,
} from '../domain/alertModel.js';
import type { AlertSettings } from './settings.js';

type LifecycleSettings = Pick<AlertSettings, 'repeatMs' | 'sendResolved' | 'flapWindowMs'>;

const RANK: Readonly<Record<Severity, number>> = { warning: 1, critical: 2 };
const CHANGES_MAX = 10;

/**
 * The lifecycle engine: from the book of the previous run, this run's candidates and what this run
 * checked, the next book and the transitions to record and notify. Pure.
 *
 * Per alert (one per fingerprint), in this order:
 * - muted by inhibition: not opened; an open one stays as it is, with no transition of any kind;
 * - raised and not open: `new`. A resolved alert that comes back within ALERT_FLAP_WINDOW_MINUTES is
 *   `new` again too, with `reopenCount` + 1: people were told RESOLVED, so they must be told it is back,
 *   and the count lets the message say "back again (flapping)". Its old acknowledgement does not carry
 *   over: an acknowledgement ends when the alert resolves;
 * - severity up: `escalated`. It also ends an acknowledgement: the acknowledgement was given for less;
 * - material change (materialKey differs, a new material item, or severity down): `updated`; for an
 *   acknowledged alert it is recorded but not notified (`recordOnly`);
 * - still firing ALERT_REPEAT_HOURS after the last notification, not acknowledged: `repeat`;
 * - not raised and this run checked its subject: `resolved`, exactly once, notified even when
 *   acknowledged; recorded but not notified when ALERT_SEND_RESOLVED is off;
 * - not raised and not checked ("could not check is not clear"): stays open, no transition;
 * - acknowledged until a time that has passed: open again, silently; a repeat follows when due.
 * Resolved alerts are dropped from the book once outside the flap window.
 */
export function advance(
  previous: AlertBook,
  candidates: readonly AlertCandidate[],
  coverage: Coverage,
  now: Date,
  settings: LifecycleSettings,
): { book: AlertBook; transitions: Transition[] } {
  const at = now.toISOString();
  const nowMs = now.getTime();
  const before = new Map(previous.alerts.map((a) => [a.id, a]));
  const raised = new Map<string, AlertCandidate>();
  for (const candidate of candidates) {
    const id = fingerprint(candidate.kind, candidate.subject);
    const known = raised.get(id);
    if (!known || RANK[candidate.severity] > RANK[known.severity]) raised.set(id, candidate);
  }

  // Muting alerts: those raised now, and open ones this run could not check (still in effect as far as we know).
  const inhibitors = inhibitorsOf([
    ...[...raised].map(([id, c]) => ({ id, kind: c.kind, subject: c.subject })),
    ...previous.alerts.filter((a) => a.state !== 'resolved' && !raised.has(a.id) && !coverage.isChecked(a)),
  ]);

  const next: Alert[] = [];
  const transitions: Transition[] = [];
  const emit = (transition: Transition) => transitions.push(transition);

  for (const [id, candidate] of raised) {
    const prior = before.get(id);
    const muter = mutedBy(inhibitors, candidate.kind, candidate.subject);
    if (!prior || prior.state === 'resolved') {
      const recent = prior !== undefined && withinFlapWindow(prior, nowMs, settings);
      if (muter) {
        if (recent) next.push(prior);
        continue;
      }
      const reopened = recent;
      const alert: Alert = withoutUndefined({
        ...candidate,
        id,
        state: 'open',
        openedAt: at,
        lastChangedAt: at,
        lastNotifiedAt: at,
        reopenCount: reopened ? (prior?.reopenCount ?? 0) + 1 : undefined,
      });
      next.push(alert);
      emit({ transition: 'new', at, alert });
      continue;
    }
    if (muter) {
      next.push({ ...prior, inhibitedBy: muter });
      continue;
    }
    next.push(step(prior, candidate, now, settings, emit));
  }

  for (const prior of previous.alerts) {
    if (raised.has(prior.id)) continue;
    if (prior.state === 'resolved') {
      if (withinFlapWindow(prior, nowMs, settings)) next.push(prior);
      continue;
    }
    const muter = mutedBy(inhibitors, prior.kind, prior.subject);
    if (muter || !coverage.isChecked(prior)) {
      const kept = muter
        ? { ...prior, inhibitedBy: muter }
        : withoutUndefined({ ...prior, inhibitedBy: undefined });
      next.push(expireSilence(kept, nowMs));
      continue;
    }
    const alert: Alert = withoutUndefined({
      ...prior,
      state: 'resolved',
      resolvedAt: at,
      lastChangedAt: at,
      silencedUntil: undefined,
      inhibitedBy: undefined,
    });
    emit({
      transition: 'resolved',
      at,
      alert,
      ...(settings.sendResolved ? {} : { recordOnly: true }),
    });
    next.push(alert); // kept for the flap window, dropped by a later run
  }

  next.sort((a, b) => a.id.localeCompare(b.id));
  transitions.sort(bySeverity);
  return { book: { ...previous, alerts: next }, transitions };
}

/** An open (or acknowledged) alert that is still raised: escalated, updated, repeat, or quietly refreshed. */
function step(
  prior: Alert,
  candidate: AlertCandidate,
  now: Date,
  settings: LifecycleSettings,
  emit: (t: Transition) => void,
): Alert {
  const at = now.toISOString();
  const current = expireSilence({ ...prior, inhibitedBy: undefined }, now.getTime());
  const silenced = current.state === 'acknowledged';
  // Facts refresh every run (counts, durations); what was material stays until a transition records it.
  const refreshed: Alert = withoutUndefined({
    ...current,
    summary: candidate.summary,
    since: candidate.since,
    details: candidate.details,
    subject: candidate.subject,
    materialItems: candidate.materialItems,
  });
  const changes = materialChanges(prior, candidate);
  const up = RANK[candidate.severity] > RANK[prior.severity];
  const down = RANK[candidate.severity] < RANK[prior.severity];

  if (up) {
    const alert: Alert = withoutUndefined({
      ...refreshed,
      severity: candidate.severity,
      materialKey: candidate.materialKey,
      state: 'open',
      silencedUntil: undefined,
      acknowledgedBy: undefined,
      lastChangedAt: at,
      lastNotifiedAt: at,
    });
    emit({
      transition: 'escalated',
      at,
      alert,
      previousSeverity: prior.severity,
      changes: [`severity raised from ${prior.severity} to ${candidate.severity}`, ...changes],
    });
    return alert;
  }
  if (down || changes.length > 0) {
    const alert: Alert = {
      ...refreshed,
      severity: candidate.severity,
      materialKey: candidate.materialKey,
      lastChangedAt: at,
      lastNotifiedAt: silenced ? current.lastNotifiedAt : at,
    };
    emit({
      transition: 'updated',
      at,
      alert,
      ...(down ? { previousSeverity: prior.severity } : {}),
      changes: [
        ...(down ? [`severity lowered from ${prior.severity} to ${candidate.severity}`] : []),
        ...changes,
      ],
      ...(silenced ? { recordOnly: true } : {}),
    });
    return alert;
  }
  if (!silenced && now.getTime() - Date.parse(current.lastNotifiedAt) >= settings.repeatMs) {
    const alert: Alert = { ...refreshed, lastNotifiedAt: at };
    emit({ transition: 'repeat', at, alert });
    return alert;
  }
  return refreshed;
}

/** What changed materially, for people: a changed key, and items that were not there before. */
function materialChanges(prior: Alert, candidate: AlertCandidate): string[] {
  const changes: string[] = [];
  if (prior.materialKey !== candidate.materialKey)
    changes.push(`${prior.materialKey} → ${candidate.materialKey}`);
  const known = new Set(prior.materialItems ?? []);
  const added = (candidate.materialItems ?? []).filter((item) => !known.has(item));
  changes.push(...added.slice(0, CHANGES_MAX).map((item) => `new: ${item}`));
  if (added.length > CHANGES_MAX) changes.push(`and ${added.length - CHANGES_MAX} more new`);
  return changes;
}

const withinFlapWindow = (alert: Alert, nowMs: number, settings: LifecycleSettings): boolean =>
  nowMs - Date.parse(alert.resolvedAt ?? alert.lastChangedAt) <= settings.flapWindowMs;

/** An acknowledgement for a time ends when that time has come: open again, with no transition of its own. */
function expireSilence(alert: Alert, nowMs: number): Alert {
  if (alert.state !== 'acknowledged' || !alert.silencedUntil || alert.silencedUntil === 'resolve')
    return alert;
  if (Date.parse(alert.silencedUntil) > nowMs) return alert;
  return withoutUndefined({ ...alert, state: 'open', silencedUntil: undefined, acknowledgedBy: undefined });
}

/** Stored alerts are JSON: optional fields are absent, never `undefined`. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
