import { CoverageIndex, readMeta } from '../coverage/coverageState.js';
import { readLatestCoverageSummary } from '../coverage/coverageSummary.js';
import { readRollups } from '../digest/rollup.js';
import { jobsNow } from '../digest/jobsNow.js';
import type { StateStore } from '../state/store.js';
import type { SetAside } from '../state/setAside.js';
import { countsByDomain, isWriteback } from './migrationWatch.js';
import {
  readMigration,
  isActive,
  updateMigration,
  VALIDATION_DAYS,
  writeBaselineObjects,
  type Migration,
  type MigrationJob,
} from './migrationState.js';

const DAY = 24 * 3600_000;

export interface StartedMigration {
  readonly migration: Migration;
  /** A migration was already being validated: nothing changed. */
  readonly already: boolean;
  /** Stored state that could not be read and was set aside (the migration, a coverage shard). */
  readonly setAside: readonly SetAside[];
}

/**
 * `migration start` (issue 15 item 2): records the migration in state with its two-week validation
 * window and a baseline taken from what the runs left (no Graph call): the per-domain counts of objects
 * synced from on-premises from the coverage index, when a check has read the whole directory at least
 * once, and the configurations and jobs (writeback ones flagged) of the last day's runs. Without a
 * complete check yet, the first run that has one takes the baseline.
 */
export async function startMigration(
  deps: { readonly state: StateStore; readonly tenantId: string },
  now: Date,
  by: string,
): Promise<StartedMigration> {
  const { state, tenantId } = deps;
  const read = await readMigration(state, tenantId, now);
  const asides: SetAside[] = read.kind === 'none' && read.setAside ? [read.setAside] : [];
  if (read.kind === 'found' && isActive(read.migration, now)) {
    return { migration: read.migration, already: true, setAside: asides };
  }
  const { meta, setAside } = await readMeta(state, tenantId, now);
  if (setAside) asides.push(setAside);
  const summary = await readLatestCoverageSummary(state, tenantId);
  const complete = Object.values(meta.rounds).some((r) => r.complete) && summary?.checked === true;
  const index = complete ? await CoverageIndex.load(state, tenantId, now) : undefined;
  if (index) asides.push(...index.setAside);
  const counted = index ? countsByDomain(index.objects()) : undefined;
  const rollups = await readRollups(
    state,
    tenantId,
    new Date(now.getTime() - DAY),
    new Date(now.getTime() + 1),
  );
  const jobs: MigrationJob[] = jobsNow(rollups.hours).map(({ snapshot: s }) => ({
    servicePrincipalId: s.servicePrincipalId,
    configurationName: s.configurationName,
    jobId: s.jobId,
    templateId: s.templateId,
    writeback: isWriteback(s.templateId),
  }));
  const at = now.toISOString();
  const migration: Migration = {
    v: 1,
    startedAt: at,
    validationEndsAt: new Date(now.getTime() + VALIDATION_DAYS * DAY).toISOString(),
    startedBy: by,
    baseline: counted ? { takenAt: at, counts: counted.counts, objects: counted.objects, jobs } : null,
    current: counted ? { at, counts: counted.counts, objects: counted.objects } : null,
    jobs: {},
    runs: 0,
    coverageChecks: 0,
    lastRunAt: null,
    coexistence: null,
  };
  await updateMigration(state, tenantId, now, () => migration);
  if (index) await writeBaselineObjects(state, tenantId, index.objects(), now);
  return { migration, already: false, setAside: asides };
}
