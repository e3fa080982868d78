import type { Coverage } from '../rules/coverage.js';
import type { AlertBook, PendingAlert } from './book.js';
import { fingerprint } from './fingerprint.js';
import { inhibitorsOf, mutedBy } from './inhibit.js';
import {
  bySeverity,
  RESOLUTION_WAIT_MS,
  type Alert,
  type AlertCandidate,
  type ResolutionNote,
  type Severity,
  type Transition,
} from '../domain/alertModel.js';
import type { AlertSettings } from './settings.js';

/** Hold-down and group interval are off (0) when a caller leaves them out. */
type LifecycleSettings = Pick<AlertSettings, 'repeatMs' | 'sendResolved' | 'flapWindowMs'> &
  Partial<Pick<AlertSettings, 'holdDownMs' | 'groupIntervalMs' | 'repeatWarningMs'>>;

const RANK: Readonly<Record<Severity, number>> = { warning: 1, critical: 2 };
const CHANGES_MAX = 10;

/**
 * The lifecycle engine: from the book of the previous run, this run's candidates and what this run
 * checked, the next book and the transitions to record and notify. Pure.
 *
 * Per alert (one per fingerprint), in this order:
 * - muted by inhibition: not opened; an open one stays as it is, with no transition of any kind;
 * - raised and not open, warning, raised for less than ALERT_HOLD_DOWN_MINUTES (Prometheus `for:`):
 *   pending, no alert and no transition yet; gone again before that: never told, never recorded.
 *   Critical conditions (and candidates marked skipHoldDown) skip the hold-down: they open at once;
 * - raised and not open: `new`. A resolved alert that comes back within ALERT_FLAP_WINDOW_MINUTES is
 *   `new` again too, with `reopenCount` + 1: people were told RESOLVED, so they must be told it is back,
 *   and the count lets the message say "back again (flapping)". Its old acknowledgement does not carry
 *   over: an acknowledgement ends when the alert resolves;
 * - severity up: `escalated`. It also ends an acknowledgement: the acknowledgement was given for less;
 * - material change (materialKey differs, a new material item, or severity down): `updated`; for an
 *   acknowledged alert it is recorded but not notified (`recordOnly`). For `sync-errors` at most one
 *   per SYNC_ERRORS_GROUP_INTERVAL_MINUTES after the last notification (Alertmanager group_interval):
 *   a change inside the interval waits, and is told at its end if it still holds;
 * - only the tracked numbers changed (`trackedKey`): `updated`, recorded, not notified, so the row and
 *   the text follow the data;
 * - still firing ALERT_REPEAT_HOURS after the last notification, not acknowledged: `repeat`. A
 *   warning's repeat rides along with other news of this run only; on its own it waits for
 *   ALERT_REPEAT_WARNING_HOURS (reminders of warnings alone are what people learn to ignore);
 * - not raised and this run checked its subject: `resolved`, exactly once, notified even when
 *   acknowledged; recorded but not notified when ALERT_SEND_RESOLVED is off. It carries the rule's
 *   ResolutionNote (what ended it, what it cost); a note not settled yet (the outcome is not in the log
 *   yet) keeps the alert open without a transition for at most RESOLUTION_WAIT_MS;
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
  resolutions: readonly ResolutionNote[] = [],
): { book: AlertBook; transitions: Transition[] } {
  const at = now.toISOString();
  const notes = new Map(resolutions.map((n) => [fingerprint(n.kind, n.subject), n]));
  const nowMs = now.getTime();
  const before = new Map(previous.alerts.map((a) => [a.id, a]));
  const held = new Map((previous.pending ?? []).map((p) => [p.id, p]));
  const pending: PendingAlert[] = [];
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
  // Warning repeats that are due but go out only with other news: [transition, alert if not sent].
  const riders: [Transition, Alert][] = [];
  const ride = (transition: Transition, unsent: Alert) => riders.push([transition, unsent]);

  for (const [id, candidate] of raised) {
    const prior = before.get(id);
    const muter = mutedBy(inhibitors, candidate.kind, candidate.subject);
    if (!prior || prior.state === 'resolved') {
      const recent = prior !== undefined && withinFlapWindow(prior, nowMs, settings);
      if (muter) {
        if (recent) next.push(prior);
        continue;
      }
      const firstSeenAt = held.get(id)?.firstSeenAt ?? at;
      if (
        candidate.severity === 'warning' &&
        candidate.skipHoldDown !== true &&
        nowMs - Date.parse(firstSeenAt) < (settings.holdDownMs ?? 0)
      ) {
        pending.push({ id, kind: candidate.kind, subject: candidate.subject, firstSeenAt });
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
    next.push(step(prior, candidate, now, settings, emit, ride));
  }

  // A pending warning that was not raised again cleared within its hold-down, unless this run could not check it.
  for (const waiting of held.values()) {
    if (!raised.has(waiting.id) && !coverage.isChecked({ ...waiting, openedAt: waiting.firstSeenAt }))
      pending.push(waiting);
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
    const note = notes.get(prior.id);
    const resolvingSince = prior.resolvingSince ?? at;
    if (note && !note.settled && nowMs - Date.parse(resolvingSince) < RESOLUTION_WAIT_MS) {
      next.push(expireSilence({ ...prior, resolvingSince }, nowMs));
      continue;
    }
    const alert: Alert = withoutUndefined({
      ...prior,
      state: 'resolved',
      resolvedAt: at,
      clearedAt: prior.resolvingSince ?? at,
      lastChangedAt: at,
      silencedUntil: undefined,
      inhibitedBy: undefined,
      resolvingSince: undefined,
      resolution: note?.resolution,
    });
    emit({
      transition: 'resolved',
      at,
      alert,
      ...(settings.sendResolved ? {} : { recordOnly: true }),
    });
    next.push(alert); // kept for the flap window, dropped by a later run
  }

  if (transitions.some((t) => !t.recordOnly)) {
    transitions.push(...riders.map(([t]) => t));
  } else {
    const unsent = new Map(riders.map(([t, alert]) => [t.alert.id, alert]));
    for (let i = 0; i < next.length; i++) next[i] = unsent.get(next[i]?.id ?? '') ?? next[i]!;
  }

  next.sort((a, b) => a.id.localeCompare(b.id));
  transitions.sort(bySeverity);
  pending.sort((a, b) => a.id.localeCompare(b.id));
  return { book: { ...previous, alerts: next, pending }, transitions };
}

/** An open (or acknowledged) alert that is still raised: escalated, updated, repeat, or quietly refreshed. */
function step(
  prior: Alert,
  candidate: AlertCandidate,
  now: Date,
  settings: LifecycleSettings,
  emit: (t: Transition) => void,
  ride: (t: Transition, unsent: Alert) => void,
): Alert {
  const at = now.toISOString();
  const current = expireSilence({ ...prior, inhibitedBy: undefined }, now.getTime());
  const silenced = current.state === 'acknowledged';
  // Facts refresh every run (counts, durations); what was material stays until a transition records it.
  const refreshed: Alert = withoutUndefined({
    ...current,
    resolvingSince: undefined,
    summary: candidate.summary,
    since: candidate.since,
    details: candidate.details,
    subject: candidate.subject,
    materialItems: candidate.materialItems,
    trackedKey: candidate.trackedKey,
  });
  const changes = materialChanges(prior, candidate);
  const up = RANK[candidate.severity] > RANK[prior.severity];
  const down = RANK[candidate.severity] < RANK[prior.severity];
  const groupWait =
    prior.kind === 'sync-errors' &&
    now.getTime() - Date.parse(current.lastNotifiedAt) < (settings.groupIntervalMs ?? 0);
  const trackedChange =
    candidate.trackedKey !== undefined && prior.trackedKey !== candidate.trackedKey
      ? [`${prior.trackedKey ?? 'before'} → ${candidate.trackedKey}`]
      : [];

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
  if ((down || changes.length > 0) && groupWait) {
    // Inside the group interval: the text follows the data, the material state stays as last told, so
    // the change is told at the end of the interval if it still holds.
    const alert: Alert = withoutUndefined({
      ...refreshed,
      materialKey: prior.materialKey,
      materialItems: prior.materialItems,
    });
    if (trackedChange.length > 0)
      emit({ transition: 'updated', at, alert, changes: trackedChange, recordOnly: true });
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
    const transition: Transition = {
      transition: 'updated',
      at,
      alert,
      ...(down ? { previousSeverity: prior.severity } : {}),
      changes: [
        ...(down ? [`severity lowered from ${prior.severity} to ${candidate.severity}`] : []),
        ...changes,
      ],
      ...(silenced ? { recordOnly: true } : {}),
    };
    // A warning's news that is not urgent (a new code among a few failing objects) rides along with
    // the next message, told on its own once ALERT_REPEAT_WARNING_HOURS passed without one (that
    // setting equal to ALERT_REPEAT_HOURS tells warnings at once, like criticals).
    const warningBound = settings.repeatWarningMs ?? settings.repeatMs;
    const rides =
      !silenced &&
      prior.severity === 'warning' &&
      warningBound > settings.repeatMs &&
      now.getTime() - Date.parse(current.lastNotifiedAt) < (settings.repeatWarningMs ?? settings.repeatMs);
    if (rides) {
      const unsent = withoutUndefined({
        ...refreshed,
        materialKey: prior.materialKey,
        materialItems: prior.materialItems,
      });
      ride(transition, unsent);
      if (trackedChange.length > 0)
        emit({ transition: 'updated', at, alert: unsent, changes: trackedChange, recordOnly: true });
    } else emit(transition);
    return alert;
  }
  const quiet = now.getTime() - Date.parse(current.lastNotifiedAt);
  if (!silenced && quiet >= settings.repeatMs) {
    const alert: Alert = { ...refreshed, lastNotifiedAt: at };
    const alone = prior.severity === 'critical' || quiet >= (settings.repeatWarningMs ?? settings.repeatMs);
    if (alone) emit({ transition: 'repeat', at, alert });
    else ride({ transition: 'repeat', at, alert }, refreshed);
    return alert;
  }
  if (trackedChange.length > 0) {
    emit({ transition: 'updated', at, alert: refreshed, changes: trackedChange, recordOnly: true });
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
