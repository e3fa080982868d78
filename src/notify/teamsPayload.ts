import { capText } from '../domain/text.js';

/**
 * The body a Teams Workflows webhook ("When a Teams webhook request is received" + "Post card in a chat
 * or channel") expects: a message with the Adaptive Card in an `attachments` envelope. Teams rejects
 * messages over about 28 KB, so the card is made to fit: rather than fail, overly long texts are cut and
 * trailing card elements are replaced by an "and N more" line. Renderers already aim well below the limit;
 * this is the channel's guarantee for any card (alerts, digest).
 */
export const TEAMS_MAX_PAYLOAD_BYTES = 28_000;
const MAX_TEXT_CHARS = 2_000;

export interface WorkflowsBody {
  readonly type: 'message';
  readonly attachments: readonly [
    {
      readonly contentType: 'application/vnd.microsoft.card.adaptive';
      readonly contentUrl: null;
      readonly content: Record<string, unknown>;
    },
  ];
}

export function workflowsBody(card: Record<string, unknown>): WorkflowsBody {
  return {
    type: 'message',
    attachments: [
      { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card },
    ],
  };
}

export function payloadBytes(body: unknown): number {
  return Buffer.byteLength(JSON.stringify(body), 'utf8');
}

/** The Workflows body for `card`, within `maxBytes` (UTF-8 bytes of the JSON). */
export function fitWorkflowsBody(
  card: Record<string, unknown>,
  maxBytes = TEAMS_MAX_PAYLOAD_BYTES,
): WorkflowsBody {
  const whole = workflowsBody(card);
  if (payloadBytes(whole) <= maxBytes) return whole;

  const capped = capTexts(card, MAX_TEXT_CHARS) as Record<string, unknown>;
  const body = Array.isArray(capped.body) ? (capped.body as unknown[]) : [];
  const withKept = (kept: number) => {
    const dropped = body.length - kept;
    const note = {
      type: 'TextBlock',
      text: `… and ${dropped} more item${dropped === 1 ? '' : 's'} not shown: Teams limits a message to 28 KB. The email carries the full message.`,
      wrap: true,
      isSubtle: true,
    };
    return workflowsBody({ ...capped, body: dropped > 0 ? [...body.slice(0, kept), note] : body });
  };
  // The largest number of leading elements that fits (size grows with the count).
  let low = 0;
  let high = body.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (payloadBytes(withKept(mid)) <= maxBytes) low = mid;
    else high = mid - 1;
  }
  const fitted = withKept(low);
  if (payloadBytes(fitted) <= maxBytes) return fitted;
  // Even the note alone is too much (huge actions or top-level fields): keep a bare card.
  return workflowsBody({
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: typeof card.version === 'string' ? card.version : '1.4',
    body: [
      {
        type: 'TextBlock',
        text: 'This notification is too large for Teams. The email carries the full message.',
        wrap: true,
      },
    ],
  });
}

function capTexts(node: unknown, max: number): unknown {
  if (typeof node === 'string') return capText(node, max);
  if (Array.isArray(node)) return node.map((item) => capTexts(item, max));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, k === 'url' ? v : capTexts(v, max)]));
  }
  return node;
}
