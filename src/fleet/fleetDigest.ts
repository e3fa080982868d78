import type { DigestLevel, DigestModel, Problem } from '../domain/digestModel.js';
import { worstFirst } from '../digest/problems.js';
import type { TenantEntry } from './tenantEntry.js';

/**
 * The fleet digest for the MSP: every registered tenant in one message, each with its worst problem of
 * the day (from the tenant's own daily digest model, src/digest), worst tenant first. Tenants with
 * nothing wrong come last, those not fully observed before the healthy ones: "no data" is not "fine".
 */
export interface FleetDigestRow {
  readonly tenantId: string;
  readonly displayName: string;
  readonly level: DigestLevel;
  /** The tenant's digest headline (the worst thing, or why all is well). */
  readonly headline: string;
  readonly worst: Problem | undefined;
  readonly critical: number;
  readonly warnings: number;
  /** The tenant's digest could not be built (its state unreadable): shown as unknown, never dropped. */
  readonly error?: string;
}

export interface FleetDigestModel {
  readonly date: string;
  readonly windowStart: string;
  readonly windowEnd: string;
  /** Worst first. */
  readonly rows: readonly FleetDigestRow[];
  readonly counts: Readonly<Record<DigestLevel, number>>;
}

const LEVEL_RANK: Readonly<Record<DigestLevel, number>> = {
  critical: 0,
  degraded: 1,
  unknown: 2,
  healthy: 3,
};

export function worstTenantFirst(a: FleetDigestRow, b: FleetDigestRow): number {
  if (a.worst && b.worst) {
    const byProblem = worstFirst(a.worst, b.worst);
    if (byProblem !== 0) return byProblem;
  } else if (a.worst || b.worst) {
    return a.worst ? -1 : 1;
  }
  return (
    LEVEL_RANK[a.level] - LEVEL_RANK[b.level] ||
    b.critical - a.critical ||
    b.warnings - a.warnings ||
    a.displayName.localeCompare(b.displayName)
  );
}

export function fleetRow(entry: TenantEntry, model: DigestModel): FleetDigestRow {
  return {
    tenantId: entry.tenantId,
    displayName: entry.displayName,
    level: model.verdict.level,
    headline: model.verdict.headline,
    worst: model.problems[0],
    critical: model.verdict.critical,
    warnings: model.verdict.warnings,
  };
}

/** The row of a tenant whose digest could not be built (its state unreadable): unknown, never dropped. */
export function failedRow(entry: TenantEntry, error: unknown): FleetDigestRow {
  return {
    tenantId: entry.tenantId,
    displayName: entry.displayName,
    level: 'unknown',
    headline: 'The digest of this tenant could not be built.',
    worst: undefined,
    critical: 0,
    warnings: 0,
    error: error instanceof Error ? error.message : String(error),
  };
}

/** The fleet digest of these rows, over the window of the tenants' digests (or the 24 hours before now). */
export function fleetDigestModel(
  rows: readonly FleetDigestRow[],
  window: Pick<DigestModel, 'date' | 'windowStart' | 'windowEnd'> | undefined,
  now: Date,
): FleetDigestModel {
  const sorted = [...rows].sort(worstTenantFirst);
  const counts = { critical: 0, degraded: 0, unknown: 0, healthy: 0 };
  for (const row of sorted) counts[row.level]++;
  const end = new Date(Math.floor(now.getTime() / 3600_000) * 3600_000);
  return {
    date: window?.date ?? end.toISOString().slice(0, 10),
    windowStart: window?.windowStart ?? new Date(end.getTime() - 24 * 3600_000).toISOString(),
    windowEnd: window?.windowEnd ?? end.toISOString(),
    rows: sorted,
    counts,
  };
}
