import type { Alert } from '../../domain/alertModel.js';
import { timeToDisable } from '../../domain/quarantineOutlook.js';
import { jobErrorGuidance } from '../guidance/jobErrors.js';
import { quarantineGuidance, quarantineMechanics, restartStep } from '../guidance/quarantineReasons.js';
import { jobPurpose } from '../format.js';
import { docs } from '../links.js';
import type { Fact, KindView, RenderContext, Step } from '../view.js';
import {
  jobFacts,
  lastedAfter,
  microsoftLinksIn,
  name,
  requireDetails,
  troubleshootingLink,
  whereOf,
} from './common.js';
import { disableText, quarantineFacts } from './quarantineFacts.js';

/**
 * job-quarantined: the service stopped running the job normally. Guidance comes from the reason
 * (what kind of trouble) and the error code (which fix), and the disable countdown says how urgent it is.
 */
export function jobQuarantinedView(alert: Alert, ctx: RenderContext): KindView {
  const d = requireDetails('job-quarantined', alert);
  const where = whereOf(d.job, alert.subject.configurationName);
  const q = d.quarantine;
  const reason = q?.reason ? name(q.reason) : undefined;
  const reasonHelp = quarantineGuidance(q?.reason);
  const codeHelp = jobErrorGuidance(q?.errorCode);

  const facts: Fact[] = [
    ...jobFacts(d.job),
    { label: 'Reason', value: `${reason ?? 'not given'}: ${reasonHelp.meaning}` },
  ];
  if (codeHelp) facts.push({ label: 'Error means', value: codeHelp.meaning });
  facts.push(...quarantineFacts(q, ctx.generatedAt));

  const steps: Step[] = [...reasonHelp.steps, ...(codeHelp?.steps ?? [])];
  if (steps.length === 0) {
    steps.push({
      text: 'Open the troubleshooting link and the provisioning logs of this configuration to find the cause.',
    });
  }
  steps.push(restartStep);

  const disable = disableText(q, ctx.generatedAt);
  const expected = Date.parse(q?.disable?.expectedAt ?? '');
  const now = ctx.generatedAt.getTime();
  // The headline says it in the last week: how long is left, or that it may have happened.
  const left = timeToDisable(expected, now);
  const urgent =
    Number.isNaN(expected) || expected - now > 7 * 24 * 3600_000
      ? ''
      : left
        ? `, disabled in ${left}`
        : ', may be disabled already';
  const purpose = jobPurpose(d.job?.templateId, d.job?.jobId);
  return {
    headline: `Sync job quarantined in ${where}: ${reason ?? 'reason not given'}${q?.errorCode ? ` (${name(q.errorCode)})` : ''}${urgent}`,
    topic: `Quarantine of ${purpose ?? 'the sync job'} in ${where}`,
    facts,
    impact: `Sync of ${where}${purpose ? ` (${purpose})` : ''} has stopped or slowed to about one attempt a day: changes are not arriving. ${quarantineMechanics}${disable ? ` Expected disable: ${disable}.` : ''}`,
    steps,
    links: [
      ...troubleshootingLink(d.job),
      ...microsoftLinksIn(q?.errorMessage, 'Fix from the error message (Microsoft)'),
      docs.quarantine,
      docs.errorCodes,
    ],
    resolved: {
      ...(lastedAfter(alert) ? { outcome: `left quarantine${lastedAfter(alert)}` } : {}),
      summary: `The job left quarantine${lastedAfter(alert)}: sync of ${where}${purpose ? ` (${purpose})` : ''} runs again${reason ? ` (the quarantine was ${reason}${q?.errorCode ? `, ${name(q.errorCode)}` : ''})` : ''}.`,
      facts: [{ label: 'Quarantine lasted', value: lastedAfter(alert).replace(/^ after /, '') || 'unknown' }],
    },
  };
}
