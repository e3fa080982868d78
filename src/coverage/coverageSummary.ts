import { z } from 'zod';
import { coverageGapDetailsSchema } from '../domain/alertDetails.js';
import type { ScopeDigest } from '../domain/digestModel.js';
import type { DirectoryCoverage } from '../domain/directoryCoverage.js';
import type { StateStore } from '../state/store.js';
import { readStoredState } from '../state/storedState.js';
import { updateState } from '../state/update.js';

/**
 * The latest coverage verdict, kept for the daily digest (which reads state, never Graph): the same
 * facts as the coverage-gap alert, with when they were taken. Written by every run whose check ran.
 */
export const COVERAGE_SUMMARY_KEY = 'coverage-summary';

const summarySchema = coverageGapDetailsSchema.extend({
  checkedAt: z.string(),
  checked: z.boolean(),
  since: z.string().nullable().default(null),
});

export async function writeCoverageSummary(
  store: StateStore,
  tenantId: string,
  summary: ScopeDigest,
  now: Date,
): Promise<void> {
  await updateState(
    store,
    { tenantId, name: COVERAGE_SUMMARY_KEY },
    summarySchema,
    () => ({ value: summary, result: undefined }),
    { now },
  );
}

/** The latest summary, whenever taken; undefined when none, or when it cannot be read. */
export async function readLatestCoverageSummary(store: StateStore, tenantId: string): Promise<ScopeDigest | undefined> {
  const stored = await readStoredState(store, { tenantId, name: COVERAGE_SUMMARY_KEY }, summarySchema);
  return stored.kind === 'found' ? stored.value : undefined;
}

/** The summary when one was taken in [from, to); undefined when none, or when it cannot be read. */
export async function readCoverageSummary(
  store: StateStore,
  tenantId: string,
  from: Date,
  to: Date,
): Promise<ScopeDigest | undefined> {
  const stored = await readStoredState(store, { tenantId, name: COVERAGE_SUMMARY_KEY }, summarySchema);
  if (stored.kind !== 'found') return undefined;
  const at = Date.parse(stored.value.checkedAt);
  return at >= from.getTime() && at < to.getTime() ? stored.value : undefined;
}

/** The verdict a summary holds, for the rules of a run between two checks. */
export function coverageOfSummary(summary: ScopeDigest): DirectoryCoverage {
  const { checkedAt, checked, since, ...details } = summary;
  void checkedAt;
  return { checked, details, since };
}
