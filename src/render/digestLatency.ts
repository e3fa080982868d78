import type { DigestModel } from '../domain/digestModel.js';
import { formatDuration } from '../domain/duration.js';
import { plural } from '../domain/text.js';

/**
 * The digest's "Sync latency" section as plain lines (the email and text renderers escape and lay them
 * out): per configuration, the canary's latest round trip and the day's median and 95th percentile.
 * Absent when no canary ran in the window (the canary is opt-in). Configuration names: renderers escape.
 */
export interface LatencySection {
  readonly title: string;
  readonly level: 'healthy' | 'warning';
  readonly summary: string;
  readonly lines: readonly string[];
}

export function roundTrip(ms: number | null): string {
  if (ms === null) return 'n/a';
  return ms < 60_000 ? `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s` : formatDuration(ms);
}

export function latencySection(model: DigestModel): LatencySection | undefined {
  const l = model.latency;
  if (!l || l.configurations.length === 0) return undefined;
  const unsuccessful = l.configurations.reduce((n, c) => n + c.unsuccessful, 0);
  const attempts = l.configurations.reduce((n, c) => n + c.attempts, 0);
  const summary =
    `End-to-end round trip of the canary objects provisioned on demand: ${plural(attempts, 'attempt')}` +
    `${unsuccessful ? `, ${unsuccessful} not successful` : ', all successful'}.`;
  const lines = l.configurations.map(
    (c) =>
      `${c.name ?? c.servicePrincipalId}: last ${roundTrip(c.last.roundTripMs)} (${c.last.outcome}, ${c.last.at.slice(11, 16)} UTC); ` +
      `p50 ${roundTrip(c.p50Ms)}, p95 ${roundTrip(c.p95Ms)} over ${plural(c.attempts - c.unsuccessful, 'successful attempt')}` +
      `${c.unsuccessful ? `; ${c.unsuccessful} not successful` : ''}`,
  );
  return { title: 'Sync latency', level: unsuccessful > 0 ? 'warning' : 'healthy', summary, lines };
}
