/**
 * The one thing every channel delivers: a notification rendered once for all channels. Renderers
 * (src/render) produce the email and card content; the lifecycle (alerts) and the digest wrap them in a
 * message with an id; dispatch (src/notify/dispatch.ts) delivers it through every channel exactly once.
 */
export interface OutboundMessage {
  /** Idempotency key: a message id is delivered at most once per channel, ever. */
  readonly id: string;
  readonly tenantId: string;
  readonly kind: 'alerts' | 'digest';
  /** ISO 8601. Also names the outbox file, so the same message always lands in the same file. */
  readonly createdAt: string;
  readonly email: { readonly subject: string; readonly html: string; readonly plainText: string };
  /**
   * Adaptive Card content (version <= 1.5); the Teams channel wraps it in the Workflows `attachments`
   * envelope.
   */
  readonly teams: { readonly card: Record<string, unknown> };
  /**
   * Held in the alert book's outbox, which offers it again to every channel that has not settled it
   * (src/app/deliverOutbox.ts): a copy queued for a destination a channel name no longer stands for can
   * be dropped, since the outbox will offer it to that name's destination.
   */
  readonly fromOutbox?: boolean;
}
