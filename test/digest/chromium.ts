import { launchChromium } from '../support/chromium.js';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * Renders digest HTML in headless Debian Chromium, as a mail client's web view would: no network (every
 * request is refused and recorded, so an email that loads anything external is caught), a 760 px wide
 * viewport like a reading pane. Returns the headings in document order and, when asked, a full-page PNG.
 */

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const chromiumAvailable = (): boolean => existsSync(CHROMIUM_PATH);

export interface RenderedPage {
  readonly headings: readonly { readonly tag: string; readonly text: string }[];
  readonly requests: readonly string[];
  readonly scripts: number;
  /** Widest element's right edge: more than the viewport means horizontal scrolling. */
  readonly scrollWidth: number;
}

export async function renderInChromium(
  html: string,
  options: { screenshot?: string; width?: number } = {},
): Promise<RenderedPage> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({
      viewport: { width: options.width ?? 760, height: 900 },
      javaScriptEnabled: false,
    });
    const requests: string[] = [];
    await page.route('**/*', async (route) => {
      requests.push(route.request().url());
      await route.abort();
    });
    await page.setContent(html, { waitUntil: 'load' });
    // Evaluated as a string: this project compiles without the DOM library.
    const headings = await page.evaluate<{ tag: string; text: string }[]>(
      "[...document.querySelectorAll('h1, h2, h3')].map((n) => ({ tag: n.tagName.toLowerCase(), text: (n.textContent || '').trim() }))",
    );
    const scripts = await page.locator('script').count();
    const scrollWidth = await page.evaluate<number>('document.documentElement.scrollWidth');
    if (options.screenshot) {
      await mkdir(path.dirname(options.screenshot), { recursive: true });
      await page.screenshot({ path: options.screenshot, fullPage: true });
    }
    return { headings, requests, scripts, scrollWidth };
  } finally {
    await browser.close();
  }
}
