import { agentHostSteps } from '../render/guidance/agentHost.js';
import { categoryAdvice } from '../render/guidance/errorCategories.js';
import { jobErrorGuidance } from '../render/guidance/jobErrors.js';
import { restartStep } from '../render/guidance/quarantineReasons.js';
import type { Step } from '../render/view.js';

/**
 * What the digest says to do. The advice per error code, error category and agent is the alert
 * messages' own (src/render/guidance/): one definition, so the digest and the alerts never disagree
 * (nor drift: a service renamed there is renamed here). The digest is short on purpose: a step's text
 * with the command that does it; the alert message and the portal carry the whole procedure.
 */

/** "Restart the service: Restart-Service -Name X." A step in one line: its text and the last command of its code. */
function inOneLine(step: Step): string {
  const command = step.code
    ?.split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter(Boolean)
    .at(-1);
  if (!command) return step.text;
  return step.text.endsWith(':') ? `${step.text} ${command}.` : `${step.text} (${command}).`;
}

/** A job error code's meaning and first step, for the documented codes; undefined for the others. */
export function codeHint(code: string | null | undefined): string | undefined {
  const guidance = jobErrorGuidance(code);
  if (!guidance) return undefined;
  const first = guidance.steps[0];
  return first ? `${guidance.meaning} ${inOneLine(first)}` : guidance.meaning;
}

/** What to do about failing objects: the hard-match remedies for their code and text, else the category's. */
export const objectErrorHint = (
  category: string,
  code?: string | null,
  description?: string | null,
): string => categoryAdvice(category, code, description);

export const DELETION_ACTION_OPEN =
  'Review the StagedDelete entries in the provisioning logs. If the deletions are intended, allow them (portal: Allow deletes; ' +
  'Graph: restart the job with resetScope ForceDeletes). If not, fix the scope (OUs, group filter) and restart sync.';

export const DELETION_ACTION_RESOLVED =
  'Confirm the deletions were intended: review the Delete events of this configuration.';

export const QUARANTINE_ACTION = restartStep.text;

export const INITIAL_SYNC_PAUSED_ACTION =
  'Find the failed objects in the provisioning logs (Status = Failure; the job’s own error list was cleared), fix them in AD, then start the job again (portal: Restart sync).';

/** The agent host checks (services by name, outbound HTTPS), for the host when it is known. */
export const agentAction = (machine?: string): string =>
  agentHostSteps(machine).slice(0, 2).map(inOneLine).join(' ');

export const GAP_ACTION =
  'Check the monitor itself: the collect function’s runs and errors (Application Insights) and its Graph permissions.';
