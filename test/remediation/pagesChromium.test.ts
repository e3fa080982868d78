import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { advance } from '../../src/alerts/advance.js';
import { emptyAlertBook } from '../../src/alerts/book.js';
import { defaultAlertSettings } from '../../src/alerts/settings.js';
import { chooseObjectPage, confirmationPage, remediationSection } from '../../src/ack/remediationPages.js';
import { ackFormPage } from '../../src/render/ackPage.js';
import { alertObjects, planRemediation } from '../../src/remediation/plan.js';
import { fullCoverage } from '../../src/rules/coverage.js';
import { candidate, jobSubject } from '../alerts/lifecycle.js';
import { JOB, SP } from '../rules/fixtures.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';
import { oneFailingObjectDetails } from './oneFailingObject.js';

/**
 * The remediation pages as a browser shows them, with hostile directory data: the display name and the
 * distinguished name are text on the page, never markup. Screenshots go to .test-artifacts/screenshots/.
 */
const EVIL = '<img src=x onerror=alert(1)>Ana "Costa"';
const DN = 'CN=Ana <b>Costa</b>,OU=Users,DC=contoso,DC=com';
const at = new Date().toISOString();
const errors = candidate('sync-errors', {
  severity: 'critical',
  summary: `contoso.com provisioning: 1 object failing (${EVIL})`,
  subject: { ...jobSubject, templateId: 'AD2AADProvisioning' },
  details: oneFailingObjectDetails({
    servicePrincipalId: SP,
    jobId: JOB,
    sourceId: '0b9f8e7d-6c5b-4a39-8271-605f4e3d2c1b',
    displayName: EVIL,
    at,
  }),
});
const deletion = candidate('deletion-threshold', {
  severity: 'critical',
  summary: 'contoso.com provisioning: 612 deletions held by the threshold',
});
// One book each: the deletion trip of the same job would inhibit (hide) its sync-errors.
const alertOf = (c: typeof errors) =>
  advance(emptyAlertBook(), [c], fullCoverage, new Date(), defaultAlertSettings).book.alerts[0]!;
const TOKEN = 'v1.eyJ0IjoidGVzdCJ9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const outDir = path.resolve('.test-artifacts', 'screenshots');

describe.skipIf(!chromiumAvailable())('remediation pages in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
    await mkdir(outDir, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function show(name: string, html: string) {
    const tab = await browser.newPage({ viewport: { width: 760, height: 900 } });
    await tab.route('**/*', (route) => route.abort());
    await tab.setContent(html, { waitUntil: 'load' });
    await tab.screenshot({ path: path.join(outDir, `${name}.png`), fullPage: true });
    const result = {
      text: String(await tab.evaluate('document.body.innerText')),
      images: Number(await tab.evaluate("document.querySelectorAll('img, b').length")),
    };
    await tab.close();
    return result;
  }

  it('the provision confirmation page shows the request, with the names as text', async () => {
    const alert = alertOf(errors);
    const planned = planRemediation(
      alert,
      'provision',
      { ruleIds: { [JOB]: '6c409270-f78a-4bc6-af23-7cf3ab6482fe' } },
      {
        object: '0b9f8e7d-6c5b-4a39-8271-605f4e3d2c1b',
        dn: DN,
      },
    );
    if (!planned.ok) throw new Error(planned.reason);
    const url = `https://graph.microsoft.com/v1.0${planned.plan.path}`;
    const page = await show(
      'remediation-confirm-provision',
      confirmationPage({ token: TOKEN, alert, plan: planned.plan, url }),
    );
    expect(page.images).toBe(0);
    expect(page.text).toContain(EVIL);
    expect(page.text).toContain(`POST ${url}`);
    expect(page.text).toContain(`"objectId": "${DN}"`);
    expect(page.text).toContain('Type contoso.com to confirm');

    const choose = await show(
      'remediation-choose-object',
      chooseObjectPage({ token: TOKEN, alert, objects: alertObjects(alert) }),
    );
    expect(choose.images).toBe(0);
    expect(choose.text).toContain(EVIL);
  });

  it('the allow-deletes confirmation page and the ack page with its buttons', async () => {
    const alert = alertOf(deletion);
    const planned = planRemediation(alert, 'allow-deletes', { ruleIds: {} });
    if (!planned.ok) throw new Error(planned.reason);
    const url = `https://graph.microsoft.com/v1.0${planned.plan.path}`;
    const page = await show(
      'remediation-confirm-allow-deletes',
      confirmationPage({ token: TOKEN, alert, plan: planned.plan, url }),
    );
    expect(page.text).toContain('"resetScope": "ForceDeletes"');
    const ack = await show(
      'remediation-ack-page',
      ackFormPage({
        token: TOKEN,
        alertSummary: alert.summary,
        kind: alert.kind,
        severity: alert.severity,
        remediationHtml: remediationSection({
          token: TOKEN,
          applicable: ['allow-deletes', 'restart'],
          allowed: ['allow-deletes', 'restart'],
        }),
      }),
    );
    expect(ack.text).toContain('Allow the staged deletes…');
    expect(ack.text).toContain('Restart the job…');
  });
});
