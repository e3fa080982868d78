import { CoverageIndex } from '../coverage/coverageState.js';
import { readLatestCoverageSummary } from '../coverage/coverageSummary.js';
import { migrationCsv, renderMigrationReport } from '../migration/migrationReport.js';
import { readBaselineObjects, readMigration } from '../migration/migrationState.js';
import { accountObjects, buildMigrationView, type MigrationView } from '../migration/migrationView.js';
import type { SetAside } from '../state/setAside.js';
import type { StateStore } from '../state/store.js';

export { startMigration } from '../migration/startMigration.js';

/**
 * The migration mode's use cases for `cloudsync-monitor migration` (issue 15 item 2): where the
 * validation stands and the report, from the state the runs leave (no Graph call).
 */
interface Deps {
  readonly state: StateStore;
  readonly tenantId: string;
}

export interface MigrationStatus {
  /** Undefined when no migration is recorded (or a corrupt one was set aside). */
  readonly view: MigrationView | undefined;
  readonly setAside: readonly SetAside[];
}

export async function migrationStatus(deps: Deps, now: Date): Promise<MigrationStatus> {
  const read = await readMigration(deps.state, deps.tenantId, now);
  if (read.kind === 'none') return { view: undefined, setAside: read.setAside ? [read.setAside] : [] };
  const scope = await readLatestCoverageSummary(deps.state, deps.tenantId);
  return {
    view: buildMigrationView({ tenantId: deps.tenantId, migration: read.migration, scope, now }),
    setAside: [],
  };
}

/** The report of the migration `view` (from migrationStatus: read once, shown and reported). */
export async function migrationReport(
  deps: Deps,
  now: Date,
  view: MigrationView,
  csvName: string,
): Promise<{ html: string; csv: string }> {
  const index = await CoverageIndex.load(deps.state, deps.tenantId, now);
  const baseline = view.migration.baseline
    ? (await readBaselineObjects(deps.state, deps.tenantId, now)).objects
    : undefined;
  const objects = accountObjects(index, baseline);
  return { html: renderMigrationReport({ view, objects, csvName }), csv: migrationCsv(objects) };
}
