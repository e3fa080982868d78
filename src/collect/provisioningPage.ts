import type { z } from 'zod';
import { decodeUtf8, parsePage } from '../graph/collectionPage.js';
import type { PageShape } from '../graph/pagingGuard.js';
import {
  isProvisioningObjectSummary,
  provisioningObjectSummary,
  type ProvisioningObjectSummary,
} from '../graph/schemas/provisioningObjectSummary.js';
import { SerialisedRows } from '../tables/serialisedRows.js';
import { templateOfJobId } from './cloudSync.js';
import { ObservationColumnsBuilder, type ObservationColumns } from './observationColumns.js';
import { ProvisioningRows } from './provisioningRecord.js';
import type { RunIssue } from './runErrors.js';
import { UnknownValues } from './unknownValues.js';

/** At most this many malformed events are named one by one in a run's issues. */
export const MAX_INVALID_DETAILS = 5;

/** What reading a page needs of the run: plain data, so that a worker thread can be given it. */
export interface ProvisioningPageContext {
  readonly tenantId: string;
  /** Configuration name (the SP display name, usually the AD domain) by service principal id, lower case. */
  readonly names: ReadonlyMap<string, string>;
  /** Service principals of Cloud Sync configurations, lower case: events of other apps are not ours. */
  readonly cloudSyncServicePrincipalIds: ReadonlySet<string>;
}

/**
 * One page of the provisioning listing made into rows: everything the collector does to a page that
 * does not depend on what it has read before (which events it has already written, and the commits).
 * Plain data and typed arrays, so that it crosses from a worker thread as is (see provisioningPageParsers).
 */
export interface ProvisioningPage {
  readonly nextLink: string | undefined;
  readonly shape: PageShape;
  /** Items that match the schema. */
  readonly valid: number;
  readonly invalid: number;
  /** The first MAX_INVALID_DETAILS malformed items, each named. */
  readonly invalidIssues: readonly RunIssue[];
  /** Valid items of other apps than Cloud Sync. */
  readonly ignored: number;
  /** The activity times of the valid items (ms): earliest and latest (±Infinity when none) and whether in order. */
  readonly earliest: number;
  readonly latest: number;
  readonly inOrder: boolean;
  /** The Cloud Sync events in page order: ids, activity times (ms), observations and rows. */
  readonly ids: readonly string[];
  readonly times: Float64Array;
  readonly observations: ObservationColumns;
  /** Their rows' JSON as NDJSON (UTF-8), and the byte offset just past each row's newline. */
  readonly rows: Uint8Array;
  readonly rowEnds: Uint32Array;
  /**
   * Enumeration values Graph sent that we do not know (see UnknownValues), by Cloud Sync event (an index
   * into `ids`), in page order: counted only for the events that are written, as before pages had threads.
   */
  readonly unknown: readonly PageUnknownValue[];
}

export interface PageUnknownValue {
  readonly event: number;
  readonly field: string;
  readonly value: string;
}

/** UnknownValues that says which event each value came from. */
class EventUnknownValues extends UnknownValues {
  event = 0;
  readonly values: PageUnknownValue[] = [];

  override record(field: string, value: string): void {
    // UnknownValues keeps no more of a value than this either.
    this.values.push({ event: this.event, field, value: value.slice(0, 80) });
  }
}

/**
 * Reads one page's body (UTF-8); throws a GraphRequestError when it is no collection. `rowsInto`: memory
 * to write the rows into while they fit (a page slot's, see pageSlots), else a buffer of their own.
 */
export function readProvisioningPage(
  body: Uint8Array,
  path: string,
  context: ProvisioningPageContext,
  rowsInto?: SharedArrayBuffer,
): ProvisioningPage {
  const { value: items, nextLink, shape } = parsePage(decodeUtf8(body), path);
  const unknown = new EventUnknownValues();
  const names = { byServicePrincipalId: (id: string) => context.names.get(id.toLowerCase()) };
  const rowMaker = new ProvisioningRows(context.tenantId, names, unknown);
  // A row is about as long as its event's JSON, or shorter (long text is capped).
  const rows = new SerialisedRows(rowsInto ? Buffer.from(rowsInto) : body.byteLength);
  const ids: string[] = [];
  const times: number[] = [];
  const observations = new ObservationColumnsBuilder();
  const invalidIssues: RunIssue[] = [];
  let valid = 0;
  let invalid = 0;
  let ignored = 0;
  let earliest = Number.POSITIVE_INFINITY;
  let latest = Number.NEGATIVE_INFINITY;
  let inOrder = true;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    // Done with it after this: dropped from the page, so a collection during the page copies only
    // what is left of it (a page is tens of thousands of objects).
    items[i] = undefined;
    // The hand check first (no copy); zod decides what it does not accept, and says why.
    if (!isProvisioningObjectSummary(item)) {
      const parsed = provisioningObjectSummary.safeParse(item);
      if (!parsed.success) {
        invalid += 1;
        if (invalid <= MAX_INVALID_DETAILS) invalidIssues.push(invalidIssue(item, parsed.error));
        continue;
      }
    }
    // The item itself, known to match the schema (which transforms nothing): no copy lives on.
    const event = item as ProvisioningObjectSummary;
    const at = Date.parse(event.activityDateTime);
    valid += 1;
    if (at < latest) inOrder = false;
    earliest = Math.min(earliest, at);
    latest = Math.max(latest, at);
    if (!isCloudSync(event.jobId, event.servicePrincipal, context.cloudSyncServicePrincipalIds)) {
      ignored += 1;
      continue;
    }
    unknown.event = ids.length;
    const row = rowMaker.row(event);
    ids.push(event.id);
    times.push(at);
    observations.push(row.observation);
    rows.push(row.json);
  }
  const { bytes, ends } = rows.detach();
  return {
    nextLink,
    shape,
    valid,
    invalid,
    invalidIssues,
    ignored,
    earliest,
    latest,
    inOrder,
    ids,
    times: Float64Array.from(times),
    observations: observations.build(),
    rows: bytes,
    rowEnds: ends,
    unknown: unknown.values,
  };
}

function isCloudSync(
  jobId: string | null | undefined,
  servicePrincipal:
    { id?: string | null | undefined } | { id?: string | null | undefined }[] | null | undefined,
  cloudSyncIds: ReadonlySet<string>,
): boolean {
  if (templateOfJobId(jobId)) return true;
  const sp = Array.isArray(servicePrincipal) ? servicePrincipal[0] : servicePrincipal;
  return sp?.id != null && cloudSyncIds.has(sp.id.toLowerCase());
}

function invalidIssue(item: unknown, error: z.ZodError): RunIssue {
  const id =
    typeof item === 'object' && item !== null && 'id' in item && typeof item.id === 'string'
      ? item.id.slice(0, 100)
      : 'without id';
  const first = error.issues[0];
  return {
    signal: 'provisioning',
    severity: 'warning',
    code: 'MalformedEvent',
    message: `provisioning event ${id} skipped: ${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid'}`,
  };
}
