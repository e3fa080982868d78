import { bySeverity, type Alert, type Transition } from '../domain/alertModel.js';
import { buildAlertView } from './alertView.js';
import { renderEmailHtml } from './emailHtml.js';
import { renderEmailText } from './emailText.js';
import { DEFAULT_PORTAL_URL } from './links.js';
import { alertSubject, readingOrder } from './subject.js';
import { renderAlertCard } from './teamsCard.js';
import type { CatchUpContext, RenderContext } from './view.js';

/**
 * One run's alert transitions as one message for every channel (design section 5: one notification per
 * channel per run, most severe first). Pure: the same input always renders the same output.
 */
export interface AlertMessageInput {
  readonly tenantId: string;
  readonly tenantName?: string;
  /** When the run happened (ISO 8601 or a Date): "since" and "ago" are relative to it. */
  readonly generatedAt: string | Date;
  /** Sorted with bySeverity by the caller; sorted again here, so order never depends on the caller. */
  readonly transitions: readonly Transition[];
  /** The signed acknowledge link for an alert, if acknowledging is configured. */
  readonly ackUrlFor?: (alert: Alert) => string | undefined;
  /** Entra admin center base (sovereign clouds differ); default https://entra.microsoft.com/. */
  readonly portalUrl?: string;
  /** The monitor's workbook, linked from every alert (DIGEST_WORKBOOK_URL; azd sets it). */
  readonly workbookUrl?: string | undefined;
  /** A catch-up for one channel: its alerts are reminders, led by a note of what it missed. */
  readonly catchUp?: CatchUpContext;
}

export interface RenderedAlertMessage {
  readonly email: { readonly subject: string; readonly html: string; readonly plainText: string };
  readonly teams: { readonly card: Record<string, unknown> };
}

export function renderAlertMessage(input: AlertMessageInput): RenderedAlertMessage {
  const ctx: RenderContext = {
    tenantId: input.tenantId,
    ...(input.tenantName ? { tenantName: input.tenantName } : {}),
    generatedAt: new Date(input.generatedAt),
    portalUrl: input.portalUrl ?? DEFAULT_PORTAL_URL,
    ...(input.workbookUrl ? { workbookUrl: input.workbookUrl } : {}),
    ...(input.catchUp ? { catchUp: input.catchUp } : {}),
  };
  // Record-only transitions (resolve notifications switched off, updates of silenced alerts) notify nobody.
  const transitions = input.transitions.filter((t) => !t.recordOnly).sort(bySeverity);
  const views = readingOrder(transitions.map((t) => buildAlertView(t, ctx, input.ackUrlFor)));
  const subject = alertSubject(views, ctx);
  return {
    email: {
      subject,
      html: renderEmailHtml(views, ctx, subject),
      plainText: renderEmailText(views, ctx),
    },
    teams: { card: renderAlertCard(views, ctx) },
  };
}
