import type { CanarySample } from '../canary/canaryHistory.js';
import type { LatencyDigest } from '../domain/digestModel.js';

/**
 * The digest's sync latency (issue 15): the canary's round trips of the window, per configuration: the
 * latest attempt, and the median and 95th percentile of the successful ones (a failed attempt has no
 * round trip worth the name: it is counted as unsuccessful instead). Pure.
 */
export function buildLatency(samples: readonly CanarySample[]): LatencyDigest | undefined {
  if (samples.length === 0) return undefined;
  const bySp = new Map<string, CanarySample[]>();
  for (const s of samples) bySp.set(s.sp, [...(bySp.get(s.sp) ?? []), s]);
  const configurations = [...bySp.entries()].map(([sp, list]) => {
    const sorted = [...list].sort((a, b) => a.at.localeCompare(b.at));
    const last = sorted.at(-1)!;
    const ok = sorted.filter((s) => s.outcome === 'success').map((s) => s.ms);
    return {
      servicePrincipalId: sp,
      name: [...sorted].reverse().find((s) => s.name)?.name ?? null,
      attempts: sorted.length,
      unsuccessful: sorted.length - ok.length,
      last: { at: last.at, outcome: last.outcome, roundTripMs: last.ms },
      p50Ms: percentile(ok, 50),
      p95Ms: percentile(ok, 95),
    };
  });
  configurations.sort((a, b) =>
    (a.name ?? a.servicePrincipalId).localeCompare(b.name ?? b.servicePrincipalId),
  );
  return { configurations };
}

/** Nearest rank: the smallest value with at least p % of the values at or below it. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
