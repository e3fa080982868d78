import type { AlertRecord } from '../tables/definitions.js';
import type { Transition } from '../domain/alertModel.js';

/**
 * One CloudSyncAlert_CL row per transition. `Details` holds the kind's facts (src/alerts/details.ts)
 * under `facts`, next to the lifecycle around them, so KQL can ask both "which objects" and "since when,
 * what changed, was it notified".
 */
export function transitionRow(transition: Transition, channels: readonly string[] | undefined): AlertRecord {
  const { alert } = transition;
  return {
    TimeGenerated: transition.at,
    AADTenantId: alert.subject.tenantId,
    AlertId: alert.id,
    Kind: alert.kind,
    Severity: alert.severity,
    State: alert.state,
    Transition: transition.transition,
    Summary: alert.summary,
    ServicePrincipalId: alert.subject.servicePrincipalId ?? null,
    JobId: alert.subject.jobId ?? null,
    AgentId: alert.subject.agentId ?? null,
    Details: {
      since: alert.since,
      openedAt: alert.openedAt,
      notified: !transition.recordOnly,
      ...(transition.silencedBy ? { silencedBy: transition.silencedBy } : {}),
      ...(transition.changes ? { changes: transition.changes } : {}),
      ...(transition.previousSeverity ? { previousSeverity: transition.previousSeverity } : {}),
      ...(alert.reopenCount ? { reopenCount: alert.reopenCount } : {}),
      ...(alert.silencedUntil ? { silencedUntil: alert.silencedUntil } : {}),
      ...(alert.acknowledgedBy ? { acknowledgedBy: alert.acknowledgedBy } : {}),
      ...(alert.subject.configurationName ? { configurationName: alert.subject.configurationName } : {}),
      ...(alert.subject.machineName ? { machineName: alert.subject.machineName } : {}),
      ...(alert.subject.signal ? { signal: alert.subject.signal } : {}),
      // What ended it and what it cost (deletes allowed: how many): the row says it, like the message.
      ...(transition.transition === 'resolved' && alert.resolution ? { resolution: alert.resolution } : {}),
      // When the problem ended, which a resolve that waited for its outcome tells later (TimeGenerated).
      ...(transition.transition === 'resolved' && alert.clearedAt ? { clearedAt: alert.clearedAt } : {}),
      facts: alert.details,
    },
    Channels: transition.recordOnly ? [] : channels ? [...channels] : null,
  };
}
