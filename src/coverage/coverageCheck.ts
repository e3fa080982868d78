import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { DirectoryCoverage } from '../domain/directoryCoverage.js';
import { templateOfJobId } from '../domain/jobId.js';
import { templateFamily } from '../domain/jobTemplates.js';
import type { RunIssue } from '../domain/runIssue.js';
import { capFlat } from '../domain/text.js';
import type { GraphReader } from '../graph/graphReader.js';
import type { RecordSink } from '../sinks/sink.js';
import { corruptStateIssue } from '../state/setAside.js';
import type { StateStore } from '../state/store.js';
import type { CoverageRecord, JobStatusRecord, ProvisioningObservation } from '../tables/definitions.js';
import {
  addPendingTouches,
  clearPendingTouches,
  CoverageIndex,
  PENDING_MAX,
  readMeta,
  readPendingTouches,
  writeMeta,
  type Touch,
} from './coverageState.js';
import { coverageOfSummary, readLatestCoverageSummary, writeCoverageSummary } from './coverageSummary.js';
import { readDirectory } from './directoryRead.js';
import { coverageVerdict } from './gaps.js';
import type { CoverageSettings } from './settings.js';

/**
 * The coverage check of one run (issue 15): the provisioning events the run wrote mark the objects each
 * Cloud Sync configuration provisioned; delta queries bring the directory's on-premises objects up to
 * date; the verdict feeds `coverage-gap`, and each object in the gap gets one CloudSyncCoverage_CL row a
 * day. Read-only against the tenant.
 */
export interface CoverageCheckDependencies {
  readonly graph: GraphReader;
  readonly state: StateStore;
  readonly sink: RecordSink;
  readonly clock: Clock;
  readonly tenantId: string;
  readonly settings: CoverageSettings;
}

export interface CoverageCheckInput {
  readonly runId: string;
  readonly configurations: readonly { readonly servicePrincipalId: string; readonly name: string }[];
  readonly jobs: readonly JobStatusRecord[];
  readonly touches: ProvisionedTouches;
  /** Clock time (ms) after which no further directory page is requested (the run's budget). */
  readonly deadline: number;
}

export interface CoverageCheckResult {
  /** Undefined when the check is off or nothing could be read. */
  readonly coverage: DirectoryCoverage | undefined;
  readonly issues: readonly RunIssue[];
  readonly rowsWritten: number;
  /** Directory items Graph sent this run (after the first run: only the changes). */
  readonly itemsRead: number;
  /** The per-object index after a full check (undefined between checks): the migration mode counts it. */
  readonly index?: CoverageIndex;
}

/** The objects the run's provisioning events touched, latest per object; AD to Entra jobs only, skips not counted. */
export class ProvisionedTouches {
  readonly byObject = new Map<string, Touch>();

  add(records: readonly ProvisioningObservation[]): void {
    for (const r of records) {
      const target = r.TargetId?.toLowerCase();
      if (!target || !r.ServicePrincipalId || !r.TimeGenerated) continue;
      if (r.ResultType === 'Skipped') continue; // out of scope (NotEffectivelyEntitled) is not coverage
      if (templateFamily(templateOfJobId(r.JobId)) !== 'AD2AAD') continue;
      const known = this.byObject.get(target);
      if (!known || known.a < r.TimeGenerated)
        this.byObject.set(target, { c: r.ServicePrincipalId.toLowerCase(), a: r.TimeGenerated });
    }
  }
}

const organizationSync = z.object({
  value: z
    .array(
      z.object({
        id: z.string(),
        onPremisesSyncEnabled: z.boolean().nullable().optional(),
        onPremisesLastSyncDateTime: z.string().nullable().optional(),
      }),
    )
    .min(1),
});

export async function runCoverageCheck(
  deps: CoverageCheckDependencies,
  input: CoverageCheckInput,
): Promise<CoverageCheckResult> {
  const none = { coverage: undefined, issues: [], rowsWritten: 0, itemsRead: 0 };
  if (!deps.settings.enabled) return none;
  const now = deps.clock.now();
  const issues: RunIssue[] = [];
  const { meta, setAside } = await readMeta(deps.state, deps.tenantId, now);
  if (setAside) issues.push(corruptStateIssue(setAside));
  const unfinished = Object.values(meta.rounds).some((r) => !r.complete);
  const checkDue =
    meta.lastCheckAt === null ||
    unfinished ||
    now.getTime() - Date.parse(meta.lastCheckAt) >= deps.settings.intervalMs;
  if (!checkDue) {
    // Between checks: keep the run's marks (events are read once; a lost mark would be a false gap)
    // and tell the rules the last verdict again, so an alert neither resolves nor flaps meanwhile.
    const pending =
      input.touches.byObject.size > 0
        ? await addPendingTouches(deps.state, deps.tenantId, input.touches.byObject, now)
        : 0;
    if (pending <= PENDING_MAX) {
      const last = await readLatestCoverageSummary(deps.state, deps.tenantId);
      return {
        coverage: last ? coverageOfSummary(last) : undefined,
        issues,
        rowsWritten: 0,
        itemsRead: 0,
      };
    }
  }
  const index = await CoverageIndex.load(deps.state, deps.tenantId, now);
  issues.push(...index.setAside.map(corruptStateIssue));
  const pending = await readPendingTouches(deps.state, deps.tenantId);
  const touches = new Map([...Object.entries(pending?.touched ?? {}), ...input.touches.byObject]);
  for (const [id, touch] of touches) {
    if (index.touchOf(id) || index.size < deps.settings.maxObjects) index.setTouch(id, touch);
  }
  // Kept before anything else can fail: a run's events are read once, so a lost mark would be a false gap.
  await index.save(deps.state, deps.tenantId, now);
  if (pending) await clearPendingTouches(deps.state, deps.tenantId, now);
  meta.lastCheckAt = now.toISOString();
  for (const job of input.jobs) {
    if (templateFamily(job.TemplateId) !== 'AD2AAD' || !job.LastSuccessfulExecutionEnded) continue;
    const sp = job.ServicePrincipalId?.toLowerCase();
    if (!sp) continue;
    const name = input.configurations.find((c) => c.servicePrincipalId.toLowerCase() === sp)?.name;
    const known = meta.configurations[sp];
    const ended = job.LastSuccessfulExecutionEnded;
    if (!known || ended < known.firstCycleAt) {
      meta.configurations[sp] = { name: name ?? job.ConfigurationName ?? sp, firstCycleAt: ended };
    }
  }

  const read = await readDirectory(deps.graph, index, meta, {
    now,
    maxObjects: deps.settings.maxObjects,
    deadline: input.deadline,
    clock: deps.clock,
  });
  issues.push(...read.issues);

  let organizationLastSyncAt: string | null = null;
  let organizationRead = false;
  try {
    const body = organizationSync.safeParse(
      await deps.graph.get('/organization?$select=id,onPremisesSyncEnabled,onPremisesLastSyncDateTime'),
    );
    if (body.success) {
      organizationRead = true;
      organizationLastSyncAt = body.data.value[0]?.onPremisesLastSyncDateTime ?? null;
    } else {
      issues.push({
        signal: 'coverage',
        severity: 'error',
        code: 'InvalidOrganization',
        message: 'Graph answered /organization without the on-premises sync properties',
      });
    }
  } catch (error) {
    issues.push({
      signal: 'coverage',
      severity: 'error',
      code: 'OrganizationReadFailed',
      message: `the organization could not be read: ${capFlat(error instanceof Error ? error.message : String(error), 300) ?? ''}`,
    });
  }

  const verdict = coverageVerdict({
    index,
    meta,
    configurations: input.configurations,
    organizationLastSyncAt,
    now,
    graceMs: deps.settings.graceMs,
    coexistenceMs: deps.settings.coexistenceMs,
  });
  if (organizationRead) {
    meta.coexistenceSince = verdict.details.coexistence ? (meta.coexistenceSince ?? now.toISOString()) : null;
  }

  // One row per object per (UTC) day of the gap; the day is marked only after the sink took the rows.
  const day = now.toISOString().slice(0, 10);
  const due = verdict.gaps.filter((g) => g.entry.r !== day);
  let rowsWritten = 0;
  if (due.length > 0) {
    const rows: CoverageRecord[] = due.map((g) => ({
      TimeGenerated: now.toISOString(),
      AADTenantId: deps.tenantId,
      RunId: input.runId,
      ObjectId: g.id,
      ObjectType: g.entry.t,
      DisplayName: g.entry.n,
      OnPremisesDomainName: g.entry.d,
      OrganizationalUnit: g.entry.o,
      OnPremisesLastSyncDateTime: g.entry.l,
      ConfigurationName: g.configurationName,
      GapSince: g.gapSince,
      ConnectSyncExporting: verdict.details.coexistence !== null,
    }));
    try {
      await deps.sink.write('CloudSyncCoverage_CL', rows);
      rowsWritten = rows.length;
      for (const g of due) index.setObject(g.id, { ...g.entry, r: day });
    } catch (error) {
      issues.push({
        signal: 'sink',
        severity: 'error',
        code: 'CoverageRowsFailed',
        message: `coverage rows could not be written: ${capFlat(error instanceof Error ? error.message : String(error), 300) ?? ''}`,
      });
    }
  }

  await index.save(deps.state, deps.tenantId, now);
  await writeMeta(deps.state, deps.tenantId, meta, now);

  const outcomes = Object.values(read.outcomes);
  const complete = outcomes.filter((o) => o === 'complete').length;
  const checked =
    organizationRead && complete > 0 && outcomes.every((o) => o === 'complete' || o === 'forbidden');
  if (complete === 0 && outcomes.every((o) => o === 'forbidden')) {
    return { coverage: undefined, issues, rowsWritten, itemsRead: read.itemsRead };
  }
  await writeCoverageSummary(
    deps.state,
    deps.tenantId,
    { ...verdict.details, checkedAt: now.toISOString(), checked, since: verdict.since },
    now,
  );
  return {
    coverage: { checked, details: verdict.details, since: verdict.since },
    issues,
    rowsWritten,
    itemsRead: read.itemsRead,
    index,
  };
}
