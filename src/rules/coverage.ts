import type { AlertKind, AlertSubject } from '../domain/alertModel.js';
import type { RuleSettings } from './settings.js';
import type { Observations } from './observations.js';

/** What the lifecycle engine asks about an open alert that no rule raised this run. */
export interface CoverageQuery {
  readonly kind: AlertKind;
  readonly subject: AlertSubject;
  readonly openedAt: string;
}

/**
 * "Could not check" is not "clear": an open alert whose subject was not checked this run stays open.
 * The engine resolves an alert only when no rule raised it AND `isChecked` says this run looked.
 */
export interface Coverage {
  isChecked(query: CoverageQuery): boolean;
}

/** Everything checked: for tests and for runs that know they saw everything. */
export const fullCoverage: Coverage = { isChecked: () => true };

/**
 * Derives what this run checked from what failed:
 * - job kinds (deletion-threshold, job-quarantined, initial-sync-paused, sync-stalled, job-failing, and
 *   agent-offline of a
 *   configuration): checked when that configuration's jobs were read (an error or a skipped malformed
 *   job of the configuration, or a failed discovery, means not checked). A configuration discovery no
 *   longer lists counts as checked (it is gone) only when discovery itself had no issue at all.
 * - agent-offline of an agent: checked when the agents API answered this run, or when heartbeats were
 *   read and this agent has one (evidence about this very agent).
 * - sync-errors: checked through evidence only. The object status removes an object only on a later
 *   successful event, so its "no failing object" is evidence whenever it is healthy, except for alerts
 *   older than its knowledge (it was reset after corruption) until the stale window has passed.
 * - monitor-degraded: the run itself is the check.
 */
export function coverageOf(observations: Observations, now: Date, settings: RuleSettings): Coverage {
  const { issues, configurations } = observations;
  const discoveryClean = !issues.some(
    (i) => i.signal === 'discovery' || (i.signal === 'tenant' && i.severity === 'error'),
  );
  const jobIssues = issues.filter(
    (i) =>
      (i.signal === 'jobs' && (i.severity === 'error' || i.code === 'MalformedJob')) ||
      (i.signal === 'discovery' && i.severity === 'error'),
  );
  const allJobsUnchecked = jobIssues.some((i) => i.target === undefined);
  const failedTargets = new Set(jobIssues.map((i) => i.target?.toLowerCase()));
  const configurationChecked = (servicePrincipalId: string | undefined): boolean => {
    if (allJobsUnchecked) return false;
    if (!servicePrincipalId) return discoveryClean && jobIssues.length === 0;
    const id = servicePrincipalId.toLowerCase();
    const configuration = configurations.find((c) => c.servicePrincipalId.toLowerCase() === id);
    if (!configuration) return discoveryClean;
    // Job issues name the configuration (by name, or by id for explicitly listed ones).
    return !failedTargets.has(configuration.name.toLowerCase()) && !failedTargets.has(id);
  };

  const heartbeatAgents = new Set((observations.heartbeats ?? []).map((h) => h.AgentId?.toLowerCase()));
  const agentChecked = (agentId: string): boolean =>
    observations.agentsApi === 'available' || heartbeatAgents.has(agentId.toLowerCase());

  const objects = observations.objectStatus;
  const knownSince = Date.parse(objects.state.since);
  const syncErrorsChecked = (openedAt: string): boolean =>
    objects.health === 'ok' &&
    (Date.parse(openedAt) >= knownSince || now.getTime() - knownSince >= settings.syncErrors.staleMs);

  return {
    isChecked({ kind, subject, openedAt }) {
      switch (kind) {
        case 'sync-errors':
          return syncErrorsChecked(openedAt);
        case 'agent-offline':
          return subject.agentId
            ? agentChecked(subject.agentId)
            : configurationChecked(subject.servicePrincipalId);
        case 'monitor-degraded':
          return true;
        case 'notification-failing':
          // Only the delivery health says a channel works again; without it, nothing resolves.
          return observations.deliveryHealth !== undefined;
        case 'deletion-threshold':
        case 'job-quarantined':
        case 'initial-sync-paused':
        case 'sync-stalled':
        case 'job-failing':
          return configurationChecked(subject.servicePrincipalId);
      }
    },
  };
}
