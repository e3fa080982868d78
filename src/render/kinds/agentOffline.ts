import type {
  AgentOfflineAgentDetails,
  AgentOfflineConfigurationDetails,
} from '../../domain/alertDetails.js';
import type { Alert } from '../../domain/alertModel.js';
import { agentHostSteps } from '../guidance/agentHost.js';
import { jobErrorGuidance } from '../guidance/jobErrors.js';
import { formatSince, jobPurpose } from '../format.js';
import { formatDuration } from '../../domain/duration.js';
import { plural } from '../../domain/text.js';
import { docs } from '../links.js';
import type { Fact, ItemGroup, KindView, RenderContext, Step } from '../view.js';
import { type Loose, name, requireDetails, text } from './common.js';

/**
 * agent-offline: per agent machine (agents API or heartbeats), or per configuration when only the jobs'
 * error codes say that no agent answers (app-only tokens cannot read agents). The machine name tells
 * the reader where to log on; "no active agent" vs "HA degraded" tells them how fast.
 */
export function agentOfflineView(alert: Alert, ctx: RenderContext): KindView {
  const d = requireDetails('agent-offline', alert);
  return d.scope === 'configuration' ? configurationView(alert, d, ctx) : agentView(alert, d, ctx);
}

function agentView(alert: Alert, d: Loose<AgentOfflineAgentDetails>, ctx: RenderContext): KindView {
  const machine = name(
    d.machineName ?? alert.subject.machineName ?? d.agentId ?? alert.subject.agentId,
    'unknown agent',
  );
  const groups = (d.groups ?? []).filter((g) => g !== null && g !== undefined);
  const groupNames =
    groups.map((g) => name(g.displayName ?? g.id, 'agent group')).join(', ') || 'its configuration';

  const facts: Fact[] = [
    { label: 'Agent', value: `${machine}${d.agentId ? ` (id ${name(d.agentId)})` : ''}` },
  ];
  if (d.externalIp) facts.push({ label: 'External IP', value: name(d.externalIp) });
  // State at the last check while it fired: a RESOLVED message leaves it out (the agent is back).
  if (d.status) facts.push({ label: 'Reported status', value: name(d.status), whileFiring: true });
  facts.push({
    label: 'Last seen active',
    value: d.lastSeenActive
      ? formatSince(d.lastSeenActive, ctx.generatedAt)
      : 'never seen active by the monitor',
    whileFiring: true,
  });
  if (typeof d.offlineMinutes === 'number') {
    facts.push({ label: 'Offline for', value: formatDuration(d.offlineMinutes * 60_000), whileFiring: true });
  }
  for (const g of groups) {
    const active = (g.activeAgents ?? []).filter(Boolean).map((m) => name(m));
    facts.push({
      label: 'Agent group',
      value: `${name(g.displayName ?? g.id, 'unnamed')}: ${active.length} of ${g.agents ?? '?'} agents active${active.length > 0 ? ` (${active.join(', ')})` : ''}`,
      whileFiring: true,
    });
  }
  const sources = (d.sources ?? []).filter(Boolean);
  if (sources.length > 0) facts.push({ label: 'Evidence', value: sources.join(' and '), whileFiring: true });
  if (d.agentVersion) facts.push({ label: 'Agent version', value: name(d.agentVersion) });

  const itemGroups: ItemGroup[] = [];
  const services = serviceLines(d.serviceStates);
  if (services.length > 0) {
    itemGroups.push({ title: `Windows services as ${machine} last reported them`, items: services, more: 0 });
  }

  const critical = d.noActiveAgent === true;
  return {
    headline: critical
      ? `Provisioning agent offline: ${machine}, no active agent left for ${groupNames}`
      : `Provisioning agent offline: ${machine} (high availability degraded)`,
    topic: `Provisioning agent ${machine}`,
    facts,
    impact: critical
      ? `Sync of ${groupNames} has stopped: no agent is active, so no changes and no password hashes flow between Active Directory and Entra ID.`
      : `Other agents still serve ${groupNames}, so sync continues, but one more failure stops it.`,
    groups: itemGroups,
    steps: agentHostSteps(machine),
    links: [docs.troubleshoot, docs.agentPrerequisites],
  };
}

function configurationView(
  alert: Alert,
  d: Loose<AgentOfflineConfigurationDetails>,
  ctx: RenderContext,
): KindView {
  const where = name(
    d.configurationName ?? alert.subject.configurationName ?? d.servicePrincipalId,
    'the configuration',
  );
  const codes = [...new Set((d.errorCodes ?? []).filter((c): c is string => Boolean(c)))];
  const jobs = (d.jobs ?? []).filter((j) => j !== null && j !== undefined);

  const facts: Fact[] = [];
  if (codes.length > 0) facts.push({ label: 'Error codes', value: codes.map((c) => name(c)).join(', ') });
  const meanings = codes.map((c) => jobErrorGuidance(c)?.meaning).filter((m): m is string => Boolean(m));
  if (meanings.length > 0) facts.push({ label: 'Meaning', value: meanings.join(' ') });
  // The same outage as seen by the agents API or heartbeats: evidence inside this one alert.
  const offline = (d.offlineAgents ?? []).filter((a) => a !== null && a !== undefined);
  for (const a of offline) {
    const machine = name(a.machineName ?? a.agentId, 'unknown agent');
    const seen = a.lastSeenActive ? `last seen active ${formatSince(a.lastSeenActive, ctx.generatedAt)}` : '';
    const sources = (a.sources ?? []).filter(Boolean).join(' and ');
    facts.push({
      label: 'Agent offline',
      value: [
        machine,
        typeof a.offlineMinutes === 'number' ? `for ${formatDuration(a.offlineMinutes * 60_000)}` : '',
        seen,
        sources ? `(${sources})` : '',
      ]
        .filter(Boolean)
        .join(' '),
      whileFiring: true,
    });
  }

  const items = jobs.map((j) => {
    const purpose = jobPurpose(j.templateId, j.jobId) ?? name(j.jobId);
    const lastOk = j.lastSuccessfulExecutionEnded
      ? `last success ${formatSince(j.lastSuccessfulExecutionEnded, ctx.generatedAt)}`
      : 'no successful run known';
    const message = text(j.errorMessage);
    return `${purpose}: ${name(j.errorCode)}, ${lastOk}${message ? `. ${message}` : ''}`;
  });

  const steps: Step[] = [];
  const seen = new Set<string>();
  const machines = offline.map((a) => a.machineName).filter((m): m is string => Boolean(m));
  if (machines.length > 0) {
    for (const step of agentHostSteps(machines.map((m) => name(m)).join(', '))) {
      seen.add(step.text);
      steps.push(step);
    }
  }
  for (const code of codes) {
    for (const step of jobErrorGuidance(code)?.steps ?? []) {
      if (!seen.has(step.text)) {
        seen.add(step.text);
        steps.push(step);
      }
    }
  }
  if (steps.length === 0) steps.push(...agentHostSteps(undefined));

  return {
    headline: `No active provisioning agent for ${where}`,
    topic: `Provisioning agents of ${where}`,
    facts,
    impact: `Sync of ${where} has stopped: no agent answers, so no changes and no password hashes flow between Active Directory and Entra ID.`,
    groups:
      items.length > 0 ? [{ title: `Affected jobs (${plural(items.length, 'job')})`, items, more: 0 }] : [],
    steps,
    links: [docs.troubleshoot, docs.errorCodes, docs.agentPrerequisites],
  };
}

/** `{ "AADConnectProvisioningAgent": "Stopped" }` or `[{ name, status }]` as lines; anything else: none. */
function serviceLines(states: unknown): string[] {
  if (Array.isArray(states)) {
    return states
      .slice(0, 10)
      .map((s: unknown) => {
        if (!s || typeof s !== 'object') return undefined;
        const { name: n, displayName, status, state } = s as Record<string, unknown>;
        const label = typeof displayName === 'string' ? displayName : typeof n === 'string' ? n : undefined;
        const value = typeof status === 'string' ? status : typeof state === 'string' ? state : undefined;
        return label && value ? `${name(label)}: ${name(value)}` : undefined;
      })
      .filter((line): line is string => Boolean(line));
  }
  if (states && typeof states === 'object') {
    return Object.entries(states as Record<string, unknown>)
      .slice(0, 10)
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
      .map(([service, state]) => `${name(service)}: ${name(state)}`);
  }
  return [];
}
