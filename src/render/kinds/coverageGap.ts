import type { Alert } from '../../domain/alertModel.js';
import type { Fact, ItemGroup, KindView, RenderContext, Step } from '../view.js';
import { name, requireDetails } from './common.js';

/**
 * coverage-gap: objects Entra says are synced from on-premises that no Cloud Sync configuration has
 * provisioned, counted per domain and OU with examples; and Connect Sync still exporting beside Cloud
 * Sync (coexistence), which Microsoft does not support on the same objects. Once Connect Sync stops,
 * uncovered objects go stale silently: this is what the migration's own validation does not check.
 */
export function coverageGapView(alert: Alert, _ctx: RenderContext): KindView {
  const d = requireDetails('coverage-gap', alert);
  const facts: Fact[] = [
    { label: 'Synced from on-premises', value: `${d.syncedObjects} objects` },
    { label: 'Provisioned by Cloud Sync', value: `${d.coveredObjects} objects` },
    { label: 'Not covered', value: `${d.gapObjects} objects (after ${d.graceDays} days)` },
  ];
  if (d.coexistence) {
    facts.push({ label: 'Connect Sync last export', value: d.coexistence.organizationLastSyncAt });
    if (d.coexistence.syncAccounts.length > 0) {
      facts.push({
        label: 'Connect Sync accounts',
        value: d.coexistence.syncAccounts.map((a) => name(a)).join(', '),
      });
    }
  }
  const listed = d.groups.reduce((sum, g) => sum + g.objectCount, 0);
  if (listed < d.gapObjects) {
    facts.push({ label: 'In further OUs', value: `${d.gapObjects - listed} objects (see the table)` });
  }
  const groups: ItemGroup[] = d.groups.map((g) => ({
    title: `${name(g.domain, 'no domain')}${g.organizationalUnit ? ` / ${name(g.organizationalUnit)}` : ''}: ${g.objectCount} objects`,
    detail: [
      g.configurationName
        ? `Configuration ${name(g.configurationName)} has not provisioned them: check its scoping (OUs, groups, attribute filters).`
        : 'No Cloud Sync configuration is named for this domain: add one, or extend an existing configuration to it.',
    ],
    items: g.examples.map((e) => `${name(e.displayName, e.objectId)} (${e.objectType})`),
    more: g.objectCount - g.examples.length,
  }));
  const steps: Step[] = [];
  if (d.gapObjects > 0) {
    steps.push(
      {
        text: 'Compare the scoping of each configuration (Entra admin center > Entra Connect > Cloud sync > Configurations > Scoping filters) with the OUs listed here.',
      },
      {
        text: 'Every uncovered object, one row per day (the monitor table):',
        code: 'CloudSyncCoverage_CL\n| where TimeGenerated > ago(1d)\n| summarize Objects = dcount(ObjectId) by OnPremisesDomainName, OrganizationalUnit, ObjectType',
      },
    );
  }
  if (d.coexistence) {
    steps.push({
      text: 'Connect Sync still exports while Cloud Sync provisions: put the Connect Sync server in staging mode (or take these OUs out of its scope) before relying on Cloud Sync; both engines on the same objects is not supported.',
    });
  }
  const where = d.gapObjects > 0 ? `${d.gapObjects} on-premises objects not covered by Cloud Sync` : '';
  const coexist = d.coexistence ? 'Connect Sync still exporting beside Cloud Sync' : '';
  return {
    headline: [where, coexist].filter(Boolean).join('; ') || 'Cloud Sync coverage',
    topic: 'Cloud Sync coverage of on-premises objects',
    facts,
    impact:
      d.gapObjects > 0
        ? `Once Connect Sync stops, ${d.gapObjects} objects stop getting changes from Active Directory (passwords, group memberships, leavers) without any error.`
        : 'Two engines exporting the same objects overwrite each other; changes can flip back and forth.',
    groups,
    steps,
  };
}
