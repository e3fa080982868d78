import { launchChromium } from '../support/chromium.js';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previewPages, type PreviewPage } from './previewPages.js';

/**
 * The alert email and the Teams card (through the card preview) rendered in headless Chromium, with
 * hostile directory data: no script runs, no element carries an event handler, nothing is fetched from
 * outside, and no link exists that we did not build. Screenshots land in .test-artifacts/screenshots/
 * (scripts/render-screenshots.ts writes the same pages for people to look at).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const title = available
  ? 'alert email and Teams card in headless Chromium'
  : `SKIPPED: ${CHROMIUM} is missing (install Debian's chromium) - alert email and Teams card in headless Chromium`;

describe.skipIf(!available)(title, () => {
  let browser: Browser;
  const outDir = path.resolve('.test-artifacts', 'screenshots', 'test');

  beforeAll(async () => {
    await mkdir(outDir, { recursive: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function open(page: PreviewPage): Promise<{ tab: Page; requests: string[] }> {
    const tab = await browser.newPage({ viewport: { width: 800, height: 900 } });
    const requests: string[] = [];
    await tab.route('**/*', (route) => {
      requests.push(route.request().url());
      return route.abort();
    });
    await tab.setContent(page.html, { waitUntil: 'load' });
    await tab.screenshot({ path: path.join(outDir, `${page.name}.png`), fullPage: true });
    return { tab, requests };
  }

  const hostilePages = previewPages().filter((p) => p.hostile);

  it.each(hostilePages.map((p) => [p.name, p] as const))(
    '%s: hostile data stays inert text',
    async (_name, page) => {
      const { tab, requests } = await open(page);
      try {
        expect(await tab.evaluate('window.__pwned')).toBeUndefined();
        expect(
          await tab.evaluate('document.querySelectorAll("script, img, iframe, object, embed, form").length'),
        ).toBe(0);
        const handlers = await tab.evaluate(
          '[...document.querySelectorAll("*")].flatMap((e) => [...e.attributes].filter((a) => a.name.startsWith("on")).map((a) => e.tagName + " " + a.name))',
        );
        expect(handlers).toEqual([]);
        expect(requests).toEqual([]); // no external images, fonts or anything else
        const text = String(await tab.evaluate('document.body.innerText'));
        // Shown, as text, readable.
        expect(text).toContain('<script>window.__pwned');
        expect(text).toContain('onerror=');
        expect(text).toContain('[Reset your password](http');
        expect(text).toContain('Repair-AADCloudSyncToolsAccount');
        expect(text).not.toContain('A'.repeat(200)); // the 10 KB name is capped
        const hrefs = await tab.evaluate<string[]>(
          '[...document.querySelectorAll("a")].map((a) => a.getAttribute("href"))',
        );
        for (const href of hrefs) {
          expect(href).toMatch(
            /^(#alert-\d+|https:\/\/(learn\.microsoft\.com|go\.microsoft\.com|entra\.microsoft\.com|cloudsync-monitor\.azurewebsites\.net)\/)/,
          );
        }
        if (page.kind === 'email') {
          expect(text).toContain('… and 485 more');
        } else {
          // In the card, the only links are our action buttons; no markdown link, autolink or emphasis from data.
          expect(await tab.evaluate('document.querySelectorAll("a:not(.btn)").length')).toBe(0);
          expect(await tab.evaluate('document.querySelectorAll("em").length')).toBe(0);
          expect(text).toContain('and 495 more');
          expect(text).toContain('**URGENT** _click_');
        }
      } finally {
        await tab.close();
      }
    },
  );

  it('renders the realistic email and card without layout overflow', async () => {
    for (const page of previewPages().filter((p) => !p.hostile)) {
      const { tab, requests } = await open(page);
      try {
        expect(requests).toEqual([]);
        const overflow = Number(
          await tab.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'),
        );
        expect(overflow).toBeLessThanOrEqual(0);
      } finally {
        await tab.close();
      }
    }
  });
});
