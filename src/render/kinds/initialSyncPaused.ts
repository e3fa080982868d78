import type { Alert } from '../../domain/alertModel.js';
import { formatSince } from '../format.js';
import { docs } from '../links.js';
import type { Fact, KindView, RenderContext, Step } from '../view.js';
import {
  jobFacts,
  name,
  provisioningQueryStep,
  requireDetails,
  troubleshootingLink,
  whereOf,
} from './common.js';

/**
 * initial-sync-paused: the job's initial sync met so many object errors that it would have been
 * quarantined; the service cleared those errors (escrowsPruned), finished the initial sync and paused
 * the job until someone cleans up. Nothing resumes it: the message must say where the failed objects
 * are now (the provisioning logs: the job's own error list was cleared) and how to start it again.
 */
export function initialSyncPausedView(alert: Alert, ctx: RenderContext): KindView {
  const d = requireDetails('initial-sync-paused', alert);
  const where = whereOf(d.job, alert.subject.configurationName);
  const facts: Fact[] = [
    ...jobFacts(d.job),
    {
      label: 'Status',
      value: `${name(d.statusCode, 'Paused')}, errors pruned during the initial sync`,
      whileFiring: true,
    },
  ];
  if (d.lastExecutionEnded)
    facts.push({ label: 'Initial sync ended', value: formatSince(d.lastExecutionEnded, ctx.generatedAt) });
  if (d.lastErrorCode) facts.push({ label: 'Last error', value: name(d.lastErrorCode) });

  const steps: Step[] = [
    {
      text: `Find the objects that failed during the initial sync: Entra admin center > Monitoring > Provisioning logs, filter Status = Failure for ${where}. The job's own list of failing objects was cleared when it paused, so the logs are where they are now.`,
    },
  ];
  const query = provisioningQueryStep(d.job, 'Or list them', 'ResultType == "Failure"');
  if (query) steps.push(query);
  steps.push({
    text: 'Fix the causes in Active Directory (duplicate proxyAddresses or userPrincipalName, invalid values, objects that should be out of scope): the same errors would stop the job again.',
  });
  const start = graphUrl(d.startPath);
  steps.push({
    text: `Then start the job again: Entra admin center > Entra Connect > Cloud sync > ${where} > Restart sync (re-evaluates every object), or resume it with Microsoft Graph (needs Synchronization.ReadWrite.All; this monitor only reads and never does it for you):`,
    ...(start ? { code: `POST ${start}` } : {}),
  });

  return {
    headline: `Sync job paused after its initial sync in ${where}: errors to clean up`,
    topic: `Initial sync paused in ${where}`,
    facts,
    impact: `Sync of ${where} has stopped: the job is paused and waits for the failing objects to be fixed; no change reaches the target until someone starts it again. Objects that failed during the initial sync were not synchronised.`,
    steps,
    links: [...troubleshootingLink(d.job), docs.provisioningLogs, docs.quarantine],
  };
}

/**
 * A Graph path as a full v1.0 URL (text, not a link), whole: a command cut to a name's length (with an
 * ellipsis in the job id) cannot be run. One line, and only the characters a Graph path of ids has.
 */
function graphUrl(path: string | null | undefined): string | undefined {
  if (!path || path.length > 400 || !/^\/[A-Za-z0-9._~{}/-]+$/.test(path)) return undefined;
  return `https://graph.microsoft.com/v1.0${path}`;
}
