import { describe, expect, it } from 'vitest';
import {
  fitWorkflowsBody,
  payloadBytes,
  TEAMS_MAX_PAYLOAD_BYTES,
  workflowsBody,
} from '../../src/notify/teamsPayload.js';

describe('Workflows body size', () => {
  const card = (blocks: number, chars = 100) => ({
    type: 'AdaptiveCard',
    version: '1.4',
    body: Array.from({ length: blocks }, (_, i) => ({
      type: 'TextBlock',
      text: `${i} ${'é'.repeat(chars)}`,
    })),
    actions: [{ type: 'Action.OpenUrl', title: 'Open', url: 'https://entra.microsoft.com/' }],
  });

  it('leaves a card that fits untouched', () => {
    expect(fitWorkflowsBody(card(10))).toEqual(workflowsBody(card(10)));
  });

  it('drops trailing elements and says how many, within 28 KB', () => {
    const fitted = fitWorkflowsBody(card(500));
    expect(payloadBytes(fitted)).toBeLessThanOrEqual(TEAMS_MAX_PAYLOAD_BYTES);
    const body = fitted.attachments[0].content.body as { text: string }[];
    const kept = body.length - 1;
    expect(body[0]?.text).toMatch(/^0 /);
    expect(body.at(-1)?.text).toContain(`and ${500 - kept} more items not shown`);
    expect(fitted.attachments[0].content.actions).toEqual(card(1).actions);
  });

  it('cuts a single huge text instead of failing', () => {
    const fitted = fitWorkflowsBody(card(1, 60_000));
    expect(payloadBytes(fitted)).toBeLessThanOrEqual(TEAMS_MAX_PAYLOAD_BYTES);
    const body = fitted.attachments[0].content.body as { text: string }[];
    expect(body[0]?.text.endsWith('…')).toBe(true);
  });
});
