import type { DigestModel } from '../domain/digestModel.js';
import { plural } from '../domain/text.js';

/**
 * The digest's "Scope coverage" section as plain lines (the email and text renderers escape and lay
 * them out): how many on-premises objects Cloud Sync covers, the gaps by domain and OU, and Connect Sync
 * still exporting. Absent when no coverage check ran in the window or it found no on-premises object. Directory data: renderers escape it.
 */
export interface ScopeSection {
  readonly title: string;
  readonly level: 'healthy' | 'warning' | 'unknown';
  readonly summary: string;
  readonly lines: readonly string[];
}

const GROUPS_SHOWN = 5;

export function scopeSection(model: DigestModel): ScopeSection | undefined {
  const s = model.scope;
  // Nothing synced from on-premises (or not read yet): nothing to say.
  if (!s || (s.syncedObjects === 0 && !s.coexistence)) return undefined;
  const level = !s.checked ? 'unknown' : s.gapObjects > 0 || s.coexistence ? 'warning' : 'healthy';
  const summary =
    `${plural(s.coveredObjects, 'object')} of ${s.syncedObjects} synced from on-premises provisioned by Cloud Sync; ` +
    `${plural(s.gapObjects, 'object')} not covered after ${s.graceDays} days` +
    `${s.checked ? '' : ' (the last check could not read the whole directory)'}.`;
  const lines: string[] = s.groups
    .slice(0, GROUPS_SHOWN)
    .map(
      (g) =>
        `${g.domain ?? 'no domain'}${g.organizationalUnit ? ` / ${g.organizationalUnit}` : ''}: ${plural(g.objectCount, 'object')}` +
        `${g.examples.length ? ` (e.g. ${g.examples.map((e) => e.displayName ?? e.objectId).join(', ')})` : ''}` +
        `${g.configurationName ? '' : ': no configuration for this domain'}`,
    );
  if (s.groups.length > GROUPS_SHOWN)
    lines.push(`and ${s.groups.length - GROUPS_SHOWN} more OUs (CloudSyncCoverage_CL)`);
  if (s.coexistence) {
    lines.push(
      `Connect Sync is still exporting (organization last synced ${s.coexistence.organizationLastSyncAt}` +
        `${s.coexistence.syncAccounts.length ? `, accounts ${s.coexistence.syncAccounts.join(', ')}` : ''}): ` +
        `${plural(s.coexistence.cloudSyncObjects, 'object')} exported by both engines.`,
    );
  }
  return { title: 'Scope coverage', level, summary, lines };
}
