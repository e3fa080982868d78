import type { AgentDigest, AgentsDigest, CellState, HourCell, Period } from '../domain/digestModel.js';
import type { HourRollup, RunEntry } from './rollupSchema.js';
import { joinSpans } from './spans.js';

/**
 * Agents over the day: availability as the share of observations in which each agent was active (a run
 * or a heartbeat is one observation), and the stretches it was not. Where Graph's agents API is not
 * available (app-only tokens) and no heartbeats arrive, the digest says so instead of showing nothing.
 */

const HOUR = 3600_000;

export function buildAgents(
  hours: readonly HourRollup[],
  runs: readonly RunEntry[],
  windowStart: number,
): AgentsDigest {
  const ids = new Set<string>();
  for (const h of hours) for (const id of Object.keys(h.agents)) ids.add(id);
  const list = [...ids].map((id) => buildAgent(id, hours, windowStart));
  list.sort(
    (a, b) =>
      (a.availabilityPct ?? 101) - (b.availabilityPct ?? 101) ||
      Number(b.statusNow !== 'active') - Number(a.statusNow !== 'active') ||
      a.machineName.localeCompare(b.machineName),
  );
  const observedBy = [...new Set(list.map((a) => a.source))].sort();
  return { observedBy, note: list.length > 0 ? null : noteWithoutAgents(runs), list };
}

function noteWithoutAgents(runs: readonly RunEntry[]): string {
  const api = new Set(runs.map((r) => r.agentsApi));
  if (api.has('unavailable') || api.has('skipped'))
    return (
      'Agent status could not be read: Microsoft Graph allows reading provisioning agents with delegated permissions only. ' +
      'Agent trouble is inferred from job errors (no active agent) and from heartbeats, when agent hosts post them.'
    );
  if (api.has('off'))
    return 'Agent status is not read (AGENTS_API=off); agent trouble is inferred from job errors.';
  if (api.has('failed')) return 'Agent status could not be read today (the agents API failed).';
  return 'No provisioning agents were observed.';
}

function buildAgent(id: string, hours: readonly HourRollup[], windowStart: number): AgentDigest {
  let active = 0;
  let total = 0;
  let latest: HourRollup['agents'][string] | undefined;
  const groups = new Set<string>();
  for (const h of hours) {
    const a = h.agents[id];
    if (!a) continue;
    active += a.active;
    total += a.total;
    for (const g of a.groups) groups.add(g);
    if (!latest || a.latestAt >= latest.latestAt) latest = a;
  }
  const spans = joinSpans(hours.map((h) => h.agents[id]?.spans ?? []));
  const inactive: Period[] = [];
  for (const [i, span] of spans.entries()) {
    if (span.state === 'active') continue;
    inactive.push({ from: span.from, to: spans[i + 1]?.from ?? null });
  }
  return {
    agentId: id,
    machineName: latest?.machineName ?? id,
    groups: [...groups].sort(),
    statusNow: latest?.latestStatus ?? 'unknown',
    source: latest?.source ?? 'graph',
    availabilityPct: total > 0 ? Math.round((1000 * active) / total) / 10 : null,
    observations: total,
    inactive,
    hourly: agentStrip(id, hours, windowStart),
  };
}

function agentStrip(id: string, hours: readonly HourRollup[], windowStart: number): HourCell[] {
  const byHour = new Map(hours.map((h) => [Date.parse(h.hour), h]));
  const cells: HourCell[] = [];
  for (let i = 0; i < 24; i++) {
    const t = Math.floor((windowStart + i * HOUR) / HOUR) * HOUR;
    const a = byHour.get(t)?.agents[id];
    // An agent's own hour is at worst "degraded": whether sync stopped depends on the other agents, and the
    // job's strip (no active agent) shows that.
    const state: CellState = !a || a.total === 0 ? 'none' : a.active === a.total ? 'ok' : 'warning';
    cells.push({ hour: new Date(t).toISOString(), state });
  }
  return cells;
}
