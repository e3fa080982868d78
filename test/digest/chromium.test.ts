import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderDigestHtml } from '../../src/render/digestEmail.js';
import { chromiumAvailable, renderInChromium } from './chromium.js';
import { tempStore } from './fixtures.js';
import { badDay, dayBeforeBadDay, greenDay, modelOf } from './scenarios.js';

/**
 * The digest email rendered by a real browser engine: the worst problem must be the first section a
 * reader sees, and the email must not reach out to the network or need scripts.
 */
const skip = !chromiumAvailable();
if (skip)
  console.warn('SKIPPED digest Chromium rendering: /usr/bin/chromium is missing (install Debian chromium)');

describe.skipIf(skip)('the digest in headless Chromium', () => {
  it('shows the worst problem as the first section heading, loads nothing and fits a reading pane', async () => {
    const { store } = await tempStore();
    await dayBeforeBadDay(store);
    await badDay(store);
    const model = await modelOf(store);
    const page = await renderInChromium(
      renderDigestHtml(model, { workbookUrl: 'https://portal.azure.com/#workbook' }),
      {
        screenshot: path.resolve('.test-artifacts', 'screenshots', 'digest-test.png'),
      },
    );

    expect(page.headings[0]).toEqual({ tag: 'h1', text: 'Cloud Sync daily digest' });
    const sections = page.headings.filter((h) => h.tag === 'h2').map((h) => h.text);
    expect(sections[0]).toBe('Accidental-deletion threshold tripped: fabrikam.local provisioning is stopped');
    expect(sections[0]).toBe(model.problems[0]!.title);
    expect(sections.slice(-4)).toEqual([
      'Provisioning agents',
      'Alerts',
      'Compared with the previous day',
      'Monitoring coverage',
    ]);
    expect(page.requests).toEqual([]);
    expect(page.scripts).toBe(0);
    expect(page.scrollWidth).toBeLessThanOrEqual(760);
  });

  it('needs no horizontal scrolling on a 400 px phone screen', async () => {
    const { store } = await tempStore();
    await dayBeforeBadDay(store);
    await badDay(store);
    const page = await renderInChromium(
      renderDigestHtml(await modelOf(store), { workbookUrl: 'https://portal.azure.com/#workbook' }),
      { width: 400, screenshot: path.resolve('.test-artifacts', 'screenshots', 'digest-test-400.png') },
    );
    expect(page.scrollWidth).toBeLessThanOrEqual(400);
  });

  it('an all-green day has no problem sections', async () => {
    const { store } = await tempStore();
    await greenDay(store);
    const page = await renderInChromium(renderDigestHtml(await modelOf(store)));
    expect(page.headings.filter((h) => h.tag === 'h2').map((h) => h.text)).toEqual([
      'Sync jobs',
      'Provisioning agents',
      'Compared with the previous day',
      'Monitoring coverage',
    ]);
  });
});
