import { isJobCondition, type JobConditionState } from '../domain/jobCondition.js';

/**
 * Rollups written before the domain job classifier named job conditions differently; they stay in
 * the store for up to 8 days, so they are read in today's words.
 */
const LEGACY: Readonly<Record<string, JobConditionState>> = {
  ok: 'healthy',
  quarantine: 'quarantined',
  'not-running': 'unknown',
};

export function upgradeJobSpan<S extends { state: string; detail: string | null }>(span: S): S {
  if (isJobCondition(span.state)) return span;
  const legacy = LEGACY[span.state] ?? 'unknown';
  // A TooManyDeletes quarantine is its own condition now.
  const state =
    legacy === 'quarantined' && (span.detail ?? '').toLowerCase() === 'toomanydeletes'
      ? 'deletion-threshold'
      : legacy;
  return { ...span, state };
}
