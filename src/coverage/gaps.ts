import type { Coexistence, CoverageGapDetails, CoverageGapGroup } from '../domain/alertDetails.js';
import type { CoverageIndex, CoverageMeta, IndexEntry } from './coverageState.js';

/**
 * The coverage verdict over the index, pure. An object that claims on-premises sync is covered once a
 * Cloud Sync configuration provisioned it (an event that was not a skip). Not covered is a gap only
 * after the grace period, counted from the later of its configuration's first full cycle (for a domain
 * no configuration is named for, and for contacts, which have no domain: the tenant's first) and the
 * day the check first saw the object: Cloud Sync's initial cycle provisions every object in scope.
 */
export interface GapObject {
  readonly id: string;
  readonly entry: IndexEntry;
  readonly configurationName: string | null;
  readonly gapSince: string;
}

export interface CoverageVerdict {
  readonly details: CoverageGapDetails;
  readonly gaps: readonly GapObject[];
  /** The earliest gapSince, or when coexistence was first seen. */
  readonly since: string | null;
}

const GROUPS_MAX = 10;
const EXAMPLES_MAX = 5;
/** Cloud Sync's own export sets onPremisesLastSyncDateTime a little after its event; later than this is another engine. */
const FOREIGN_EXPORT_SLACK_MS = 15 * 60_000;

export interface CoverageInput {
  readonly index: CoverageIndex;
  readonly meta: CoverageMeta;
  /** Configurations discovery lists now: service principal id and name (usually the AD domain). */
  readonly configurations: readonly { readonly servicePrincipalId: string; readonly name: string }[];
  /** The organization's onPremisesLastSyncDateTime (null: never, or not read). */
  readonly organizationLastSyncAt: string | null;
  readonly now: Date;
  readonly graceMs: number;
  readonly coexistenceMs: number;
}

export function coverageVerdict(input: CoverageInput): CoverageVerdict {
  const { index, meta, now, graceMs } = input;
  const byDomain = new Map<string, { name: string; firstCycleAt: string | undefined }>();
  for (const c of input.configurations) {
    const known = meta.configurations[c.servicePrincipalId.toLowerCase()];
    const prior = byDomain.get(c.name.toLowerCase());
    const first = [prior?.firstCycleAt, known?.firstCycleAt].filter((t): t is string => !!t).sort()[0];
    byDomain.set(c.name.toLowerCase(), { name: c.name, firstCycleAt: first });
  }
  const tenantFirst = Object.values(meta.configurations)
    .map((c) => c.firstCycleAt)
    .sort()[0];

  let synced = 0;
  let covered = 0;
  let doublyExported = 0;
  const windowStart = now.getTime() - input.coexistenceMs;
  const gaps: GapObject[] = [];
  for (const [id, entry] of index.objects()) {
    synced++;
    const touch = index.touchOf(id);
    if (touch) {
      covered++;
      const lastSync = entry.l ? Date.parse(entry.l) : NaN;
      if (lastSync >= windowStart && lastSync > Date.parse(touch.a) + FOREIGN_EXPORT_SLACK_MS) doublyExported++;
      continue;
    }
    const configuration = entry.d ? byDomain.get(entry.d) : undefined;
    const cycleStart = configuration ? configuration.firstCycleAt : tenantFirst;
    if (!cycleStart) continue; // no Cloud Sync cycle to compare with yet
    const start = Math.max(Date.parse(cycleStart), Date.parse(entry.s));
    const gapSince = start + graceMs;
    if (gapSince > now.getTime()) continue;
    gaps.push({
      id,
      entry,
      configurationName: configuration?.name ?? null,
      gapSince: new Date(gapSince).toISOString(),
    });
  }

  const orgAt = input.organizationLastSyncAt ? Date.parse(input.organizationLastSyncAt) : NaN;
  const coexistence: Coexistence | null =
    orgAt >= windowStart && doublyExported > 0
      ? {
          organizationLastSyncAt: input.organizationLastSyncAt!,
          syncAccounts: Object.values(meta.syncAccounts).sort().slice(0, 5),
          cloudSyncObjects: doublyExported,
        }
      : null;

  const details: CoverageGapDetails = {
    syncedObjects: synced,
    coveredObjects: covered,
    gapObjects: gaps.length,
    graceDays: Math.round(graceMs / 86_400_000),
    groups: groupGaps(gaps),
    coexistence,
  };
  const earliest = gaps.map((g) => g.gapSince).sort()[0] ?? null;
  const since = [earliest, coexistence ? meta.coexistenceSince : null].filter((t): t is string => !!t).sort()[0] ?? null;
  return { details, gaps, since };
}

function groupGaps(gaps: readonly GapObject[]): CoverageGapGroup[] {
  const groups = new Map<string, CoverageGapGroup & { examples: CoverageGapGroup['examples'][number][] }>();
  for (const g of gaps) {
    const key = `${g.entry.d ?? ''}\n${g.entry.o ?? ''}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        domain: g.entry.d,
        organizationalUnit: g.entry.o,
        configurationName: g.configurationName,
        objectCount: 0,
        examples: [],
      };
      groups.set(key, group);
    }
    group.objectCount++;
    if (group.examples.length < EXAMPLES_MAX) {
      group.examples.push({ objectId: g.id, objectType: g.entry.t, displayName: g.entry.n });
    }
  }
  return [...groups.values()]
    .sort(
      (a, b) =>
        b.objectCount - a.objectCount ||
        (a.domain ?? '').localeCompare(b.domain ?? '') ||
        (a.organizationalUnit ?? '').localeCompare(b.organizationalUnit ?? ''),
    )
    .slice(0, GROUPS_MAX);
}
