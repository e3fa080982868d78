import type { Alert } from '../../domain/alertModel.js';
import { jobErrorGuidance } from '../guidance/jobErrors.js';
import { formatSince } from '../format.js';
import { formatDuration, formatIsoDuration } from '../../domain/duration.js';
import { graphJobUrl, graphPowerShell } from '../command.js';
import { docs } from '../links.js';
import type { Fact, KindView, RenderContext, Step } from '../view.js';
import { jobFacts, name, requireDetails, troubleshootingLink, whereOf } from './common.js';

const AGENT_HOST_STEP: Step = {
  text: 'On the agent host, check the "Microsoft Entra Provisioning Agent" service and the agent trace logs (C:\\ProgramData\\Microsoft\\Azure AD Connect Provisioning Agent\\Trace).',
};

/**
 * sync-stalled: an Active job that has not completed a cycle for far longer than its 2-minute schedule,
 * or a job left paused: both stop sync without any error or Microsoft email.
 */
export function syncStalledView(alert: Alert, ctx: RenderContext): KindView {
  const d = requireDetails('sync-stalled', alert);
  const where = whereOf(d.job, alert.subject.configurationName);
  const duration = typeof d.minutes === 'number' ? formatDuration(d.minutes * 60_000) : 'a long time';
  const paused = d.mode === 'paused';

  const facts: Fact[] = [...jobFacts(d.job)];
  // The job's state at the last check while it fired: a RESOLVED message leaves it out.
  if (d.statusCode) facts.push({ label: 'Job status', value: name(d.statusCode), whileFiring: true });
  if (d.scheduleState)
    facts.push({
      label: 'Schedule',
      value: `${name(d.scheduleState)}${d.scheduleInterval ? `, every ${formatIsoDuration(name(d.scheduleInterval))}` : ''}`,
      whileFiring: true,
    });
  facts.push({
    label: 'Last successful cycle',
    value: d.lastSuccessfulExecutionEnded
      ? formatSince(d.lastSuccessfulExecutionEnded, ctx.generatedAt)
      : 'none known',
    whileFiring: true,
  });
  if (d.lastExecutionEnded) {
    facts.push({
      label: 'Last cycle',
      value: `${formatSince(d.lastExecutionEnded, ctx.generatedAt)}${d.lastExecutionState ? `, ${name(d.lastExecutionState)}` : ''}`,
      whileFiring: true,
    });
  }
  if (d.lastErrorCode) facts.push({ label: 'Last error', value: name(d.lastErrorCode) });
  if (typeof d.thresholdMinutes === 'number')
    facts.push({ label: 'Alert threshold', value: formatDuration(d.thresholdMinutes * 60_000) });
  const canary = d.canary;
  if (canary) {
    const saw =
      canary.outcome === 'failure'
        ? `failed${canary.failedStep ? ` at ${name(canary.failedStep)}` : ''}${canary.errorCode ? ` (${name(canary.errorCode)})` : ''}`
        : `round trip ${formatDuration(canary.roundTripMs)}`;
    facts.push({
      label: 'Canary (provisioned on demand)',
      value: `${name(canary.objectId ?? 'canary object')}: ${saw}, ${formatSince(canary.at, ctx.generatedAt)}`,
      whileFiring: true,
    });
  }

  if (paused) {
    return {
      headline: `Sync paused for ${duration} in ${where}`,
      topic: `Paused sync in ${where}`,
      facts,
      impact: `Nothing is synchronised while the job is paused. A forgotten pause stops sync silently: no error, no Microsoft email.`,
      steps: [
        {
          text: `If the pause was for maintenance that is over, or was forgotten, resume it: Entra admin center > Entra Connect > Cloud sync > ${where} > Enable. Or with Microsoft Graph PowerShell (start the job; needs Synchronization.ReadWrite.All; this monitor only reads):`,
          language: 'powershell',
          code: graphPowerShell(
            alert.subject.tenantId,
            'Synchronization.ReadWrite.All',
            'POST',
            `${graphJobUrl(d.job.servicePrincipalId ?? alert.subject.servicePrincipalId, d.job.jobId)}/start`,
          ),
        },
        { text: 'If it must stay paused, acknowledge this alert for the planned time.' },
      ],
      links: [...troubleshootingLink(d.job), docs.troubleshoot],
    };
  }

  if (d.mode === 'canary-failing') {
    return {
      headline: `Sync stalled in ${where}: the job looks healthy, but its canary object could not be provisioned`,
      topic: `Stalled sync in ${where}`,
      facts,
      impact:
        'The job status reports successful cycles, yet provisioning a designated object on demand (the whole path: cloud service, agent, AD, back to Entra) did not complete. Changes may not be reaching Entra ID.',
      steps: [
        {
          text: `Provision the canary object on demand in Entra admin center > Entra Connect > Cloud sync > ${where} > Provision on demand, and read which step fails.`,
        },
        AGENT_HOST_STEP,
        { text: 'If the canary object itself was moved or deleted in AD, fix CANARY_OBJECTS.' },
      ],
      links: [...troubleshootingLink(d.job), docs.troubleshoot],
    };
  }

  const codeHelp = jobErrorGuidance(d.lastErrorCode);
  const steps: Step[] = codeHelp
    ? [...codeHelp.steps]
    : [
        {
          text: `Check the status of ${where} in Entra admin center > Entra Connect > Cloud sync, and whether its agents are active.`,
        },
        AGENT_HOST_STEP,
      ];
  steps.push({
    text: 'If everything looks healthy but no cycle completes, Restart sync for the configuration.',
  });
  return {
    headline: `Sync stalled in ${where}: no successful cycle for ${duration}`,
    topic: `Stalled sync in ${where}`,
    facts,
    impact: `Changes have not been synchronised for ${duration}; a healthy job completes a cycle every ${d.scheduleInterval ? formatIsoDuration(name(d.scheduleInterval)) : '2 min'}.${codeHelp ? ` ${codeHelp.meaning}` : ''}`,
    steps,
    links: [...troubleshootingLink(d.job), docs.troubleshoot],
  };
}
