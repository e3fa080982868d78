import { createHash } from 'node:crypto';
import type { EmailMessage } from '@azure/communication-email';
import type { OutboundMessage } from './message.js';
import type { EmailSettings } from './settings.js';

/**
 * The ACS EmailMessage for a notification: the exact payload the email channel sends and the outbox
 * stores. One message carries every recipient (ACS allows 50, settings enforce it), so a run costs one
 * send of the quota however many people are told. Engagement tracking stays off: no tracking pixel, no
 * rewritten links in an operations email.
 */
export const OUTBOX_PLACEHOLDER_SENDER = 'DoNotReply@outbox.invalid';
export const OUTBOX_PLACEHOLDER_RECIPIENT = 'alerts@outbox.invalid';

export function acsEmailMessage(message: OutboundMessage, email: EmailSettings): EmailMessage {
  const to = email.to.length > 0 ? email.to : [OUTBOX_PLACEHOLDER_RECIPIENT];
  return {
    senderAddress: email.sender ?? OUTBOX_PLACEHOLDER_SENDER,
    content: {
      subject: message.email.subject,
      plainText: message.email.plainText,
      html: message.email.html,
    },
    recipients: { to: to.map((address) => ({ address })) },
    headers: { 'X-CloudSync-Monitor-Message-Id': headerSafe(message.id) },
    disableUserEngagementTracking: true,
  };
}

/**
 * The ACS `Operation-Id` (a UUID) for a message on one receiver channel: the same message always gets
 * the same operation id there, so a send retried after a lost response is recognised by ACS itself
 * instead of mailed twice; another receiver's copy of the message is another operation (ACS would
 * answer it with the first one's result and send nothing).
 */
export function emailOperationId(messageId: string, channel = 'email'): string {
  const hex = createHash('sha256').update(`cloudsync-monitor/${channel}/${messageId}`).digest('hex');
  // Shaped as an RFC 9562 name-based UUID: version 5 nibble, variant 10xx.
  const variant = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function headerSafe(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '_').slice(0, 200);
}
