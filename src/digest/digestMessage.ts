import type { OutboundMessage } from '../notify/message.js';
import { renderDigestCard } from '../render/digestCard.js';
import { renderDigestHtml } from '../render/digestEmail.js';
import { digestSubject } from '../render/digestFormat.js';
import { renderDigestText } from '../render/digestText.js';
import type { DigestModel } from '../domain/digestModel.js';

/**
 * The digest as one outbound message for every channel. Its id names the tenant and the day, so a second
 * build of the same day (the timer firing twice, a CLI run after the timer) yields the same id, and
 * dispatch, which delivers an id at most once, sends nothing the second time.
 */

export const digestMessageId = (tenantId: string, date: string): string => `digest-${tenantId}-${date}`;

export function digestMessage(
  model: DigestModel,
  options: { readonly workbookUrl?: string | undefined } = {},
): OutboundMessage {
  const render = { workbookUrl: options.workbookUrl };
  return {
    id: digestMessageId(model.tenantId, model.date),
    tenantId: model.tenantId,
    kind: 'digest',
    // The window end, not the build time: building the same day again yields the very same message
    // (createdAt also names the outbox file).
    createdAt: model.windowEnd,
    email: {
      subject: digestSubject(model),
      html: renderDigestHtml(model, render),
      plainText: renderDigestText(model, render),
    },
    teams: { card: renderDigestCard(model, render) },
  };
}
