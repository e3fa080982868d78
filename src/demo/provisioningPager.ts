import { compareEventKeys } from './eventKey.js';
import type { ProvisioningQuery } from './provisioningQuery.js';
import type { EventKey, ProvisioningLog } from './scenario.js';

/**
 * One page of the provisioning log for a query at an instant. Only events already visible at `nowMs`
 * (activityDateTime + ingestion latency) are served; the scan starts from a binary search and stops
 * after the page plus one more visible event (to know whether a next page exists), so the cost does not
 * depend on the size of the log.
 */
export interface ProvisioningPage {
  readonly indexes: number[];
  /** Set when more visible events follow: the cursor for the next page. */
  readonly next: EventKey | undefined;
}

/** The first index in [0, count) for which `isAtOrPast` holds (it must be monotone over the log). */
function firstIndex(count: number, isAtOrPast: (index: number) => boolean): number {
  let low = 0;
  let high = count;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (isAtOrPast(middle)) high = middle;
    else low = middle + 1;
  }
  return low;
}

export function pageProvisioning(
  log: ProvisioningLog,
  query: ProvisioningQuery,
  nowMs: number,
): ProvisioningPage {
  const minMs = query.minMs ?? Number.NEGATIVE_INFINITY;
  // Nothing later than now can be visible, whatever the filter says.
  const maxMs = Math.min(query.maxMs ?? Number.POSITIVE_INFINITY, nowMs);
  const indexes: number[] = [];
  let next: EventKey | undefined;
  const visible = (index: number): boolean => log.visibleAtMs(index) <= nowMs;

  if (query.order === 'asc') {
    let index = firstIndex(log.count, (i) => log.keyAt(i).timeMs >= minMs);
    if (query.after) {
      const after = query.after;
      index = Math.max(
        index,
        firstIndex(log.count, (i) => compareEventKeys(log.keyAt(i), after) > 0),
      );
    }
    for (; index < log.count && log.keyAt(index).timeMs <= maxMs; index++) {
      if (!visible(index)) continue;
      if (indexes.length === query.pageSize) {
        next = log.keyAt(indexes[indexes.length - 1] ?? index);
        break;
      }
      indexes.push(index);
    }
  } else {
    let index = firstIndex(log.count, (i) => log.keyAt(i).timeMs > maxMs) - 1;
    if (query.after) {
      const after = query.after;
      index = Math.min(index, firstIndex(log.count, (i) => compareEventKeys(log.keyAt(i), after) >= 0) - 1);
    }
    for (; index >= 0 && log.keyAt(index).timeMs >= minMs; index--) {
      if (!visible(index)) continue;
      if (indexes.length === query.pageSize) {
        next = log.keyAt(indexes[indexes.length - 1] ?? index);
        break;
      }
      indexes.push(index);
    }
  }
  return { indexes, next };
}
