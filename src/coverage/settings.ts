import { z } from 'zod';

/**
 * Settings of the coverage check (issue 15): the directory's on-premises objects against what Cloud Sync
 * provisioned. Composed into the one settings schema by src/config.ts, which alone reads the environment.
 * Read-only against the tenant: it needs Directory.Read.All (already granted) or User.Read.All,
 * Group.Read.All and OrgContact.Read.All.
 */
const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

export const coverageSettingsShape = {
  /** auto: on, as far as the permissions allow (a 403 switches that object type off, said once per run). */
  COVERAGE_CHECK: z.enum(['auto', 'off']).default('auto'),
  /** Days after a configuration's first full cycle before an object it never provisioned is a gap. */
  COVERAGE_GRACE_DAYS: int(0, 90, 7),
  /** Connect Sync counts as still exporting when the organization's last sync is this recent. */
  COVERAGE_COEXISTENCE_HOURS: int(1, 7 * 24, 3),
  /** Minutes between full checks (directory delta queries and the verdict); 0: every run. Runs between keep their events' marks. */
  COVERAGE_CHECK_MINUTES: int(0, 24 * 60, 60),
  /** Bound of the per-object index kept in state (directory objects plus provisioned marks). */
  COVERAGE_MAX_OBJECTS: int(100, 500_000, 200_000),
} satisfies z.ZodRawShape;

export interface CoverageSettings {
  readonly enabled: boolean;
  readonly graceMs: number;
  readonly coexistenceMs: number;
  readonly maxObjects: number;
  readonly intervalMs: number;
}

type Raw = z.output<z.ZodObject<typeof coverageSettingsShape>>;

export function toCoverageSettings(raw: Raw): CoverageSettings {
  const hour = 3600_000;
  return {
    enabled: raw.COVERAGE_CHECK === 'auto',
    graceMs: raw.COVERAGE_GRACE_DAYS * 24 * hour,
    coexistenceMs: raw.COVERAGE_COEXISTENCE_HOURS * hour,
    maxObjects: raw.COVERAGE_MAX_OBJECTS,
    intervalMs: raw.COVERAGE_CHECK_MINUTES * 60_000,
  };
}
