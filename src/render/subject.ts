import { oneLine } from '../domain/text.js';
import type { AlertView, RenderContext } from './view.js';

/**
 * The subject line, which is all many people see on a phone lock screen: the most severe item first,
 * then how many more and of what, then the tenant. Resolved-only messages start with RESOLVED; mixed ones
 * still say RESOLVED in the counts. One line, no control characters (it becomes a mail header), capped.
 */
const PREFIX = '[Cloud Sync]';

export function alertSubject(views: readonly AlertView[], ctx: RenderContext): string {
  const tenant = oneLine(ctx.tenantName ?? ctx.tenantId, 60);
  const firing = views.filter((v) => v.transition !== 'resolved');
  const resolved = views.length - firing.length;
  const top = firing[0] ?? views[0];
  if (!top) return oneLine(`${PREFIX} No alert changes · ${tenant}`, 250);

  const title = oneLine(top.title, 120);
  if (firing.length === 0) {
    const rest = resolved > 1 ? ` (+${resolved - 1} more resolved)` : '';
    return oneLine(`${PREFIX} ${title}${rest} · ${tenant}`, 250);
  }
  const label =
    top.transition === 'acknowledged'
      ? 'ACKNOWLEDGED'
      : `${top.severity.toUpperCase()}${top.transition === 'repeat' ? ' (reminder)' : ''}`;
  const counts = views.length > 1 ? ` · ${countsText(views)}` : '';
  return oneLine(`${PREFIX} ${label}: ${title}${counts} · ${tenant}`, 250);
}

/** "2 critical, 1 warning, 1 RESOLVED". */
export function countsText(views: readonly AlertView[]): string {
  const critical = views.filter((v) => v.transition !== 'resolved' && v.severity === 'critical').length;
  const warning = views.filter((v) => v.transition !== 'resolved' && v.severity === 'warning').length;
  const resolved = views.filter((v) => v.transition === 'resolved').length;
  return [
    critical ? `${critical} critical` : '',
    warning ? `${warning} warning` : '',
    resolved ? `${resolved} RESOLVED` : '',
  ]
    .filter(Boolean)
    .join(', ');
}
