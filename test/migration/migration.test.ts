import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runMonitor } from '../../src/app/monitorRun.js';
import { virtualClock, type VirtualClock } from '../../src/clock.js';
import { migrationCommand } from '../../src/commands/migrationCommand.js';
import type { Settings } from '../../src/config.js';
import { jobId } from '../../src/demo/cloudSyncConfiguration.js';
import { DemoDirectory } from '../../src/demo/directoryDelta.js';
import type { SynchronizationJob } from '../../src/demo/graphTypes.js';
import { syntheticScenario, type Scenario } from '../../src/demo/scenario.js';
import type { DemoTenant } from '../../src/demo/server.js';
import { SYNTHETIC_CONFIGURATION } from '../../src/demo/syntheticScenario.js';
import { silentLogger } from '../../src/log.js';
import { MIGRATION_KEY } from '../../src/migration/migrationState.js';
import { provisionedObjects as provisionedOf } from '../support/provisionedObjects.js';
import { chromiumAvailable, renderInChromium } from '../digest/chromium.js';
import { launchChromium } from '../support/chromium.js';
import {
  dependencies,
  readTable,
  settingsFor,
  startTestTenant,
  tempDataDir,
} from '../support/collectHarness.js';

/**
 * Issue 15 item 2, against the demo tenant through the real Graph client: `migration start` records the
 * migration with a baseline from the coverage check (counts per domain, the jobs, writeback included);
 * while it is active every run checks coverage, counts again and watches the writeback job; `status`
 * says where the validation stands; `report` writes an HTML report (and a CSV) in which every object is
 * accounted for or listed, directory data escaped. A corrupt migration state is set aside and never
 * wedges a run.
 */
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const START = new Date('2026-11-02T08:00:00Z');
const WRITEBACK = jobId(SYNTHETIC_CONFIGURATION, 'AAD2ADGroupProvisioning');
const EVIL = '<img src=x onerror=alert(1)> Evil Contractor';
const EVIL_OU = 'OU=<script>alert(2)</script>,DC=northwind,DC=com';

let tenant: DemoTenant;
let clock: VirtualClock;
let directory: DemoDirectory;
let scenario: Scenario;
/** From when the writeback job fails its cycles. */
let writebackFailsFrom = Infinity;

/** The synthetic configuration with a group writeback job (Entra ID to AD) beside its provisioning job. */
function withWriteback(base: Scenario): Scenario {
  return {
    ...base,
    jobs: (sp, at) => {
      const jobs = base.jobs(sp, at);
      const provisioning = jobs?.[0];
      if (!jobs || !provisioning) return jobs;
      const failing = at.getTime() >= writebackFailsFrom;
      const writeback: SynchronizationJob = {
        ...provisioning,
        id: WRITEBACK,
        templateId: 'AAD2ADGroupProvisioning',
        status: {
          ...provisioning.status,
          countSuccessiveCompleteFailures: failing ? 6 : 0,
          lastExecution: provisioning.status.lastExecution && {
            ...provisioning.status.lastExecution,
            state: failing ? 'Failed' : 'Succeeded',
            error: failing
              ? {
                  code: 'ActiveDirectoryAccessDenied',
                  message: 'Access to the OU was denied.',
                  tenantActionable: true,
                }
              : null,
          },
        },
      };
      return [...jobs, writeback];
    },
  };
}

const provisionedObjects = () => [...provisionedOf(scenario).values()];

const CONTRACTORS = [
  {
    id: 'c0ffee00-0000-4000-8000-000000000000',
    name: 'Ada Contractor',
    ou: 'OU=Contractors,DC=northwind,DC=com',
  },
  { id: 'c0ffee01-0000-4000-8000-000000000000', name: EVIL, ou: EVIL_OU },
];

beforeEach(async () => {
  clock = virtualClock(START);
  directory = new DemoDirectory();
  writebackFailsFrom = Infinity;
  // Every event in the hour before the first run: Cloud Sync has provisioned all it will by then.
  scenario = syntheticScenario({ start: new Date(START.getTime() - HOUR), events: 120, spanMs: HOUR - MIN });
  tenant = await startTestTenant({
    clock,
    scenario: withWriteback(scenario),
    directory,
    reportsRateLimit: false,
  });
  for (const o of provisionedObjects()) {
    directory.upsert(o.kind, {
      id: o.id,
      displayName: o.name,
      onPremisesSyncEnabled: true,
      onPremisesDomainName: 'northwind.com',
      ...(o.kind === 'user'
        ? { onPremisesDistinguishedName: `CN=${o.name},OU=Users,DC=northwind,DC=com` }
        : {}),
      onPremisesLastSyncDateTime: null,
    });
  }
  // Synced from on-premises by Connect Sync, outside every Cloud Sync scope: not covered.
  for (const c of CONTRACTORS) {
    directory.upsert('user', {
      id: c.id,
      displayName: c.name,
      onPremisesSyncEnabled: true,
      onPremisesDomainName: 'northwind.com',
      onPremisesDistinguishedName: `CN=x,${c.ou}`,
      onPremisesLastSyncDateTime: null,
    });
  }
  directory.upsert('contact', {
    id: 'd0d0d0d0-0000-4000-8000-000000000001',
    displayName: 'Supplier Desk',
    onPremisesSyncEnabled: true,
  });
});
afterEach(async () => {
  await tenant.close();
});

async function command(settings: Settings, action: string, extra: { json?: boolean; out?: string } = {}) {
  const lines: string[] = [];
  const code = await migrationCommand(settings, silentLogger, {
    action,
    by: action === 'start' ? 'change CHG0042' : undefined,
    out: extra.out,
    json: extra.json ?? false,
    now: clock.now(),
    print: (l) => lines.push(...l.split('\n')),
  });
  return { code, lines, text: lines.join('\n') };
}

describe('migration mode: the two-week validation of a Connect Sync to Cloud Sync migration', () => {
  it('start takes a baseline, runs during it check coverage every run, status and the report account for every object', async () => {
    const dataDir = await tempDataDir();
    const settings = settingsFor(tenant, dataDir);
    const deps = await dependencies(settings, clock);
    const objects = provisionedObjects();
    const users = objects.filter((o) => o.kind === 'user');
    const groups = objects.filter((o) => o.kind === 'group');

    // A run before the migration: the coverage check reads the directory.
    await runMonitor(deps, { trigger: 'test' });
    const before = { ...directory.requests };

    const started = await command(settings, 'start');
    expect(started.code).toBe(0);
    expect(started.text).toContain('validation period until 2026-11-16T08:00:00.000Z');
    expect(started.text).toContain(`baseline: ${objects.length + 3} objects synced from on-premises`);
    expect(started.text).toContain(
      `northwind.com: ${users.length + 2} users, ${groups.length} groups, 0 contacts`,
    );
    expect(started.text).toContain('no domain (contacts): 0 users, 0 groups, 1 contacts');
    expect(started.text).toMatch(/writeback: northwind\.com group provisioning/);
    // A second start changes nothing.
    expect((await command(settings, 'start')).text).toMatch(/already being validated/);

    // Five minutes later: COVERAGE_CHECK_MINUTES (60) has not passed, yet the run checks coverage.
    clock.advance(5 * MIN);
    await runMonitor(deps, { trigger: 'test' });
    expect(directory.requests.user).toBeGreaterThan(before.user);
    let status = await command(settings, 'status', { json: true });
    const view = JSON.parse(status.text) as {
      migration: { runs: number; coverageChecks: number };
      daysLeft: number;
    };
    expect(view.migration).toMatchObject({ runs: 1, coverageChecks: 1 });
    expect(view.daysLeft).toBe(14);

    // Two days on: one user fell out of scope (deleted when Connect Sync stopped exporting it), and the
    // writeback job fails its cycles.
    const leaving = users[0]!;
    directory.remove('user', leaving.id);
    writebackFailsFrom = START.getTime() + 2 * DAY;
    clock.set(new Date(START.getTime() + 2 * DAY + HOUR));
    await runMonitor(deps, { trigger: 'test' });
    clock.advance(5 * MIN);
    await runMonitor(deps, { trigger: 'test' });

    status = await command(settings, 'status');
    expect(status.code).toBe(0);
    expect(status.text).toContain(
      'migration validation: 12 days left (started 2026-11-02T08:00:00.000Z, ends 2026-11-16T08:00:00.000Z)',
    );
    expect(status.text).toContain('runs since start: 3, coverage checks: 3');
    expect(status.text).toContain(
      `northwind.com: ${users.length + 2} users, ${groups.length} groups, 0 contacts -> ${users.length + 1} users, ${groups.length} groups, 0 contacts (-1)`,
    );
    expect(status.text).toMatch(
      /writeback jobs:\n {2}northwind\.com group provisioning: Cycles failing; not healthy in 2 of 3 runs; last error ActiveDirectoryAccessDenied/,
    );
    expect(status.text).toMatch(
      /other jobs:\n {2}northwind\.com provisioning: Active; not healthy in 0 of 3 runs/,
    );
    expect(status.text).toContain('coexistence: none seen');
    expect(status.text).toContain(
      'northwind.com: 1 object fewer synced from on-premises than at the baseline.',
    );
    expect(status.text).toContain(
      'Writeback job northwind.com group provisioning: not healthy in 2 of 3 runs',
    );

    // The report: every object accounted for or listed, directory data escaped.
    const report = await command(settings, 'report');
    expect(report.code).toBe(0);
    const file = path.join(dataDir, 'migration', 'report-2026-11-04.html');
    expect(report.text).toContain(file);
    const html = await readFile(file, 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).not.toMatch(/<script|<link|onerror=|src=x/i);
    expect(html).toContain('&lt;img src&#61;x onerror&#61;alert(1)&gt; Evil Contractor');
    // Distinguished names may break after their commas (zero-width spaces).
    expect(html.replace(/\u200b/g, '')).toContain(
      'OU&#61;&lt;script&gt;alert(2)&lt;/script&gt;,DC&#61;northwind,DC&#61;com',
    );
    expect(html).toContain('@media print');
    const cells = (label: string) => new RegExp(`${label}</td><td style="[^"]*">(\\d+)</td>`).exec(html)?.[1];
    expect(cells('In scope now \\(synced from on-premises\\)')).toBe(String(objects.length + 2));
    expect(cells('Provisioned by Cloud Sync \\(covered\\)')).toBe(String(objects.length - 1));
    expect(cells('Not provisioned by Cloud Sync: listed below')).toBe('3');
    expect(
      cells('In the baseline, gone now \\(deleted, or no longer synced from on-premises\\): listed below'),
    ).toBe('1');
    // Covered + listed = every object in scope; the one that left is listed by name and place.
    expect(
      Number(cells('Provisioned by Cloud Sync \\(covered\\)')) +
        Number(cells('Not provisioned by Cloud Sync: listed below')),
    ).toBe(Number(cells('In scope now \\(synced from on-premises\\)')));
    for (const name of ['Ada Contractor', 'Supplier Desk', escapeForTest(leaving.name)])
      expect(html).toContain(name);
    expect(html).toContain(leaving.id);
    expect(html).toMatch(/Writeback job northwind\.com group provisioning: not healthy in 2 of 3 runs/);
    expect(html).toContain('ActiveDirectoryAccessDenied (2)');

    const csv = await readFile(file.replace(/\.html$/, '.csv'), 'utf8');
    const rows = csv.trim().split('\r\n');
    expect(rows[0]).toBe(
      'Finding,DisplayName,ObjectType,Domain,OrganizationalUnit,ObjectId,OnPremisesLastSyncDateTime',
    );
    expect(rows).toHaveLength(1 + 4);
    expect(rows.some((r) => r.startsWith('left scope,') && r.includes(leaving.id))).toBe(true);
    expect(rows.some((r) => r.includes(`"${EVIL}"`) || r.includes(EVIL))).toBe(true);

    // Rendered in Chromium as a mail client's web view would (no network, no script), and printed; the
    // screenshot and the PDF are kept to be looked at.
    if (chromiumAvailable()) {
      const shots = path.resolve('.test-artifacts', 'screenshots');
      const page = await renderInChromium(html, { screenshot: path.join(shots, 'migration-report.png') });
      expect(page.requests).toEqual([]);
      expect(page.scripts).toBe(0);
      expect(page.scrollWidth).toBeLessThanOrEqual(760);
      expect(page.headings.map((h) => h.text)).toEqual([
        'Connect Sync to Cloud Sync migration: validation report',
        'Objects synced from on-premises, per domain',
        'Every object accounted for',
        'Job and writeback health over the window',
        'Coexistence with Connect Sync',
      ]);
      const browser = await launchChromium();
      try {
        const printed = await browser.newPage({ javaScriptEnabled: false });
        await printed.setContent(html, { waitUntil: 'load' });
        await printed.emulateMedia({ media: 'print' });
        await printed.screenshot({ path: path.join(shots, 'migration-report-print.png'), fullPage: true });
        const pdf = await printed.pdf({
          path: path.join(shots, 'migration-report.pdf'),
          format: 'A4',
          preferCSSPageSize: true,
        });
        expect(pdf.length).toBeGreaterThan(10_000);
      } finally {
        await browser.close();
      }
    } else {
      console.warn('Chromium (/usr/bin/chromium) missing: the migration report was not rendered');
    }

    // The validation period ends: runs stop checking every run (back to COVERAGE_CHECK_MINUTES).
    clock.set(new Date(START.getTime() + 15 * DAY));
    await runMonitor(deps, { trigger: 'test' });
    const afterEnd = { ...directory.requests };
    clock.advance(5 * MIN);
    await runMonitor(deps, { trigger: 'test' });
    expect(directory.requests.user).toBe(afterEnd.user);
    expect((await command(settings, 'status')).text).toMatch(/^migration validation period over/);
  });

  it('without a complete coverage check yet, the first run during the migration takes the baseline', async () => {
    const dataDir = await tempDataDir();
    const settings = settingsFor(tenant, dataDir);
    const deps = await dependencies(settings, clock);
    await runMonitor(deps, { trigger: 'test', through: 'collect' });
    const started = await command(settings, 'start');
    expect(started.text).toContain('baseline: pending');
    clock.advance(5 * MIN);
    await runMonitor(deps, { trigger: 'test' });
    const status = await command(settings, 'status');
    expect(status.text).toMatch(/objects synced from on-premises, baseline 2026-11-02T08:05:00.000Z -> now:/);
    expect(status.text).toMatch(/northwind\.com: .* \(0\)/);
  });

  it('a corrupt migration state is set aside: the run goes on, says so, and status reads no migration', async () => {
    const dataDir = await tempDataDir();
    const settings = settingsFor(tenant, dataDir);
    const deps = await dependencies(settings, clock);
    await command(settings, 'start');
    await deps.state.write({ tenantId: deps.tenantId, name: MIGRATION_KEY }, 'damaged', {
      unconditional: true,
    });
    const result = await runMonitor(deps, { trigger: 'test' });
    expect(result.collect.run.Outcome).not.toBe('failed');
    const runs = await readTable(dataDir, 'CloudSyncMonitorRun_CL');
    expect(JSON.stringify(runs.at(-1)!.Errors)).toMatch(/CorruptState.*migration/);
    const status = await command(settings, 'status');
    expect(status.code).toBe(1);
    expect(status.text).toContain('no migration recorded');
    // A new one can be started.
    expect((await command(settings, 'start')).text).toContain('migration started');
  });

  it('refuses what it does not know', async () => {
    const settings = settingsFor(tenant, await tempDataDir());
    expect(await command(settings, 'begin')).toMatchObject({
      code: { usage: 'unknown migration action "begin"' },
    });
    expect((await command(settings, 'report')).code).toBe(1);
  });
});

/** Demo names are plain words; the report escapes '=' and quotes, which these names do not contain. */
function escapeForTest(name: string): string {
  return name.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
