import { syncDirection } from '../../domain/jobTemplates.js';
import type { Alert } from '../../domain/alertModel.js';
import { categoryAdvice, categoryLabel } from '../guidance/errorCategories.js';
import { formatInstant, formatSince } from '../format.js';
import { plural } from '../../domain/text.js';
import { docs } from '../links.js';
import type { Fact, ItemGroup, KindView, RenderContext, Step } from '../view.js';
import {
  jobFacts,
  name,
  provisioningQueryStep,
  requireDetails,
  text,
  troubleshootingLink,
  whereOf,
} from './common.js';

/**
 * sync-errors: objects whose latest provisioning event failed, grouped by error code and Connect Health
 * category, each group with what the code means and what fixes it.
 */
export function syncErrorsView(alert: Alert, ctx: RenderContext): KindView {
  const d = requireDetails('sync-errors', alert);
  const where = whereOf(d.job, alert.subject.configurationName);
  const groups = (d.groups ?? []).filter((g) => g !== null && g !== undefined);
  const failing = d.failingObjects ?? groups.reduce((sum, g) => sum + (g.objectCount ?? 0), 0);

  const facts: Fact[] = [
    ...jobFacts(d.job),
    // How many fail now: none once it resolved, so a RESOLVED message leaves the counts out.
    { label: 'Failing objects', value: failingText(failing, d.untrackedObjects), whileFiring: true },
  ];
  const categories = (d.categories ?? []).filter((c) => c?.errorCategory);
  if (categories.length > 0) {
    facts.push({
      label: 'By category',
      value: categories.map((c) => `${categoryLabel(c?.errorCategory)}: ${c?.objectCount ?? '?'}`).join(', '),
      whileFiring: true,
    });
  }
  if (d.oldestFailure)
    facts.push({ label: 'Oldest failure', value: formatSince(d.oldestFailure, ctx.generatedAt) });
  if (d.newestFailure)
    facts.push({ label: 'Latest failure', value: formatSince(d.newestFailure, ctx.generatedAt) });

  const itemGroups: ItemGroup[] = groups.map((g) => {
    const objects = (g.objects ?? []).filter((o) => o !== null && o !== undefined);
    const detail = [
      g.description ? `Error: ${text(g.description)}` : undefined,
      g.recommendedAction ? `Recommended action: ${text(g.recommendedAction)}` : undefined,
    ].filter((line): line is string => Boolean(line));
    return {
      title: `${name(g.errorCode, 'Unknown error')} (${categoryLabel(g.errorCategory)}): ${plural(g.objectCount ?? objects.length, 'object')}`,
      detail,
      advice: categoryAdvice(g.errorCategory, g.errorCode, g.description),
      items: objects.map((o) => {
        const what = [o.objectType, o.action]
          .filter(Boolean)
          .map((v) => name(v))
          .join(', ');
        return `${name(o.displayName ?? o.sourceId, 'unnamed object')}${what ? ` (${what})` : ''}, failing since ${formatInstant(o.failingSince)}`;
      }),
      more: Math.max(0, g.moreObjects ?? (g.objectCount ?? objects.length) - objects.length),
    };
  });

  const steps: Step[] = [
    { text: 'Fix each error group as its "How to fix" says; most fixes are in Active Directory.' },
  ];
  const query = provisioningQueryStep(d.job, 'List the failed events', 'ResultType == "Failure"');
  if (query) steps.push(query);
  steps.push({
    text: 'Fixed objects are retried in the next cycle (about every 2 minutes); this alert resolves when no object fails any more.',
  });

  const direction =
    syncDirection(d.job.templateId ?? d.job.jobId) === 'Entra ID to AD'
      ? 'from Entra ID to Active Directory'
      : 'from Active Directory to Entra ID';
  return {
    headline: `Sync errors: ${plural(failing, 'object')} failing in ${where}`,
    topic: `Sync errors in ${where}`,
    facts,
    impact: `These objects are not synchronised ${direction}: their changes (new accounts, attribute and group changes, disables) do not arrive. Other objects sync normally.`,
    groups: itemGroups,
    ...(d.otherCodes ? { groupsNotListed: { groups: d.otherCodes.codes, items: d.otherCodes.objects } } : {}),
    steps,
    links: [...troubleshootingLink(d.job), docs.provisioningLogs],
  };
}

function failingText(failing: number, untracked: number | null | undefined): string {
  return untracked
    ? `${failing.toLocaleString('en-US')} (${untracked.toLocaleString('en-US')} counted but not listed)`
    : failing.toLocaleString('en-US');
}
