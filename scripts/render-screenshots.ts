import { launchChromium } from '../test/support/chromium.js';
/**
 * Renders the sample alert email and Teams card (realistic and hostile data) in headless Chromium and
 * writes PNGs to .test-artifacts/screenshots/, to look at what people will actually see.
 *
 *   npx tsx scripts/render-screenshots.ts
 *
 * Needs Debian's chromium at /usr/bin/chromium (or CHROMIUM_PATH). Pages are loaded offline: any request
 * a page makes (an external image, a font) is blocked and reported.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { previewPages } from '../test/render/previewPages.js';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const outDir = path.resolve('.test-artifacts', 'screenshots');
const PART_HEIGHT = 1100;

async function main(): Promise<void> {
  if (!existsSync(executablePath)) {
    console.error(`chromium not found at ${executablePath}; install Debian's chromium or set CHROMIUM_PATH`);
    process.exitCode = 1;
    return;
  }
  await rm(path.join(outDir, 'parts'), { recursive: true, force: true });
  await mkdir(path.join(outDir, 'parts'), { recursive: true });
  const browser = await launchChromium();
  try {
    for (const page of previewPages()) {
      const tab = await browser.newPage({
        viewport: { width: page.kind === 'email' ? 760 : 820, height: 900 },
      });
      const blocked: string[] = [];
      await tab.route('**/*', (route) => {
        blocked.push(route.request().url());
        return route.abort();
      });
      await tab.setContent(page.html, { waitUntil: 'load' });
      const file = path.join(outDir, `${page.name}.png`);
      await tab.screenshot({ path: file, fullPage: true });
      // Also in screen-sized parts: a 7,000-pixel-tall image is hard to look at in one piece.
      const height = Number(await tab.evaluate('document.documentElement.scrollHeight'));
      const width = tab.viewportSize()?.width ?? 800;
      for (let part = 0; part * PART_HEIGHT < height; part++) {
        await tab.screenshot({
          path: path.join(outDir, 'parts', `${page.name}-${part + 1}.png`),
          fullPage: true,
          clip: {
            x: 0,
            y: part * PART_HEIGHT,
            width,
            height: Math.min(PART_HEIGHT, height - part * PART_HEIGHT),
          },
        });
      }
      await writeFile(path.join(outDir, `${page.name}.html`), page.html);
      const pwned: unknown = await tab.evaluate('window.__pwned');
      console.log(
        `${file}${blocked.length ? `  blocked requests: ${blocked.join(', ')}` : ''}${pwned !== undefined ? `  SCRIPT RAN: ${JSON.stringify(pwned)}` : ''}`,
      );
      await tab.close();
    }
  } finally {
    await browser.close();
  }
}

await main();
