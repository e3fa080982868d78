import { launchChromium } from '../test/support/chromium.js';
/**
 * Renders the sample alert email and Teams card (realistic and hostile data) in headless Chromium and
 * writes PNGs to .test-artifacts/screenshots/, to look at what people will actually see.
 *
 *   npx tsx scripts/render-screenshots.ts [OUTBOX_DIR]
 *
 * With OUTBOX_DIR (e.g. .data/outbox after `npm start`) it also renders real messages of that outbox:
 * the first firing email with a deletion-threshold trip, the email that resolves it, and their Teams
 * cards (demo-*.png).
 * Needs Debian's chromium at /usr/bin/chromium (or CHROMIUM_PATH). Pages are loaded offline: any request
 * a page makes (an external image, a font) is blocked and reported.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderCardPreviewHtml } from '../src/render/cardPreview.js';
import { previewPages, type PreviewPage } from '../test/render/previewPages.js';

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
    const outbox = process.argv[2];
    const pages = [...previewPages(), ...(outbox ? await outboxPages(outbox) : [])];
    for (const page of pages) {
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

/** The deletion trip's firing and resolving messages of a real outbox, email and card. */
async function outboxPages(dir: string): Promise<PreviewPage[]> {
  const files = (await readdir(dir)).filter((f) => f.includes('-alerts-')).sort();
  const read = async (file: string) => JSON.parse(await readFile(path.join(dir, file), 'utf8')) as Outboxed;
  const emails = await Promise.all(
    files.filter((f) => f.includes('-email-')).map(async (f) => ({ f, m: await read(f) })),
  );
  const firing = emails.find((e) =>
    /^\[FIRING:\d+\] CRITICAL: Deletion threshold/.test(e.m.content?.subject ?? ''),
  );
  const resolved = emails.find((e) => /^\[RESOLVED\] Deletion threshold/.test(e.m.content?.subject ?? ''));
  const pages: PreviewPage[] = [];
  for (const [name, email] of [
    ['demo-firing', firing],
    ['demo-resolved', resolved],
  ] as const) {
    if (!email?.m.content) {
      console.error(`${name}: no such message in ${dir}`);
      continue;
    }
    pages.push({ name: `${name}-email`, html: email.m.content.html, kind: 'email', hostile: false });
    const teams = await read(email.f.replace('-email-', '-teams-'));
    const card = teams.attachments?.[0]?.content;
    if (card) {
      pages.push({
        name: `${name}-teams-card`,
        html: renderCardPreviewHtml(card, email.m.content.subject),
        kind: 'card',
        hostile: false,
      });
    }
  }
  return pages;
}

interface Outboxed {
  readonly content?: { readonly subject: string; readonly html: string };
  readonly attachments?: readonly { readonly content: Record<string, unknown> }[];
}

await main();
