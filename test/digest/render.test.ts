import { beforeAll, describe, expect, it } from 'vitest';
import type { DigestModel } from '../../src/domain/digestModel.js';
import { payloadBytes, workflowsBody, TEAMS_MAX_PAYLOAD_BYTES } from '../../src/notify/teamsPayload.js';
import { DIGEST_CARD_MAX_BYTES, renderDigestCard } from '../../src/render/digestCard.js';
import { renderDigestHtml } from '../../src/render/digestEmail.js';
import { digestSubject } from '../../src/render/digestFormat.js';
import { renderDigestText } from '../../src/render/digestText.js';
import { HOUR, event, healthyRun, recordSpec, tempStore } from './fixtures.js';
import { DAY_START, badDay, dayBeforeBadDay, modelOf } from './scenarios.js';

const HOSTILE = {
  megan: '<img src=x onerror=alert(1)> **Urgent** [click here](https://evil.example/login)',
  adele: 'Adele"><script>alert(2)</script>\r\nBcc: victim@example.com',
};

/** Every string value in a card, for checking what Teams would render. */
function texts(node: unknown): string[] {
  if (typeof node === 'string') return [node];
  if (Array.isArray(node)) return node.flatMap(texts);
  if (node && typeof node === 'object') return Object.values(node).flatMap(texts);
  return [];
}

describe('digest rendering', () => {
  it('escapes hostile display names in the HTML, the plain text and the card', async () => {
    const { store } = await tempStore();
    await badDay(store, { names: HOSTILE });
    const model = await modelOf(store);
    const html = renderDigestHtml(model, { workbookUrl: 'https://portal.azure.com/#workbook' });
    const text = renderDigestText(model);
    const card = renderDigestCard(model);

    expect(html).not.toMatch(/<img|<script|<svg|onerror=/i);
    expect(html).toContain('&lt;img src&#61;x onerror&#61;alert(1)&gt;');
    expect(html).toContain('&lt;script&gt;');
    // No link is made from a display name: the links are ours (workbook, admin center, provisioning log).
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
    expect(hrefs.length).toBeGreaterThan(1);
    for (const href of hrefs)
      expect(href).toMatch(
        /^https:\/\/(portal\.azure\.com\/#workbook|entra\.microsoft\.com\/#view\/|developer\.microsoft\.com\/en-us\/graph\/graph-explorer\?)/,
      );
    expect(html).not.toContain('https://evil.example');
    expect(text).not.toContain('\r');
    expect(text).not.toMatch(/^Bcc:/m);
    expect(text).not.toContain('https://evil.example');

    const cardStrings = texts(card).join('\n');
    expect(cardStrings).toContain('\\*\\*Urgent\\*\\*');
    expect(cardStrings).toContain('\\[click here\\]');
    expect(cardStrings).not.toContain('https://evil.example');
    expect(cardStrings).not.toContain('<script>');
    expect(digestSubject(model)).not.toMatch(/[\r\n]/);
  });

  let badModel: DigestModel;
  beforeAll(async () => {
    const { store } = await tempStore();
    await dayBeforeBadDay(store);
    await badDay(store);
    badModel = await modelOf(store);
  });

  it('keeps the subject a single safe line with the counts, tenant and day', () => {
    const model = badModel;
    expect(digestSubject({ ...model, tenantLabel: 'evil\r\nBcc: x@example.com' })).toBe(
      'Cloud Sync daily digest: 2 critical, 1 warning open now — evil Bcc: x@example.com tenant, 22 Nov',
    );
  });

  it('writes Outlook-safe HTML: tables and inline styles, no scripts, no images, no style sheets', () => {
    const html = renderDigestHtml(badModel);
    expect(html).not.toMatch(
      /<script|<img|<style|<link|<svg|<canvas|url\(|display:\s*flex|display:\s*grid|position:/i,
    );
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('role="presentation"');
    // Bars and hour strips are table cells with a bgcolor for Outlook's Word renderer.
    expect((html.match(/<td width="4%" height="12" bgcolor=/g) ?? []).length).toBeGreaterThanOrEqual(24 * 4);
    // The sections a manager and an engineer look for.
    for (const heading of [
      'Sync jobs',
      'Provisioning agents',
      'Alerts',
      'Compared with the previous day',
      'Monitoring coverage',
    ])
      expect(html).toContain(`>${heading}</h2>`);
  });

  it('keeps the Teams card under 28 KB with its envelope even with 500 failing objects', async () => {
    const { store } = await tempStore();
    const at = new Date(DAY_START.getTime() + 9 * HOUR + 5 * 60_000);
    const events = Array.from({ length: 500 }, (_, i) =>
      event(at, {
        job: i % 2 ? 'contosoProvisioning' : 'fabrikamProvisioning',
        action: i % 3 ? 'Update' : 'Create',
        result: 'Failure',
        code: `AzureDirectoryServiceSomethingRatherLongErrorCode${i % 40}`,
        category: ['DuplicateAttribute', 'DataMismatch', 'DataValidationFailure', 'LargeAttribute', 'Other'][
          i % 5
        ]!,
        objectId: `object-${i}`,
        name: `${'Ω'.repeat(20)} «${i}» ${'a very long display name '.repeat(8)}`,
      }),
    );
    await recordSpec(store, at, { ...healthyRun(at), events });
    const model = await modelOf(store);
    expect(model.totals.failingObjectsAtEnd).toBe(500);

    const card = renderDigestCard(model, { workbookUrl: 'https://portal.azure.com/#workbook' });
    const bytes = payloadBytes(workflowsBody(card));
    expect(bytes).toBeLessThanOrEqual(DIGEST_CARD_MAX_BYTES);
    expect(bytes).toBeLessThan(TEAMS_MAX_PAYLOAD_BYTES);
    expect(card).toMatchObject({
      type: 'AdaptiveCard',
      version: '1.4',
      actions: [
        { type: 'Action.OpenUrl', url: 'https://portal.azure.com/#workbook' },
        {
          type: 'Action.OpenUrl',
          url: 'https://entra.microsoft.com/#view/Microsoft_AAD_Connect_Provisioning/AADConnectMenuBlade/~/CloudSync',
        },
      ],
    });
    // The email carries the detail, bounded too.
    expect(Buffer.byteLength(renderDigestHtml(model))).toBeLessThan(150_000);
  });

  it('leaves out the workbook link when none is configured', async () => {
    const { store } = await tempStore();
    await recordSpec(
      store,
      new Date(DAY_START.getTime() + HOUR),
      healthyRun(new Date(DAY_START.getTime() + HOUR)),
    );
    const model = await modelOf(store);
    expect(renderDigestCard(model)).toMatchObject({
      actions: [{ type: 'Action.OpenUrl', title: 'Cloud sync (Entra admin center)' }],
    });
    const html = renderDigestHtml(model);
    expect(html).not.toContain('workbook</a>');
    expect(html).not.toContain('Open the Cloud Sync workbook');
  });
});
