import { mkdir, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { systemClock } from '../clock.js';
import type { Settings } from '../config.js';
import type { Logger } from '../log.js';
import { migrationReport, migrationStatus, startMigration, type MigrationStatus } from '../app/migration.js';
import { domainLabel, jobLabel } from '../migration/migrationView.js';
import { OBJECT_TYPES } from '../coverage/directoryItems.js';
import { conditionText } from '../domain/jobCondition.js';
import { plural } from '../domain/text.js';
import { openLocalState } from './localState.js';

/**
 * `cloudsync-monitor migration start|status|report` (issue 15 item 2): the Connect Sync to Cloud Sync
 * migration's two-week validation, from the state the runs leave (no Graph call).
 */
export async function migrationCommand(
  settings: Settings,
  log: Logger,
  options: {
    action: string | undefined;
    by: string | undefined;
    out: string | undefined;
    json: boolean;
    now: Date | undefined;
    print: (line: string) => void;
  },
): Promise<number | { usage: string }> {
  const { action, print } = options;
  if (action !== 'start' && action !== 'status' && action !== 'report')
    return {
      usage: action ? `unknown migration action "${action}"` : 'migration needs start, status or report',
    };
  if (action !== 'start' && options.by) return { usage: '--by is for migration start' };
  if (action !== 'report' && options.out) return { usage: '--out is for migration report' };
  if (action !== 'status' && options.json) return { usage: '--json is for migration status' };
  const now = options.now ?? systemClock.now();
  const local = await openLocalState(settings, systemClock, log, { orAskGraph: true });
  const deps = { state: local.state, tenantId: local.tenantId };

  if (action === 'start') {
    const started = await startMigration(deps, now, options.by ?? `cli:${userInfo().username}`);
    for (const aside of started.setAside) print(`note: ${aside.message}`);
    const m = started.migration;
    if (started.already) {
      print(
        `a migration is already being validated since ${m.startedAt} (ends ${m.validationEndsAt}): nothing changed`,
      );
      return 0;
    }
    print(`migration started ${m.startedAt}; validation period until ${m.validationEndsAt}`);
    if (m.baseline) {
      print(`baseline: ${plural(m.baseline.objects, 'object')} synced from on-premises`);
      for (const [domain, c] of Object.entries(m.baseline.counts).sort())
        print(`  ${domainLabel(domain)}: ${OBJECT_TYPES.map((t) => `${c[t]} ${t}s`).join(', ')}`);
      const wb = m.baseline.jobs.filter((j) => j.writeback);
      print(
        `jobs: ${m.baseline.jobs.length}${wb.length ? ` (writeback: ${wb.map(jobLabel).join(', ')})` : ' (no writeback job)'}`,
      );
    } else {
      print('baseline: pending; the next run whose coverage check reads the whole directory takes it');
    }
    print('every run now checks coverage; `cloudsync-monitor migration status` says where it stands');
    return 0;
  }

  const status = await migrationStatus(deps, now);
  for (const aside of status.setAside) print(`note: ${aside.message}`);
  if (!status.view) {
    if (options.json) print(JSON.stringify({ migration: null, reason: 'no migration recorded' }));
    else print('no migration recorded: start one with `cloudsync-monitor migration start`');
    return 1;
  }
  if (action === 'status') {
    if (options.json) print(JSON.stringify(status.view));
    else for (const line of statusLines(status)) print(line);
    return 0;
  }
  const date = now.toISOString().slice(0, 10);
  const file = options.out ?? path.join(settings.dataDir, 'migration', `report-${date}.html`);
  const csvFile = file.replace(/\.html?$/i, '') + '.csv';
  const report = await migrationReport(deps, now, status.view, path.basename(csvFile));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, report.html, 'utf8');
  await writeFile(csvFile, report.csv, 'utf8');
  print(`report written to ${file} (objects needing attention: ${csvFile})`);
  return 0;
}

function statusLines({ view }: MigrationStatus): string[] {
  if (!view) return [];
  const m = view.migration;
  const out = [
    view.phase === 'validating'
      ? `migration validation: ${plural(view.daysLeft, 'day')} left (started ${m.startedAt}, ends ${m.validationEndsAt})`
      : `migration validation period over (started ${m.startedAt}, ended ${m.validationEndsAt})`,
    `runs since start: ${m.runs}, coverage checks: ${m.coverageChecks}${m.lastRunAt ? `, last run ${m.lastRunAt}` : ''}`,
    m.baseline
      ? `objects synced from on-premises, baseline ${m.baseline.takenAt} -> now:`
      : 'no baseline yet',
  ];
  for (const d of view.domains) {
    const fmt = (c: typeof d.before) => (c ? OBJECT_TYPES.map((t) => `${c[t]} ${t}s`).join(', ') : 'n/a');
    out.push(
      `  ${domainLabel(d.domain)}: ${fmt(d.before)} -> ${fmt(d.now)}${d.change === null ? '' : ` (${d.change > 0 ? '+' : ''}${d.change})`}`,
    );
  }
  const s = view.scope;
  out.push(
    s
      ? `coverage: ${s.coveredObjects} of ${s.syncedObjects} provisioned by Cloud Sync; ${plural(s.gapObjects, 'object')} in a gap${s.checked ? '' : ' (last check incomplete)'}`
      : 'coverage: no check yet',
  );
  for (const g of s?.groups ?? [])
    out.push(
      `  gap ${g.domain ?? 'no domain'}${g.organizationalUnit ? ` / ${g.organizationalUnit}` : ''}: ${plural(g.objectCount, 'object')}`,
    );
  // view.jobs lists the writeback jobs first.
  out.push(view.jobs[0]?.writeback ? 'writeback jobs:' : 'writeback jobs: none seen');
  for (const [i, j] of view.jobs.entries()) {
    const now = conditionText(j.lastCondition);
    if (!j.writeback && (i === 0 || view.jobs[i - 1]!.writeback)) out.push('other jobs:');
    out.push(
      `  ${jobLabel(j)}: ${now}; not healthy in ${j.unhealthyRuns} of ${plural(j.runs, 'run')}${j.lastErrorCode ? `; last error ${j.lastErrorCode}` : ''}`,
    );
  }
  out.push(
    m.coexistence
      ? `coexistence: Connect Sync still exporting (${plural(m.coexistence.cloudSyncObjects, 'object')}, last seen ${m.coexistence.lastSeenAt})`
      : 'coexistence: none seen',
  );
  out.push(view.findings.length ? 'findings:' : 'findings: none, every object accounted for');
  for (const f of view.findings) out.push(`  - ${f}`);
  return out;
}
