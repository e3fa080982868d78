import type { Alert } from '../../domain/alertModel.js';
import { formatSince } from '../format.js';
import { plural } from '../../domain/text.js';
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
      value: `${count.toLocaleString('en-US')}${spread}${staged?.complete === false ? '; the log was not fully read yet, the count may grow' : ''}`,
    });
  }
  if (typeof d.threshold === 'number')
    facts.push({ label: 'Threshold', value: d.threshold.toLocaleString('en-US') });
  if (staged?.firstAt)
    facts.push({ label: 'First staged deletion', value: formatSince(staged.firstAt, ctx.generatedAt) });
  facts.push(...quarantineFacts(d.quarantine, ctx.generatedAt));

  const restartPath = graphUrl(
    d.allow?.restart?.path ?? restartPathOf(alert.subject.servicePrincipalId, alert.subject.jobId),
  );
  const steps: Step[] = [
    {
      text: `Review the held deletions: Entra admin center > Monitoring > Provisioning logs, filter Action = StagedDelete for ${where}. Is this an intended clean-up, or a mistake (an OU moved out of scope, a changed scoping filter, objects deleted in AD by error)?`,
    },
  ];
  const query = provisioningQueryStep(d.job, 'Or list them', 'ProvisioningAction =~ "StagedDelete"');
  if (query) steps.push(query);
  steps.push({
    text: `If the deletions are intended, allow them: Entra admin center > Entra Connect > Cloud sync > ${where} > Allow deletes. Or with Microsoft Graph (needs Synchronization.ReadWrite.All; this monitor only reads and never does it for you):`,
    ...(restartPath ? { code: `POST ${restartPath}\n{"criteria":{"resetScope":"ForceDeletes"}}` } : {}),
  });
  steps.push({
    text: 'If they are a mistake, reject them: fix the cause (restore objects from the AD Recycle Bin, move the OU back, correct the scoping), then Restart sync: the deletions are evaluated again.',
  });
  steps.push({
    text: 'If deletions stay blocked after allowing them and Connect Sync was ever used in this tenant, its tenant-wide deletion prevention may be on:',
    code: `Disable-AADCloudSyncToolsDirSyncAccidentalDeletionPrevention -tenantId ${name(alert.subject.tenantId)}`,
  });

  return {
    headline:
      typeof count === 'number'
        ? `Deletion threshold exceeded: ${plural(count, 'deletion')} held in ${where}`
        : `Deletion threshold exceeded in ${where}`,
    topic: `Deletion threshold in ${where}`,
    facts,
    impact: `Sync of ${where} is stopped: no changes at all, not only the deletions, reach Entra ID until the deletions are allowed or rejected. Nothing has been deleted yet.`,
    steps,
    links: [...troubleshootingLink(d.job), docs.accidentalDeletes],
  };
}

function restartPathOf(
  servicePrincipalId: string | undefined,
  jobId: string | undefined,
): string | undefined {
  return servicePrincipalId && jobId
    ? `/servicePrincipals/${servicePrincipalId}/synchronization/jobs/${jobId}/restart`
    : undefined;
}

/** The path as a full Graph URL (text, not a link): v1.0 unless the path names a version. */
function graphUrl(path: string | null | undefined): string | undefined {
  if (!path) return undefined;
  const clean = name(path, '');
  if (/^https:\/\//i.test(clean)) return clean;
  return /^\/(v1\.0|beta)\//.test(clean)
    ? `https://graph.microsoft.com${clean}`
    : `https://graph.microsoft.com/v1.0${clean.startsWith('/') ? '' : '/'}${clean}`;
}
