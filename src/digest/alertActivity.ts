import type { AlertLine, AlertsDigest } from '../domain/digestModel.js';
import type { HourRollup, TransitionEntry } from './rollupSchema.js';

/**
 * Alerts of the day from the recorded lifecycle transitions: opened (a `new` transition in the window),
 * resolved (a `resolved` transition in the window), still open (the latest transition known is not
 * `resolved`). The day before is read too, so an alert opened yesterday and still open today is listed
 * even if it only sent reminders (`repeat`) today.
 */

const SEVERITY_RANK: Readonly<Record<string, number>> = { critical: 2, warning: 1 };

export function buildAlerts(
  window: readonly HourRollup[],
  previousDay: readonly HourRollup[],
  windowStart: number,
  windowEnd: number,
): AlertsDigest {
  const all = [...previousDay, ...window]
    .flatMap((h) => h.transitions)
    .filter((t) => Date.parse(t.at) < windowEnd);
  const byAlert = new Map<string, TransitionEntry[]>();
  for (const t of [...all].sort((a, b) => a.at.localeCompare(b.at))) {
    const list = byAlert.get(t.alertId) ?? [];
    list.push(t);
    byAlert.set(t.alertId, list);
  }
  const opened: AlertLine[] = [];
  const stillOpen: AlertLine[] = [];
  const resolved: AlertLine[] = [];
  for (const [alertId, transitions] of byAlert) {
    const last = transitions[transitions.length - 1]!;
    const inWindow = (t: TransitionEntry) => Date.parse(t.at) >= windowStart;
    const openedT = [...transitions].reverse().find((t) => t.transition === 'new');
    const resolvedT = [...transitions].reverse().find((t) => t.transition === 'resolved' && inWindow(t));
    const line: AlertLine = {
      alertId,
      kind: last.kind,
      severity:
        [...transitions].reverse().find((t) => t.transition !== 'resolved')?.severity ?? last.severity,
      summary: [...transitions].reverse().find((t) => t.transition !== 'resolved')?.summary ?? last.summary,
      subject: subjectOf(last),
      jobId: last.jobId ?? null,
      ...(last.agentId ? { agentId: last.agentId } : {}),
      openedAt: openedT?.at ?? null,
      since: [...transitions].reverse().find((t) => t.since)?.since ?? null,
      // When the problem ended, as its RESOLVED message says (a resolve that waited is told later).
      resolvedAt: last.transition === 'resolved' ? (last.clearedAt ?? last.at) : null,
      lastTransition: last.transition,
      lastAt: last.at,
      ...(last.silencedBy && last.transition !== 'resolved' ? { silencedBy: last.silencedBy } : {}),
      ...(last.transition === 'resolved' && last.deletion ? { deletion: last.deletion } : {}),
    };
    if (transitions.some((t) => t.transition === 'new' && inWindow(t))) opened.push(line);
    if (last.transition !== 'resolved') stillOpen.push(line);
    else if (resolvedT) resolved.push(line);
  }
  // Critical first; within a severity the longest-standing first (opened before the two days we read: first of all).
  const order = (a: AlertLine, b: AlertLine) =>
    (SEVERITY_RANK[b.severity] ?? 0) - (SEVERITY_RANK[a.severity] ?? 0) ||
    (a.openedAt ?? '').localeCompare(b.openedAt ?? '') ||
    a.alertId.localeCompare(b.alertId);
  return {
    recorded: all.length > 0,
    opened: opened.sort(order),
    stillOpen: stillOpen.sort(order),
    resolved: resolved.sort(order),
  };
}

function subjectOf(t: TransitionEntry): string | null {
  if (t.machineName) return t.machineName;
  if (t.configurationName && t.templateId) return `${t.configurationName} / ${t.templateId}`;
  return t.configurationName ?? t.jobId ?? t.agentId ?? null;
}
