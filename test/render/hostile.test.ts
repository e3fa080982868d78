import { describe, expect, it } from 'vitest';
import { fitWorkflowsBody, payloadBytes } from '../../src/notify/teamsPayload.js';
import { renderAlertMessage } from '../../src/render/alertMessage.js';
import { GENERATED_AT, TENANT_ID, ackUrlFor, sampleTransitions } from './fixtures.js';

/**
 * Directory data is attacker-controllable (anyone who can edit a display name in AD): `<script>`,
 * `<img onerror>`, markdown links, 10 KB names, 500 failing objects. Escaped in HTML, neutralised in the
 * card, capped everywhere, and the message still says what it needs to.
 */
describe('hostile directory data', () => {
  const message = renderAlertMessage({
    tenantId: TENANT_ID,
    tenantName: 'Contoso <script>window.__pwned="tenant"</script>',
    generatedAt: GENERATED_AT,
    transitions: sampleTransitions({ hostile: true }),
    ackUrlFor,
  });
  const { html, plainText, subject } = message.email;
  const cardJson = JSON.stringify(message.teams.card);

  it('is escaped in the HTML email', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/onerror\s*=/i);
    expect(html).not.toMatch(/javascript:/i);
    expect(html).toContain('&lt;script&gt;window.__pwned &#61; &quot;script&quot;&lt;/script&gt;');
    expect(html).toContain(
      '&lt;img src&#61;x onerror&#61;&quot;window.__pwned &#61; &#39;img&#39;&quot;&gt;',
    );
    // The only tags are ours: a fixed vocabulary of layout elements.
    const tags = new Set([...html.matchAll(/<\/?([a-zA-Z0-9]+)/g)].map((m) => m[1]!.toLowerCase()));
    expect([...tags].sort()).toEqual(
      [
        'a',
        'body',
        'br',
        'div',
        'em',
        'h2',
        'head',
        'html',
        'li',
        'meta',
        'ol',
        'p',
        'span',
        'strong',
        'table',
        'td',
        'title',
        'tr',
        'ul',
      ].sort(),
    );
  });

  it('does not let data become links anywhere', () => {
    // Schemes in data are broken with a zero-width space, so clients cannot auto-link them.
    for (const text of [html, plainText, cardJson]) {
      expect(text).not.toContain('http://evil');
      expect(text).not.toContain('https://evil');
      expect(text).not.toMatch(/(^|[^\u200b])www\.evil/);
    }
    expect(html).not.toContain('href="http://evil');
    // Graph's troubleshootingUrl was javascript:, so it is not a link at all.
    expect(cardJson).not.toContain('javascript');
  });

  it('neutralises markdown in the card', () => {
    const texts: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if ((key === 'text' || key === 'title' || key === 'value') && typeof value === 'string')
            texts.push(value);
          else walk(value);
        }
      }
    };
    walk(message.teams.card);
    for (const text of texts) {
      expect(text).not.toMatch(/(^|[^\\])\[[^\]]*(^|[^\\])\]\(/); // no [text](url)
      expect(text).not.toMatch(/(^|[^\\])<[a-z]/i); // no raw HTML
      expect(text).not.toMatch(/(^|[^\\])_click(^|[^\\])_/);
    }
    expect(cardJson).toContain('\\\\[Reset your password\\\\]');
    expect(cardJson).toContain('\\\\*\\\\*URGENT\\\\*\\\\*');
  });

  it('keeps the card within 28 KB with the Workflows envelope, still readable', () => {
    const body = fitWorkflowsBody(message.teams.card);
    expect(payloadBytes(body)).toBeLessThanOrEqual(28_000);
    expect(body.attachments[0].content).toBe(message.teams.card); // the renderer fitted it; nothing cut blindly
    expect(cardJson).toContain('and 495 more'); // 500 failing objects: 5 shown
    expect(cardJson).toContain('Repair-AADCloudSyncToolsAccount');
    expect(cardJson).toContain('ForceDeletes');
  });

  it('caps a 10 KB name and 500 failing objects in the email', () => {
    for (const text of [html, plainText, cardJson]) expect(text).not.toContain('A'.repeat(100));
    expect(html).toContain('and 485 more');
    expect(plainText).toContain('... and 485 more');
    expect(Buffer.byteLength(html)).toBeLessThan(250_000);
  });

  it('keeps the subject on one line', () => {
    expect(subject).not.toMatch(/[\r\n\t]/);
    expect(subject.length).toBeLessThanOrEqual(250);
    expect(subject).toMatch(/^\[FIRING:\d+\] CRITICAL: /);
  });
});

describe('a run with very many transitions', () => {
  it('keeps the email small enough to open and to wait in the pending queue', () => {
    const transitions = Array.from({ length: 100 }, () => sampleTransitions({ hostile: true })).flat();
    const { email, teams } = renderAlertMessage({
      tenantId: TENANT_ID,
      generatedAt: GENERATED_AT,
      transitions,
      ackUrlFor,
    });
    const entry = JSON.stringify({ email, teams: { card: {} } });
    expect(Buffer.byteLength(entry)).toBeLessThan(800_000); // STATE_VALUE_MAX_BYTES is 900,000
    expect(email.html).toContain('more alert changes not shown in detail');
    expect(email.plainText).toContain('... and 600 more');
    expect(payloadBytes(fitWorkflowsBody(teams.card))).toBeLessThanOrEqual(28_000);
  });
});
