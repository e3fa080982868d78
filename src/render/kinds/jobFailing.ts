import type { Alert } from '../../domain/alertModel.js';
import { jobErrorGuidance } from '../guidance/jobErrors.js';
import { formatSince } from '../format.js';
import { docs } from '../links.js';
import type { Fact, KindView, RenderContext, Step } from '../view.js';
import {
  jobFacts,
  name,
  provisioningQueryStep,
  requireDetails,
  text,
  troubleshootingLink,
  whereOf,
} from './common.js';

/** job-failing: whole sync runs fail (before the service gives up and quarantines the job). */
export function jobFailingView(alert: Alert, ctx: RenderContext): KindView {
  const d = requireDetails('job-failing', alert);
  const where = whereOf(d.job, alert.subject.configurationName);
  const codeHelp = jobErrorGuidance(d.lastErrorCode);
  const failures = d.successiveFailures;

  const facts: Fact[] = [...jobFacts(d.job)];
  // The runs as last seen while it fired: a RESOLVED message leaves them out (the error stays: what it was).
  facts.push({
    label: 'Last run',
    value: `${name(d.lastExecutionState, 'unknown')}${d.lastExecutionEnded ? `, ended ${formatSince(d.lastExecutionEnded, ctx.generatedAt)}` : ''}`,
    whileFiring: true,
  });
  if (typeof failures === 'number')
    facts.push({ label: 'Failed runs in a row', value: String(failures), whileFiring: true });
  if (d.lastErrorCode || d.lastErrorMessage) {
    facts.push({
      label: 'Error',
      value: [d.lastErrorCode ? name(d.lastErrorCode) : undefined, text(d.lastErrorMessage)]
        .filter(Boolean)
        .join(': '),
    });
  }
  if (codeHelp) facts.push({ label: 'Error means', value: codeHelp.meaning });
  facts.push({
    label: 'Last successful run',
    value: d.lastSuccessfulExecutionEnded
      ? formatSince(d.lastSuccessfulExecutionEnded, ctx.generatedAt)
      : 'none known',
    whileFiring: true,
  });

  const steps: Step[] = codeHelp
    ? [...codeHelp.steps]
    : [{ text: 'Open the troubleshooting link and the agent trace logs to find why the runs fail.' }];
  const query = provisioningQueryStep(d.job, 'Recent failed events', 'ResultType == "Failure"');
  if (query) steps.push(query);

  return {
    headline: `Sync job failing in ${where}${typeof failures === 'number' && failures > 1 ? `: ${failures} failed runs in a row` : ''}${d.lastErrorCode ? ` (${name(d.lastErrorCode)})` : ''}`,
    topic: `Failing sync job in ${where}`,
    facts,
    impact:
      'Sync runs of this job fail as a whole, so changes are not arriving. If the failures go on, the service quarantines the job and retries only about once a day.',
    steps,
    links: [...troubleshootingLink(d.job), docs.errorCodes],
  };
}
