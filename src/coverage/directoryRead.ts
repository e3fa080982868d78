import type { Clock } from '../clock.js';
import type { RunIssue } from '../domain/runIssue.js';
import { capFlat } from '../domain/text.js';
import { GraphRequestError } from '../graph/errors.js';
import type { GraphReader } from '../graph/graphReader.js';
import type { CoverageIndex, CoverageMeta } from './coverageState.js';
import {
  DELTA_PATHS,
  directoryItemSchema,
  isConnectSyncAccount,
  OBJECT_TYPES,
  organizationalUnitOf,
  type DirectoryItem,
  type ObjectType,
} from './directoryItems.js';

/** How far this run's delta round of one object type got. */
export type RoundOutcome = 'complete' | 'partial' | 'forbidden' | 'failed';

export interface DirectoryReadResult {
  readonly outcomes: Readonly<Record<ObjectType, RoundOutcome>>;
  readonly issues: readonly RunIssue[];
  /** Items Graph sent this run (all types): after the first run, only the changes. */
  readonly itemsRead: number;
}

/**
 * One delta round per object type, each from where the last one ended (its deltaLink), so after the
 * first full read a run costs only the changes. Each page is applied as it arrives and the link to go
 * on from is kept, so a first read of a large directory that runs out of time resumes next run. A first
 * round that ran in one go also drops objects the index knew but Graph no longer lists.
 */
export async function readDirectory(
  graph: GraphReader,
  index: CoverageIndex,
  meta: CoverageMeta,
  options: { readonly now: Date; readonly maxObjects: number; readonly deadline: number; readonly clock: Clock },
): Promise<DirectoryReadResult> {
  const issues: RunIssue[] = [];
  const outcomes = {} as Record<ObjectType, RoundOutcome>;
  let itemsRead = 0;
  let refused = 0;
  let invalid = 0;
  for (const type of OBJECT_TYPES) {
    const round = meta.rounds[type];
    const fresh = round === undefined;
    const seen = fresh ? new Set<string>() : undefined;
    outcomes[type] = 'partial';
    try {
      for await (const page of graph.deltaPages(round?.link ?? DELTA_PATHS[type])) {
        for (const raw of page.value) {
          itemsRead++;
          const item = directoryItemSchema.safeParse(raw);
          if (!item.success) {
            invalid++;
            continue;
          }
          seen?.add(item.data.id);
          if (!apply(type, item.data, index, meta, options)) refused++;
        }
        if (page.deltaLink !== undefined) {
          if (seen && !round?.resumed) {
            for (const id of index.idsOf(type)) if (!seen.has(id)) index.removeObject(id);
          }
          meta.rounds[type] = { link: page.deltaLink, complete: true, resumed: false };
          outcomes[type] = 'complete';
        } else if (page.nextLink !== undefined) {
          // Resume here if the run stops; a first round resumed later cannot prune (it saw only part).
          meta.rounds[type] = {
            link: page.nextLink,
            complete: false,
            resumed: round ? round.resumed || !round.complete : false,
          };
          if (options.clock.now().getTime() > options.deadline) break;
        }
      }
      if (outcomes[type] === 'partial') {
        issues.push({
          signal: 'coverage',
          severity: 'warning',
          code: 'CoverageReadUnfinished',
          message: `the ${type} delta query did not finish within the run's time budget; it resumes next run`,
          target: type,
        });
      }
    } catch (error) {
      outcomes[type] = failure(type, error, meta, issues);
    }
  }
  meta.overCap = refused;
  if (refused > 0) {
    issues.push({
      signal: 'coverage',
      severity: 'warning',
      code: 'CoverageIndexFull',
      message: `${refused} directory objects were not indexed: the index holds COVERAGE_MAX_OBJECTS (${options.maxObjects}) objects`,
    });
  }
  if (invalid > 0) {
    issues.push({
      signal: 'coverage',
      severity: 'warning',
      code: 'CoverageInvalidItems',
      message: `${invalid} directory objects from the delta queries did not have the expected shape and were skipped`,
    });
  }
  return { outcomes, issues, itemsRead };
}

function failure(type: ObjectType, error: unknown, meta: CoverageMeta, issues: RunIssue[]): RoundOutcome {
  const e = error instanceof GraphRequestError ? error : undefined;
  const message = capFlat(error instanceof Error ? error.message : String(error), 300) ?? 'failed';
  if (e?.kind === 'forbidden') {
    // "On where permissions allow": no permission for this type is how the deployment is, not a fault.
    issues.push({
      signal: 'coverage',
      severity: 'info',
      code: 'CoverageNotPermitted',
      message: `the ${type} delta query is not permitted (${type === 'contact' ? 'OrgContact.Read.All' : type === 'group' ? 'Group.Read.All' : 'User.Read.All'} or Directory.Read.All): ${type}s are not checked`,
      target: type,
    });
    return 'forbidden';
  }
  // An expired or unknown delta token: Graph wants a fresh round (documented: 410 Gone / resync).
  if (e && (e.status === 410 || /syncState|resync|token.*(expired|invalid)/i.test(`${e.code ?? ''} ${e.message}`))) {
    delete meta.rounds[type];
    issues.push({
      signal: 'coverage',
      severity: 'warning',
      code: 'CoverageResync',
      message: `Graph asked for a fresh ${type} delta round (${e.code ?? e.status ?? 'resync'}); the next run reads them all again`,
      target: type,
    });
    return 'failed';
  }
  issues.push({
    signal: 'coverage',
    severity: 'error',
    code: e?.code ?? 'CoverageReadFailed',
    message: `the ${type} delta query failed: ${message}`,
    target: type,
  });
  return 'failed';
}

/** Applies one delta item; false when a new object did not fit the bounded index. */
function apply(
  type: ObjectType,
  item: DirectoryItem,
  index: CoverageIndex,
  meta: CoverageMeta,
  options: { readonly now: Date; readonly maxObjects: number },
): boolean {
  const { id } = item;
  if (item['@removed'] !== undefined) {
    index.removeObject(id);
    delete meta.syncAccounts[id];
    return true;
  }
  if (type === 'user' && isConnectSyncAccount(item)) {
    meta.syncAccounts[id] = capFlat(item.userPrincipalName ?? item.displayName ?? id, 120) ?? id;
  }
  const known = index.object(id);
  const flag = item.onPremisesSyncEnabled;
  // null: never synced (cloud-only); false: no longer synced (cloud-managed now). Either way not in scope.
  if (flag === false || flag === null) {
    index.removeObject(id);
    return true;
  }
  if (flag === undefined && !known) return true;
  if (!known && index.size >= options.maxObjects) return false;
  const pick = <T>(value: T | undefined, fallback: T): T => (value === undefined ? fallback : value);
  index.setObject(id, {
    t: type,
    n: item.displayName !== undefined ? capFlat(item.displayName, 120) : (known?.n ?? null),
    d: pick(item.onPremisesDomainName?.toLowerCase() ?? (item.onPremisesDomainName === null ? null : undefined), known?.d ?? null),
    o:
      item.onPremisesDistinguishedName !== undefined
        ? organizationalUnitOf(item.onPremisesDistinguishedName)
        : (known?.o ?? null),
    l: pick(item.onPremisesLastSyncDateTime, known?.l ?? null),
    s: known?.s ?? options.now.toISOString(),
    ...(known?.r ? { r: known.r } : {}),
  });
  return true;
}
