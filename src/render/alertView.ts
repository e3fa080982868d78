import {
  endedAt,
  lastedMs,
  type Alert,
  type AlertKind,
  type Transition,
  type TransitionKind,
} from '../domain/alertModel.js';
import { formatSince } from './format.js';
import { formatDuration } from '../domain/duration.js';
import { agentOfflineView } from './kinds/agentOffline.js';
import { name, text } from './kinds/common.js';
import { deletionThresholdView } from './kinds/deletionThreshold.js';
import { jobFailingView } from './kinds/jobFailing.js';
import { initialSyncPausedView } from './kinds/initialSyncPaused.js';
import { jobQuarantinedView } from './kinds/jobQuarantined.js';
import { monitorDegradedView } from './kinds/monitorDegraded.js';
import { notificationFailingView } from './kinds/notificationFailing.js';
import { coverageGapView } from './kinds/coverageGap.js';
import { syncErrorsView } from './kinds/syncErrors.js';
import { syncStalledView } from './kinds/syncStalled.js';
import { commandId, idText } from './command.js';
import { cloudSyncPortalUrl, isOwnUrl, provisioningLogsUrl, workbookAlertUrl, type Link } from './links.js';
import type { AlertView, Fact, KindView, RenderContext } from './view.js';

/**
 * One transition as an AlertView: the kind's view (what, where, impact, what to do) plus what every
 * alert says (tenant, since when, severity, the transition itself, the acknowledge link). A RESOLVED or
 * ACKNOWLEDGED transition keeps the facts but drops the to-do list: nobody needs steps for a fixed problem.
 */
const KIND_VIEWS: Readonly<Record<AlertKind, (alert: Alert, ctx: RenderContext) => KindView>> = {
  'sync-errors': syncErrorsView,
  'deletion-threshold': deletionThresholdView,
  'job-quarantined': jobQuarantinedView,
  'initial-sync-paused': initialSyncPausedView,
  'agent-offline': agentOfflineView,
  'sync-stalled': syncStalledView,
  'job-failing': jobFailingView,
  'monitor-degraded': monitorDegradedView,
  'notification-failing': notificationFailingView,
  'coverage-gap': coverageGapView,
};

const STATUS: Readonly<Record<TransitionKind, string>> = {
  new: 'NEW',
  updated: 'UPDATED',
  escalated: 'ESCALATED',
  repeat: 'STILL FIRING',
  resolved: 'RESOLVED',
  acknowledged: 'ACKNOWLEDGED',
};

export function buildAlertView(
  transition: Transition,
  ctx: RenderContext,
  ackUrlFor?: (alert: Alert) => string | undefined,
): AlertView {
  const { alert } = transition;
  const kind = safeKindView(alert, ctx);
  const resolved = transition.transition === 'resolved';
  const quiet = resolved || transition.transition === 'acknowledged';

  const facts: Fact[] = [{ label: 'Tenant', value: tenantText(ctx) }];
  const kindFacts = kind.facts.filter((f) => !(resolved && f.whileFiring));
  const configuration = alert.subject.configurationName;
  if (configuration && !kind.facts.some((f) => f.label === 'Configuration')) {
    facts.push({ label: 'Configuration', value: name(configuration) });
  }
  const since = formatSince(alert.since, ctx.generatedAt);
  facts.push({ label: 'Since', value: since });
  // "In quarantine since" and the like often equal Since: say it once.
  facts.push(...kindFacts.filter((f) => !(f.value === since && /since$/i.test(f.label))));
  if (resolved) {
    facts.push(...(kind.resolved?.facts ?? []));
    const at = endedAt(alert) ?? transition.at;
    // A resolve that waited for its outcome is told after the problem ended: say both, so "Lasted"
    // and the time the message arrived do not seem to disagree.
    const told = Date.parse(transition.at) - Date.parse(at) >= 60_000;
    facts.push({
      label: 'Resolved',
      value: `${formatSince(at, ctx.generatedAt)}${told ? '; this message waited until its outcome was known' : ''}`,
    });
    const lasted = lastedMs(alert.since, at);
    if (lasted !== undefined) facts.push({ label: 'Lasted', value: formatDuration(lasted) });
  }
  facts.push({
    label: 'Severity',
    value:
      transition.previousSeverity && transition.previousSeverity !== alert.severity
        ? `${alert.severity} (was ${transition.previousSeverity})`
        : alert.severity,
  });
  if (alert.acknowledgedBy) facts.push({ label: 'Acknowledged by', value: name(alert.acknowledgedBy) });
  // The alert's thread says who tried which remediation, when, and how it went (src/remediation).
  const remediation = alert.remediations?.at(-1);
  if (remediation) {
    const via = remediation.via === 'cli' ? 'CLI' : 'ack page';
    facts.push({
      label: 'Remediation',
      value:
        text(
          `${remediation.action} ${remediation.outcome} by ${remediation.by} (${via}) ${formatSince(remediation.at, ctx.generatedAt)}${remediation.reason ? `: ${remediation.reason}` : ''}`,
        ) ?? remediation.action,
    });
  }
  if (alert.state === 'acknowledged' || alert.silencedUntil) {
    facts.push({
      label: 'Silenced',
      value: alert.silencedUntil
        ? `until ${formatSince(alert.silencedUntil, ctx.generatedAt)}`
        : 'until it resolves',
    });
  }
  if (typeof alert.reopenCount === 'number' && alert.reopenCount > 0) {
    facts.push({
      label: 'Came back',
      value: `${alert.reopenCount} time${alert.reopenCount === 1 ? '' : 's'} after resolving`,
    });
  }

  // The id `cloudsync-monitor ack` takes, and what ties this message to its CloudSyncAlert_CL row.
  facts.push({ label: 'Alert id', value: `${idText(alert.id)} (${transition.transition})` });
  const jobId = alert.subject.jobId;
  if (jobId) {
    // What to type into the admin center's provisioning logs (its URL takes no filter).
    facts.push({ label: 'Provisioning log filter', value: `Job ID = ${commandId(jobId, 'job id')}` });
  }

  const changes = (transition.changes ?? []).map((c) => name(c));
  if (transition.transition === 'escalated' && transition.previousSeverity) {
    changes.unshift(`Severity raised from ${transition.previousSeverity} to ${alert.severity}`);
  }

  const links: Link[] = [
    ...(resolved ? (kind.resolved?.links ?? []) : []),
    ...alertLinks(alert, ctx),
    ...(kind.links ?? []),
  ];
  if (isOwnUrl(ctx.portalUrl)) links.push({ title: 'Entra admin center', url: ctx.portalUrl });
  const ackUrl = resolved ? undefined : ackUrlFor?.(alert);

  return {
    id: alert.id,
    kind: alert.kind,
    severity: alert.severity,
    transition: transition.transition,
    status: STATUS[transition.transition] ?? name(transition.transition),
    // The badge and the subject say RESOLVED; the title says what and how it ended.
    title: resolved
      ? `${kind.topic}${kind.resolved?.outcome ? `: ${kind.resolved.outcome}` : ''}`
      : kind.headline,
    summary: resolved
      ? (kind.resolved?.summary ?? `The condition is gone. Last seen: ${text(alert.summary) ?? kind.topic}`)
      : (text(alert.summary) ?? ''),
    facts,
    ...(!resolved && kind.impact ? { impact: kind.impact } : {}),
    changes,
    groups: quiet ? [] : (kind.groups ?? []),
    ...(!quiet && kind.groupsNotListed ? { groupsNotListed: kind.groupsNotListed } : {}),
    steps: quiet ? [] : kind.steps,
    links: dedupe(links),
    ...(ackUrl && isOwnUrl(ackUrl) ? { ackUrl } : {}),
  };
}

/** A details object the view cannot read still yields a message: the summary and the common facts. */
function safeKindView(alert: Alert, ctx: RenderContext): KindView {
  try {
    const view = KIND_VIEWS[alert.kind];
    if (view) return view(alert, ctx);
  } catch {
    // fall through: better a plain alert than none
  }
  const topic = `${name(alert.kind)} alert`;
  return { headline: name(alert.summary, topic), topic, facts: [], steps: [] };
}

/**
 * The links every alert carries, most specific first: the alert in the workbook, the job's provisioning
 * logs, the configuration in the Entra admin center (the acknowledge link is the button).
 */
function alertLinks(alert: Alert, ctx: RenderContext): Link[] {
  const links: Link[] = [];
  const workbook = workbookAlertUrl(ctx.workbookUrl);
  if (workbook) links.push({ title: `Alert ${idText(alert.id)} in the workbook`, url: workbook });
  const cloudSync = cloudSyncPortalUrl(ctx.portalUrl);
  if (!cloudSync) return links;
  if (alert.subject.jobId)
    links.push({ title: 'Provisioning logs (filter: Job ID)', url: provisioningLogsUrl(ctx.portalUrl) });
  if (alert.subject.servicePrincipalId || alert.subject.configurationName)
    links.push({ title: 'Cloud sync configuration', url: cloudSync });
  else if (alert.subject.agentId) links.push({ title: 'Cloud sync agents', url: cloudSync });
  return links;
}

function tenantText(ctx: RenderContext): string {
  return ctx.tenantName ? `${name(ctx.tenantName)} (${name(ctx.tenantId)})` : name(ctx.tenantId);
}

function dedupe(links: Link[]): Link[] {
  const seen = new Set<string>();
  return links.filter((l) => (seen.has(l.url) ? false : (seen.add(l.url), true)));
}
