import { asDetails, type AgentGroupHealth, type AgentOfflineDetails } from '../domain/alertDetails.js';
import type { AlertCandidate } from '../domain/alertModel.js';
import type { AgentRecord, JobStatusRecord } from '../tables/definitions.js';
import { jobNoAgentCode } from '../domain/jobStatus.js';
import { jobKey } from '../domain/jobId.js';
import type { Rule, RuleContext } from './context.js';
import { formatMinutes as duration } from '../domain/duration.js';
import { capFlat, capName, plural } from '../domain/text.js';
import { instant, iso, minutesBetween } from '../domain/time.js';

interface AgentView {
  readonly key: string;
  readonly agentId: string;
  readonly graph: AgentRecord | undefined;
  readonly heartbeat: AgentRecord | undefined;
  readonly active: boolean;
  /** When it stopped being active (known, remembered or first seen inactive); undefined when active. */
  readonly inactiveSince: number | undefined;
  readonly lastSeenActive: number | undefined;
  readonly groups: readonly { id: string; displayName: string | null }[];
}

/**
 * `agent-offline`, two ways:
 * - per agent, from the agents API (delegated tokens) and from heartbeats: an agent inactive, or without
 *   heartbeat, for AGENT_OFFLINE_MINUTES. Critical when no agent of its group is active any more (sync
 *   of that domain has stopped), warning while others still are (high availability degraded). The agents
 *   API decides for agents it lists; heartbeats decide for the others.
 * - per configuration, from job error codes (works app-only): a job failing or quarantined with
 *   HybridIdentityServiceNoActiveAgents, ...NoAgentsAssigned or ...AgentSignalingError means no agent
 *   answers for that configuration: critical. This alert also mutes the configuration's job alerts.
 * One outage is one incident: when no agent of a configuration is active, the jobs' codes, the agents
 * API and the heartbeats are evidence of one configuration alert (matched by the agent group's name,
 * which Cloud Sync names after the domain), not an alert each. An agent whose group matches no
 * configuration the monitor reads keeps its own alert; HA degraded (others still active) is per agent.
 */
export const agentOfflineRule: Rule = (context) => {
  const agents = agentViews(context);
  const { candidates: perAgent, evidence } = agentCandidates(context, agents);
  const candidates = [...perAgent, ...configurationCandidates(context, evidence)];
  const agentInactiveSince: Record<string, string> = {};
  for (const [key, since] of Object.entries(context.memory.agentInactiveSince)) {
    // Agents not in this run's evidence keep their memory (the API or the heartbeats were not read).
    if (!agents.some((a) => a.key === key)) agentInactiveSince[key] = since;
  }
  for (const agent of agents) {
    if (!agent.active && agent.inactiveSince !== undefined && agent.lastSeenActive === undefined) {
      agentInactiveSince[agent.key] = iso(agent.inactiveSince);
    }
  }
  return { candidates, memory: { agentInactiveSince } };
};

function agentViews({ observations, memory, now, settings }: RuleContext): AgentView[] {
  const nowMs = now.getTime();
  const graph = observations.agentsApi === 'available' ? observations.agents : [];
  const heartbeats = observations.heartbeats ?? [];
  const keys = new Set([...graph, ...heartbeats].map((a) => a.AgentId?.toLowerCase()).filter((k) => k));
  const views: AgentView[] = [];
  for (const key of keys as Set<string>) {
    const g = graph.find((a) => a.AgentId?.toLowerCase() === key);
    const h = heartbeats.find((a) => a.AgentId?.toLowerCase() === key);
    const heartbeatAt =
      h && h.Status?.toLowerCase() !== 'inactive' ? instant(h.TimeGenerated) : instant(h?.LastSeenActive);
    const graphSeen =
      g?.Status?.toLowerCase() === 'active' ? instant(g.TimeGenerated) : instant(g?.LastSeenActive);
    const lastSeenActive = maxOf(graphSeen, heartbeatAt);
    let active: boolean;
    let inactiveSince: number | undefined;
    if (g) {
      // The service's own view wins where it has one: it is what decides whether sync runs.
      active = g.Status?.toLowerCase() === 'active';
      inactiveSince = active ? undefined : (graphSeen ?? instant(memory.agentInactiveSince[key]) ?? nowMs);
    } else {
      active = heartbeatAt !== undefined && nowMs - heartbeatAt < settings.agentOfflineMs;
      inactiveSince = active ? undefined : (heartbeatAt ?? instant(memory.agentInactiveSince[key]) ?? nowMs);
    }
    const groups = parseGroups(g?.AgentGroups ?? h?.AgentGroups);
    views.push({
      key,
      agentId: g?.AgentId ?? h?.AgentId ?? key,
      graph: g,
      heartbeat: h,
      active,
      inactiveSince,
      lastSeenActive,
      groups,
    });
  }
  return views.sort((a, b) => a.key.localeCompare(b.key));
}

/** Offline agents that leave a configuration without an active agent, by service principal (lowercase). */
type AgentEvidence = Map<string, { since: number; agents: OfflineAgent[] }>;
type OfflineAgent = NonNullable<
  Extract<AgentOfflineDetails, { scope: 'configuration' }>['offlineAgents']
>[number];

function agentCandidates(
  { observations, now, settings }: RuleContext,
  agents: readonly AgentView[],
): { candidates: AlertCandidate[]; evidence: AgentEvidence } {
  const nowMs = now.getTime();
  const candidates: AlertCandidate[] = [];
  const evidence: AgentEvidence = new Map();
  const configurationOf = (groupName: string | null): string | undefined => {
    if (!groupName) return undefined;
    const job = observations.jobs.find(
      (j) => j.ServicePrincipalId && j.ConfigurationName?.toLowerCase() === groupName.toLowerCase(),
    );
    return job?.ServicePrincipalId?.toLowerCase();
  };
  const name = (a: AgentView) => capName(a.graph?.MachineName ?? a.heartbeat?.MachineName) ?? a.agentId;
  const groupHealth = (group: { id: string; displayName: string | null } | undefined): AgentGroupHealth => {
    // Agents without a group form one pool: with no way to tell configurations apart, the others count.
    const members = agents.filter((a) =>
      group ? a.groups.some((g) => g.id === group.id) : a.groups.length === 0,
    );
    return {
      id: group?.id ?? '',
      displayName: group ? capName(group.displayName) : null,
      activeAgents: members.filter((a) => a.active).map(name),
      agents: members.length,
    };
  };
  for (const agent of agents) {
    if (agent.active || agent.inactiveSince === undefined) continue;
    if (nowMs - agent.inactiveSince < settings.agentOfflineMs) continue;
    const groups = agent.groups.length > 0 ? agent.groups.map(groupHealth) : [groupHealth(undefined)];
    const noActiveAgent = groups.some((g) => g.activeAgents.length === 0);
    const minutes = minutesBetween(agent.inactiveSince, nowMs);
    const others = new Set(groups.flatMap((g) => g.activeAgents));
    const where = groups
      .map((g) => g.displayName)
      .filter((n): n is string => Boolean(n))
      .join(', ');
    const record = agent.graph ?? agent.heartbeat;
    const sources = [
      ...(agent.graph ? ['graph' as const] : []),
      ...(agent.heartbeat ? ['heartbeat' as const] : []),
    ];
    const stopped = noActiveAgent
      ? groups.filter((g) => g.activeAgents.length === 0).map((g) => configurationOf(g.displayName))
      : [];
    if (stopped.length > 0 && stopped.every((sp) => sp !== undefined)) {
      for (const sp of stopped) {
        const known = evidence.get(sp) ?? { since: agent.inactiveSince, agents: [] };
        known.since = Math.min(known.since, agent.inactiveSince);
        known.agents.push({
          agentId: agent.agentId,
          machineName: capName(record?.MachineName),
          sources,
          lastSeenActive: agent.lastSeenActive === undefined ? null : iso(agent.lastSeenActive),
          offlineMinutes: minutes,
          agentVersion: capFlat(agent.heartbeat?.AgentVersion, 40),
        });
        evidence.set(sp, known);
      }
      continue;
    }
    candidates.push({
      kind: 'agent-offline',
      subject: {
        tenantId: observations.tenantId,
        agentId: agent.agentId,
        ...(record?.MachineName ? { machineName: capName(record.MachineName) ?? '' } : {}),
      },
      severity: noActiveAgent ? 'critical' : 'warning',
      summary: noActiveAgent
        ? `Provisioning agent ${name(agent)} offline for ${duration(minutes)}: no active agent left${where ? ` for ${where}` : ''}, sync has stopped`
        : `Provisioning agent ${name(agent)} offline for ${duration(minutes)}; ${plural(others.size, 'other agent')} still active (high availability degraded)`,
      since: iso(agent.inactiveSince),
      materialKey: 'offline',
      details: asDetails('agent-offline', {
        scope: 'agent',
        agentId: agent.agentId,
        machineName: capName(record?.MachineName),
        externalIp: record?.ExternalIp ?? null,
        status: capFlat(agent.graph?.Status ?? agent.heartbeat?.Status, 40),
        sources,
        lastSeenActive: agent.lastSeenActive === undefined ? null : iso(agent.lastSeenActive),
        offlineMinutes: minutes,
        thresholdMinutes: Math.round(settings.agentOfflineMs / 60_000),
        groups,
        noActiveAgent,
        agentVersion: capFlat(agent.heartbeat?.AgentVersion, 40),
        serviceStates: small(agent.heartbeat?.ServiceStates),
      }),
    });
  }
  return { candidates, evidence };
}

function configurationCandidates(
  { observations, now }: RuleContext,
  evidence: AgentEvidence,
): AlertCandidate[] {
  const byConfiguration = new Map<string, { job: JobStatusRecord; code: string }[]>();
  for (const key of evidence.keys()) byConfiguration.set(key, []);
  for (const job of observations.jobs) {
    if (!job.JobId || !job.ServicePrincipalId) continue;
    const code = jobNoAgentCode(job);
    if (!code) continue;
    const key = job.ServicePrincipalId.toLowerCase();
    byConfiguration.set(key, [...(byConfiguration.get(key) ?? []), { job, code }]);
  }
  // The canary (opt-in): its object provisioned on demand failed on the agent path. First-class
  // evidence of no working agent, like a job's no-agent code; a later successful attempt clears it.
  for (const c of observations.canary ?? []) {
    if (c.outcome !== 'failure' || !c.agentStep) continue;
    const job = observations.jobs.find((j) => j.JobId && jobKey(j.JobId) === jobKey(c.jobId));
    if (!job?.ServicePrincipalId) continue;
    const key = job.ServicePrincipalId.toLowerCase();
    const code = c.errorCode ?? 'CanaryAgentStepFailed';
    byConfiguration.set(key, [...(byConfiguration.get(key) ?? []), { job, code }]);
  }
  const candidates: AlertCandidate[] = [];
  for (const [key, affected] of byConfiguration) {
    const job =
      affected[0]?.job ?? observations.jobs.find((j) => j.ServicePrincipalId?.toLowerCase() === key);
    if (!job) continue;
    const servicePrincipalId = job.ServicePrincipalId ?? '';
    const codes = [...new Set(affected.map((a) => a.code))].sort();
    const offline = evidence.get(key);
    const offlineAgents = offline?.agents ?? [];
    const since = Math.min(
      ...affected.map(
        (a) =>
          instant(a.job.LastSuccessfulExecutionEnded) ?? instant(a.job.LastExecutionBegan) ?? now.getTime(),
      ),
      offline?.since ?? Infinity,
    );
    const configuration = capName(job.ConfigurationName) ?? servicePrincipalId;
    const agentText = offlineAgents
      .map((a) => `${a.machineName ?? a.agentId} offline for ${duration(a.offlineMinutes ?? 0)}`)
      .join(', ');
    const evidenceText = [codes.join(', '), agentText].filter(Boolean).join('; ');
    candidates.push({
      kind: 'agent-offline',
      subject: {
        tenantId: observations.tenantId,
        servicePrincipalId,
        ...(job.ConfigurationName ? { configurationName: job.ConfigurationName } : {}),
      },
      severity: 'critical',
      summary: `${configuration}: no active provisioning agent (${evidenceText}); sync of this configuration has stopped`,
      since: iso(since),
      // The outage is the news; which signal shows it (codes, agents API, heartbeats) is evidence.
      materialKey: 'no active agent',
      trackedKey: `evidence: ${[codes.length > 0 ? `job codes ${codes.join(', ')}` : '', offlineAgents.length > 0 ? `offline ${offlineAgents.map((a) => a.machineName ?? a.agentId).join(', ')}` : ''].filter(Boolean).join('; ')}`,
      details: asDetails('agent-offline', {
        scope: 'configuration',
        servicePrincipalId,
        configurationName: capName(job.ConfigurationName),
        errorCodes: codes,
        jobs: affected.map(({ job: j, code }) => ({
          jobId: j.JobId ?? '',
          templateId: j.TemplateId,
          statusCode: j.StatusCode,
          errorCode: code,
          errorMessage: capFlat(j.LastErrorMessage),
          lastExecutionEnded: j.LastExecutionEnded,
          lastSuccessfulExecutionEnded: j.LastSuccessfulExecutionEnded,
        })),
        offlineAgents,
      }),
    });
  }
  return candidates;
}

function parseGroups(value: unknown): { id: string; displayName: string | null }[] {
  if (!Array.isArray(value)) return [];
  const groups: { id: string; displayName: string | null }[] = [];
  for (const item of value) {
    if (typeof item !== 'object' || item === null) continue;
    const { id, displayName } = item as { id?: unknown; displayName?: unknown };
    if (typeof id !== 'string' || id === '') continue;
    groups.push({ id, displayName: typeof displayName === 'string' ? displayName : null });
  }
  return groups;
}

/** Heartbeat payloads are posted by hosts: keep what they report only while it stays small. */
function small(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  const json = JSON.stringify(value);
  return json !== undefined && json.length <= 2_000 ? value : null;
}

const maxOf = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.max(a, b);
