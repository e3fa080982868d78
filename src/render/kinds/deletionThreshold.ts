import { deletionOutcomeSchema } from '../../domain/alertDetails.js';
import type { Alert } from '../../domain/alertModel.js';
import { syncDirection } from '../../domain/jobTemplates.js';
import { formatInstant, formatSince } from '../format.js';
import { plural } from '../../domain/text.js';
import { commandId, graphJobUrl, graphPowerShell, psString } from '../command.js';
import { docs, provisioningLogsUrl, provisioningQueryUrl } from '../links.js';
import type { Fact, KindView, RenderContext, Step } from '../view.js';
import {
  jobFacts,
  lastedAfter,
  provisioningQueryStep,
  requireDetails,
  troubleshootingLink,
  whereOf,
} from './common.js';
import { quarantineFacts } from './quarantineFacts.js';

/**
 * deletion-threshold: the job stopped because a cycle would delete more objects than the threshold.
 * Nothing is deleted yet; sync of the whole configuration waits for someone to allow or reject the
 * deletions, which is what this message must make easy to decide and do.
 */
export function deletionThresholdView(alert: Alert, ctx: RenderContext): KindView {
  const d = requireDetails('deletion-threshold', alert);
  const where = whereOf(d.job, alert.subject.configurationName);
  const staged = d.stagedDeletes;
  const count = staged?.count;

  const facts: Fact[] = [...jobFacts(d.job)];
  if (typeof count === 'number') {
    const spread =
      staged?.events && staged.events !== count
        ? ` (${plural(staged.events, 'StagedDelete event')} over ${plural(staged.cycles ?? 1, 'cycle')})`
        : '';
    facts.push({
      label: 'Deletions held',
      value: `${count.toLocaleString('en-US')}${spread}${
        staged?.complete === false
          ? '; the log was not fully read yet, the count may grow'
          : stillArriving(staged?.lastAt, ctx.generatedAt)
            ? '; so far: the log is still arriving, the count may grow (this alert follows it)'
            : ''
      }`,
    });
  }
  if (typeof d.threshold === 'number')
    facts.push({ label: 'Threshold', value: d.threshold.toLocaleString('en-US') });
  if (staged?.firstAt)
    facts.push({ label: 'First staged deletion', value: formatSince(staged.firstAt, ctx.generatedAt) });
  facts.push(...quarantineFacts(d.quarantine, ctx.generatedAt));

  // Entra ID to AD jobs (group and Exchange writeback) delete in Active Directory, not in Entra ID.
  const target =
    syncDirection(d.job.templateId ?? d.job.jobId) === 'Entra ID to AD' ? 'Active Directory' : 'Entra ID';
  const restartUrl = `${graphJobUrl(d.job.servicePrincipalId ?? alert.subject.servicePrincipalId, d.job.jobId)}/restart`;
  const tenant = commandId(alert.subject.tenantId, 'tenantId');
  const steps: Step[] = [
    {
      text: `Review the held deletions: Entra admin center > Monitoring > Provisioning logs, filter Action = StagedDelete for ${where}. Is this an intended clean-up, or a mistake (an OU moved out of scope, a changed scoping filter, objects deleted in AD by error)?`,
    },
  ];
  const query = provisioningQueryStep(d.job, 'Or list them', 'ProvisioningAction =~ "StagedDelete"');
  if (query) steps.push(query);
  steps.push({
    text: `If the deletions are intended, allow them: Entra admin center > Entra Connect > Cloud sync > ${where} > Allow deletes. Or with Microsoft Graph PowerShell (restart with resetScope ForceDeletes; needs Synchronization.ReadWrite.All; this monitor only reads and never does it for you):`,
    language: 'powershell',
    code: graphPowerShell(alert.subject.tenantId, 'Synchronization.ReadWrite.All', 'POST', restartUrl, {
      criteria: { resetScope: 'ForceDeletes' },
    }),
  });
  steps.push({
    text: 'If they are a mistake, reject them: fix the cause (restore objects from the AD Recycle Bin, move the OU back, correct the scoping), then Restart sync: the deletions are evaluated again.',
  });
  steps.push({
    text: 'If deletions stay blocked after allowing them and Connect Sync was ever used in this tenant, its tenant-wide deletion prevention may be on:',
    language: 'powershell',
    code: `Disable-AADCloudSyncToolsDirSyncAccidentalDeletionPrevention -tenantId ${psString(tenant)}`,
  });

  return {
    headline:
      typeof count === 'number'
        ? `Deletion threshold exceeded: ${plural(count, 'deletion')} held in ${where}`
        : `Deletion threshold exceeded in ${where}`,
    topic: `Deletion threshold in ${where}`,
    facts,
    impact: `Sync of ${where} is stopped: no changes at all, not only the deletions, reach ${target} until the deletions are allowed or rejected. Nothing has been deleted in ${target} yet.`,
    steps,
    links: [...troubleshootingLink(d.job), docs.accidentalDeletes],
    resolved: resolvedView(alert, d.job.jobId, count, ctx),
  };
}

/**
 * What ended the trip: the deletes allowed (how many objects were deleted, where to see them) or
 * rejected (none deleted). An alert resolved without the outcome (stored by an older version, or the
 * log could not be read) says so instead of guessing.
 */
function resolvedView(
  alert: Alert,
  jobId: string,
  held: number | undefined,
  ctx: RenderContext,
): KindView['resolved'] {
  if (alert.state !== 'resolved') return undefined;
  const forHow = lastedAfter(alert);
  const parsed = deletionOutcomeSchema.safeParse(alert.resolution?.details);
  const logs = `Provisioning logs, filter Job ID = ${commandId(jobId, 'job id')}, Action = Delete`;
  if (!parsed.success) {
    return {
      outcome: 'outcome not known',
      summary: `The job left the deletion-threshold quarantine${forHow}. Whether the deletes were allowed is not known: check the ${logs}.`,
      facts: [{ label: 'Outcome', value: 'not known' }],
    };
  }
  const o = parsed.data;
  const facts: Fact[] = [];
  if (o.outcome === 'allowed') {
    const when =
      o.firstDeleteAt && o.lastDeleteAt
        ? ` between ${formatInstant(o.firstDeleteAt)} and ${formatInstant(o.lastDeleteAt)}`
        : '';
    facts.push({ label: 'Outcome', value: 'deletes allowed' });
    facts.push({
      label: 'Deleted',
      value: `${plural(o.deleted, 'object')} in ${o.target}${when}${o.complete ? '' : ' (so far: the log was still being written)'}`,
    });
    return {
      outcome: `deletes allowed, ${plural(o.deleted, 'object')} deleted`,
      summary: `Deletes allowed${forHow}: ${plural(o.deleted, 'object')} deleted in ${o.target}${held !== undefined ? ` (${plural(held, 'deletion')} were held)` : ''}. Sync runs again. The deleted objects are in the ${logs}.`,
      facts,
      links: [
        { title: 'Deleted objects (provisioning logs)', url: provisioningLogsUrl(ctx.portalUrl) },
        {
          title: 'Deleted objects (Graph Explorer)',
          url: provisioningQueryUrl(commandId(jobId, 'job id'), 'delete'),
        },
      ],
    };
  }
  facts.push({ label: 'Outcome', value: 'deletes rejected' });
  facts.push({ label: 'Deleted', value: `0 objects in ${o.target}` });
  return {
    outcome: 'deletes rejected, 0 deleted',
    summary: `Deletes rejected${forHow}: sync restarted and deleted nothing (0 of ${plural(held ?? o.held, 'held deletion')}). Sync runs again.`,
    facts,
  };
}

/**
 * The provisioning log publishes a cycle's events over minutes: a count whose latest StagedDelete is
 * this recent may still grow (540 at 09:05, 600 at 09:10 on the demo day).
 */
const ARRIVING_MS = 10 * 60_000;
function stillArriving(lastAt: string | null | undefined, generatedAt: Date): boolean {
  const last = Date.parse(lastAt ?? '');
  return Number.isFinite(last) && generatedAt.getTime() - last < ARRIVING_MS;
}
