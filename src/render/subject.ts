import { oneLine } from '../domain/text.js';
import { CATCH_UP_LABEL } from './catchUpNote.js';
import type { AlertView, RenderContext } from './view.js';

/**
 * The subject line, which is all many people see on a phone lock screen, the Alertmanager way:
 * `[FIRING:3] CRITICAL: <the worst news> · +1 RESOLVED · Cloud Sync · <tenant>`, or `[RESOLVED] <what
 * ended>` when the message only resolves (and reminds). The lead item is the one the message is sent
 * for: news first (new, escalated, updated), then resolutions, then reminders, each the most severe
 * first, so a message that resolves a deletion trip never starts with a reminder about a warning.
 * One line, no control characters (it becomes a mail header), capped.
 */
const PRODUCT = 'Cloud Sync';

export function alertSubject(views: readonly AlertView[], ctx: RenderContext): string {
  const tenant = oneLine(ctx.tenantName ?? ctx.tenantId, 60);
  const top = views[0];
  if (!top) return oneLine(`[${PRODUCT}] No alert changes · ${tenant}`, 250);

  const firing = views.filter(isFiring).length;
  const resolved = views.filter((v) => v.transition === 'resolved').length;
  const title = oneLine(top.title, 140);
  const tail = ` · ${PRODUCT} · ${tenant}`;
  if (top.transition === 'resolved') {
    const more = resolved > 1 ? ` (+${resolved - 1} more resolved)` : '';
    const still = firing > 0 ? ` · ${firing} still firing` : '';
    return oneLine(`[RESOLVED] ${title}${more}${still}${tail}`, 250);
  }
  if (top.transition === 'acknowledged' && firing === 0) {
    const more = views.length > 1 ? ` · ${countsText(views)}` : '';
    return oneLine(`[ACKNOWLEDGED] ${title}${more}${tail}`, 250);
  }
  const reminder = ctx.catchUp ? CATCH_UP_LABEL : ' (reminder)';
  const label = `${top.severity.toUpperCase()}${top.transition === 'repeat' ? reminder : ''}`;
  const others = views.length > 1 ? ` · ${countsText(views)}` : '';
  return oneLine(`[FIRING:${firing}] ${label}: ${title}${others}${tail}`, 250);
}

const isFiring = (v: AlertView): boolean => v.transition !== 'resolved' && v.transition !== 'acknowledged';

/** "2 critical, 1 warning, 1 RESOLVED" ("3 warnings": critical is a word of severity, warning a thing). */
export function countsText(views: readonly AlertView[]): string {
  const critical = views.filter((v) => v.transition !== 'resolved' && v.severity === 'critical').length;
  const warning = views.filter((v) => v.transition !== 'resolved' && v.severity === 'warning').length;
  const resolved = views.filter((v) => v.transition === 'resolved').length;
  return [
    critical ? `${critical} critical` : '',
    warning ? `${warning} ${warning === 1 ? 'warning' : 'warnings'}` : '',
    resolved ? `${resolved} RESOLVED` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

const GROUP: Readonly<Record<AlertView['transition'], number>> = {
  new: 0,
  escalated: 0,
  updated: 0,
  resolved: 1,
  repeat: 2,
  acknowledged: 3,
};
const SEVERITY: Readonly<Record<AlertView['severity'], number>> = { critical: 0, warning: 1 };

/**
 * The order a message reads in (and the subject leads with): news, then resolutions, then reminders and
 * acknowledgements; the most severe first in each. Stable for equal keys (the caller's bySeverity order).
 */
export function readingOrder<T extends Pick<AlertView, 'transition' | 'severity'>>(items: readonly T[]): T[] {
  return [...items].sort(
    (a, b) => GROUP[a.transition] - GROUP[b.transition] || SEVERITY[a.severity] - SEVERITY[b.severity],
  );
}
