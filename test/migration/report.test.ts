import { describe, expect, it } from 'vitest';
import { migrationCsv, renderMigrationReport } from '../../src/migration/migrationReport.js';
import type { Migration } from '../../src/migration/migrationState.js';
import {
  buildMigrationView,
  type ObjectAccounting,
  type ObjectLine,
} from '../../src/migration/migrationView.js';

/**
 * The migration report with more objects to list than the body shows (issue 15 item 2): the first 25 in
 * the body, every one in the appendix (on a new page when printed) and in the CSV; CSV cells that would
 * start a spreadsheet formula are defused.
 */
const migration: Migration = {
  v: 1,
  startedAt: '2026-11-02T08:00:00.000Z',
  validationEndsAt: '2026-11-16T08:00:00.000Z',
  startedBy: 'cli:admin',
  baseline: {
    takenAt: '2026-11-02T08:00:00.000Z',
    counts: { 'contoso.com': { user: 40, group: 0, contact: 0 } },
    objects: 40,
    jobs: [],
  },
  current: {
    at: '2026-11-03T08:00:00.000Z',
    counts: { 'contoso.com': { user: 38, group: 0, contact: 0 } },
    objects: 38,
  },
  jobs: {},
  runs: 12,
  coverageChecks: 12,
  lastRunAt: '2026-11-03T08:00:00.000Z',
  coexistence: null,
};
const object = (i: number, name = `User ${i}`): ObjectLine => ({
  id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  type: 'user',
  name,
  domain: 'contoso.com',
  ou: 'OU=Branch,DC=contoso,DC=com',
  lastSync: null,
});
const objects: ObjectAccounting = {
  inScope: 38,
  covered: 8,
  notCovered: [...Array.from({ length: 29 }, (_, i) => object(i)), object(29, '=HYPERLINK("http://x","y")')],
  leftScope: [object(40), object(41)],
  added: 0,
  baselineKnown: true,
};
const view = buildMigrationView({
  tenantId: 't',
  migration,
  scope: undefined,
  now: new Date('2026-11-03T09:00:00Z'),
});

describe('migration report: every object listed', () => {
  it('lists 25 in the body and every one in the appendix, which starts a printed page', () => {
    const html = renderMigrationReport({ view, objects, csvName: 'report-2026-11-03.csv' });
    expect(html).toContain('and 5 more objects: every one is in the appendix and in report-2026-11-03.csv.');
    const appendix = html.slice(html.indexOf('Appendix: every object that needs attention'));
    expect(html).toMatch(
      /page-break-before:always;break-before:page;">Appendix: every object that needs attention/,
    );
    for (let i = 0; i < 29; i++) expect(appendix).toContain(object(i).id);
    expect(appendix).toContain(object(40).id);
    expect(appendix).toContain('32 objects; also in report-2026-11-03.csv.');
    expect(html).toContain('contoso.com: 2 objects fewer synced from on-premises than at the baseline.');
    expect(html).toContain('&#61;HYPERLINK(&quot;http\u200b://x&quot;,&quot;y&quot;)');
  });

  it('writes every object to the CSV, formulas defused', () => {
    const rows = migrationCsv(objects).trim().split('\r\n');
    expect(rows).toHaveLength(1 + 32);
    expect(rows.filter((r) => r.startsWith('left scope,'))).toHaveLength(2);
    expect(rows).toContain(
      `not provisioned,"'=HYPERLINK(""http://x"",""y"")",user,contoso.com,"OU=Branch,DC=contoso,DC=com",${object(29).id},`,
    );
  });
});
