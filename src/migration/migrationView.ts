import type { CoverageIndex, IndexEntry } from '../coverage/coverageState.js';
import { OBJECT_TYPES } from '../coverage/directoryItems.js';
import type { ScopeDigest } from '../domain/digestModel.js';
import { conditionText } from '../domain/jobCondition.js';
import { jobName } from '../domain/jobTemplates.js';
import { plural } from '../domain/text.js';
import type { JobHealth, Migration, MigrationJob, TypeCounts } from './migrationState.js';
import { NO_DOMAIN } from './migrationWatch.js';

/**
 * Where a migration's validation stands (issue 15 item 2), for `migration status` and the report: days
 * left, object counts before and now per domain, the coverage gaps, job and writeback health over the
 * window, coexistence, and the findings in plain words. Pure: built from what the runs left in state.
 */
const DAY = 24 * 3600_000;

export interface DomainRow {
  readonly domain: string;
  readonly before: TypeCounts | null;
  readonly now: TypeCounts | null;
  /** now - before over all types; null while either is unknown. */
  readonly change: number | null;
}

export interface MigrationView {
  readonly tenantId: string;
  readonly generatedAt: string;
  readonly migration: Migration;
  readonly phase: 'validating' | 'over';
  readonly daysLeft: number;
  readonly domains: readonly DomainRow[];
  readonly scope: ScopeDigest | undefined;
  /** Writeback jobs first, then by configuration. */
  readonly jobs: readonly JobHealth[];
  /** Jobs of the baseline that no run during the migration saw. */
  readonly missingJobs: readonly MigrationJob[];
  /** Worst first; empty when everything checks out. */
  readonly findings: readonly string[];
}

export const domainLabel = (domain: string): string =>
  domain === NO_DOMAIN ? 'no domain (contacts)' : domain;
/** Users, groups and contacts together. */
export const typeTotal = (c: TypeCounts): number => OBJECT_TYPES.reduce((n, t) => n + c[t], 0);

export function jobLabel(j: MigrationJob): string {
  return jobName(j.configurationName ?? j.servicePrincipalId, j.templateId ?? j.jobId);
}

export function buildMigrationView(input: {
  readonly tenantId: string;
  readonly migration: Migration;
  readonly scope: ScopeDigest | undefined;
  readonly now: Date;
}): MigrationView {
  const { migration: m, now } = input;
  const endsAt = Date.parse(m.validationEndsAt);
  const phase = now.getTime() < endsAt ? 'validating' : 'over';
  const daysLeft = Math.max(0, Math.ceil((endsAt - now.getTime()) / DAY));
  const before = m.baseline?.counts ?? {};
  const current = m.current?.counts ?? {};
  const domains = [...new Set([...Object.keys(before), ...Object.keys(current)])].sort().map((domain) => {
    const b = m.baseline ? (before[domain] ?? zero()) : null;
    const n = m.current ? (current[domain] ?? zero()) : null;
    const change = b && n ? typeTotal(n) - typeTotal(b) : null;
    return { domain, before: b, now: n, change };
  });
  const jobs = Object.values(m.jobs).sort(
    (a, b) => Number(b.writeback) - Number(a.writeback) || jobLabel(a).localeCompare(jobLabel(b)),
  );
  const seen = new Set(Object.keys(m.jobs));
  const missingJobs = (m.baseline?.jobs ?? []).filter((j) => !seen.has(j.jobId) && m.runs > 0);
  return {
    tenantId: input.tenantId,
    generatedAt: now.toISOString(),
    migration: m,
    phase,
    daysLeft,
    domains,
    scope: input.scope,
    jobs,
    missingJobs,
    findings: findings(m, domains, input.scope, jobs, missingJobs),
  };
}

const zero = (): TypeCounts => ({ user: 0, group: 0, contact: 0 });

function findings(
  m: Migration,
  domains: readonly DomainRow[],
  scope: ScopeDigest | undefined,
  jobs: readonly JobHealth[],
  missing: readonly MigrationJob[],
): string[] {
  const out: string[] = [];
  if (m.coexistence) {
    out.push(
      `Connect Sync is still exporting objects Cloud Sync provisions (${plural(m.coexistence.cloudSyncObjects, 'object')}, last seen ${m.coexistence.lastSeenAt}): running both on the same objects is unsupported; put Connect Sync in staging mode.`,
    );
  }
  for (const d of domains) {
    if (d.change !== null && d.change < 0)
      out.push(
        `${domainLabel(d.domain)}: ${plural(-d.change, 'object')} fewer synced from on-premises than at the baseline.`,
      );
  }
  if (scope && scope.gapObjects > 0)
    out.push(
      `${plural(scope.gapObjects, 'object')} synced from on-premises not provisioned by Cloud Sync ${scope.graceDays} days after its first cycle.`,
    );
  const notYet = scope ? scope.syncedObjects - scope.coveredObjects - scope.gapObjects : 0;
  if (scope && notYet > 0)
    out.push(
      `${plural(notYet, 'object')} synced from on-premises not provisioned by Cloud Sync yet (within the ${scope.graceDays}-day grace period): each is listed in the report.`,
    );
  for (const j of jobs) {
    if (j.unhealthyRuns === 0) continue;
    const last = conditionText(j.lastCondition);
    out.push(
      `${j.writeback ? 'Writeback job ' : ''}${jobLabel(j)}: not healthy in ${j.unhealthyRuns} of ${plural(j.runs, 'run')} (now ${last}${j.lastErrorCode ? `, last error ${j.lastErrorCode}` : ''}).`,
    );
  }
  for (const j of missing) out.push(`${jobLabel(j)} was there at the baseline and no run has seen it since.`);
  if (!m.baseline)
    out.push('No baseline yet: it is taken by the first run whose coverage check reads the whole directory.');
  return out;
}

/* ------------------------------------------------------------------ objects (the report) */

export interface ObjectLine {
  readonly id: string;
  readonly type: string;
  readonly name: string | null;
  readonly domain: string | null;
  readonly ou: string | null;
  /** onPremisesLastSyncDateTime. */
  readonly lastSync: string | null;
}

export interface ObjectAccounting {
  /** Objects synced from on-premises now (the coverage index). */
  readonly inScope: number;
  /** Of those, provisioned by a Cloud Sync configuration. */
  readonly covered: number;
  /** In scope, not provisioned by Cloud Sync: every one listed. */
  readonly notCovered: readonly ObjectLine[];
  /** In the baseline, gone now (deleted in Entra ID, or no longer synced from on-premises): every one listed. */
  readonly leftScope: readonly ObjectLine[];
  /** Synced from on-premises now, not in the baseline. */
  readonly added: number;
  /** No baseline objects to compare with (not taken yet, or set aside). */
  readonly baselineKnown: boolean;
}

const line = (id: string, e: IndexEntry): ObjectLine => ({
  id,
  type: e.t,
  name: e.n,
  domain: e.d,
  ou: e.o,
  lastSync: e.l,
});

const byPlace = (a: ObjectLine, b: ObjectLine) =>
  (a.domain ?? '').localeCompare(b.domain ?? '') ||
  (a.ou ?? '').localeCompare(b.ou ?? '') ||
  (a.name ?? a.id).localeCompare(b.name ?? b.id);

export function accountObjects(
  index: CoverageIndex,
  baseline: ReadonlyMap<string, IndexEntry> | undefined,
): ObjectAccounting {
  let inScope = 0;
  let covered = 0;
  let added = 0;
  const notCovered: ObjectLine[] = [];
  const now = new Set<string>();
  for (const [id, e] of index.objects()) {
    inScope++;
    now.add(id);
    if (index.touchOf(id)) covered++;
    else notCovered.push(line(id, e));
    if (baseline && baseline.size > 0 && !baseline.has(id)) added++;
  }
  const leftScope: ObjectLine[] = [];
  for (const [id, e] of baseline ?? []) if (!now.has(id)) leftScope.push(line(id, e));
  return {
    inScope,
    covered,
    notCovered: notCovered.sort(byPlace),
    leftScope: leftScope.sort(byPlace),
    added,
    baselineKnown: (baseline?.size ?? 0) > 0,
  };
}
