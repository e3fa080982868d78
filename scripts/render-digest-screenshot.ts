/**
 * Renders the digest of the built-in demo day (a bad day: an accidental-deletion trip, a quarantine, an
 * agent outage, failing objects, a reporting outage) in headless Chromium and writes
 * `.test-artifacts/screenshots/digest.png` and `digest-card.png` (the Teams card, approximated), plus the HTML,
 * the plain text and the Workflows body next to them, to be looked at.
 *
 *   npx tsx scripts/render-digest-screenshot.ts [--out .test-artifacts/screenshots/digest.png] [--width 400]
 *
 * `--width` sets the viewport (default 760, a reading pane; 400 is a phone).
 *
 * The demo tenant speaks HTTPS with a local self-signed certificate that Node trusts only through
 * NODE_EXTRA_CA_CERTS at start-up, so the script re-runs itself once with it set.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureLocalCertificate } from '../src/demo/tls.js';
import { buildDigest } from '../src/digest/runDigest.js';
import { payloadBytes, workflowsBody } from '../src/notify/teamsPayload.js';
import { renderCardPreviewHtml } from '../src/render/cardPreview.js';
import { chromiumAvailable, renderInChromium } from '../test/digest/chromium.js';
import { replayDemoDay } from '../test/digest/demoReplay.js';

const DAY_START = new Date('2026-11-22T00:00:00Z');

async function main(): Promise<number> {
  const outIndex = process.argv.indexOf('--out');
  const out = path.resolve(
    outIndex > 0 ? (process.argv[outIndex + 1] ?? '') : '.test-artifacts/screenshots/digest.png',
  );
  const widthIndex = process.argv.indexOf('--width');
  const width = widthIndex > 0 ? Number(process.argv[widthIndex + 1]) : 760;
  if (!Number.isInteger(width) || width < 200) {
    console.error('--width must be a whole number of pixels, at least 200');
    return 2;
  }
  const certificate = await ensureLocalCertificate(path.resolve('.test-artifacts', 'tls'));
  if (process.env.NODE_EXTRA_CA_CERTS !== certificate.certPath) return rerunTrusting(certificate.certPath);
  if (!chromiumAvailable()) {
    console.error('/usr/bin/chromium is missing: install Debian chromium to render the screenshot');
    return 2;
  }

  const dataDir = await mkdtemp(path.join(tmpdir(), 'csm-digest-shot-'));
  try {
    const { state, tenantId, runs } = await replayDemoDay({ dataDir, dayStart: DAY_START, tls: certificate });
    const digest = await buildDigest({
      state,
      tenantId,
      now: new Date(DAY_START.getTime() + 24 * 3600_000 + 3_000),
      settings: {
        collectSchedule: '0 */5 * * * *',
        digest: {
          schedule: '0 0 7 * * *',
          workbookUrl: 'https://portal.azure.com/#blade/AppInsightsExtension/UsageNotebookBlade',
        },
      },
    });
    const base = out.replace(/\.png$/, '');
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(`${base}.html`, digest.message.email.html);
    await writeFile(`${base}.txt`, digest.message.email.plainText);
    await writeFile(`${base}-card.json`, JSON.stringify(workflowsBody(digest.message.teams.card), null, 2));
    const page = await renderInChromium(digest.message.email.html, { screenshot: out, width });
    // The Teams card too, through the static Adaptive Card approximation (Teams itself cannot run here).
    await renderInChromium(renderCardPreviewHtml(digest.message.teams.card, digest.message.email.subject), {
      screenshot: `${base}-card.png`,
    });
    console.log(`replayed ${runs} collect runs of the demo day ${DAY_START.toISOString().slice(0, 10)}`);
    console.log(`subject: ${digest.message.email.subject}`);
    console.log(`first section heading: ${page.headings.find((h) => h.tag === 'h2')?.text ?? '(none)'}`);
    console.log(
      `network requests: ${page.requests.length}, scripts: ${page.scripts}, page width: ${page.scrollWidth}px at a ${width}px viewport`,
    );
    console.log(`Teams payload: ${payloadBytes(workflowsBody(digest.message.teams.card))} bytes`);
    console.log(`screenshots: ${out} and ${base}-card.png`);
    return 0;
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

function rerunTrusting(certPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: { ...process.env, NODE_EXTRA_CA_CERTS: certPath },
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
