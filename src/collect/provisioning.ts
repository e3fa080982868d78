import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { GraphReader } from '../graph/graphReader.js';
import { provisioningObjectSummary } from '../graph/schemas/provisioningObjectSummary.js';
import type { RecordSink } from '../sinks/sink.js';
import type { ProvisioningRecord } from '../tables/definitions.js';
import { templateOfJobId } from './cloudSync.js';
import { toProvisioningRecord, type ConfigurationNames } from './provisioningRecord.js';
import { issueFrom, type RunIssue } from './runErrors.js';
import type { UnknownValues } from './unknownValues.js';

/**
 * Where provisioning collection stands. `watermark`: every event at or before it has been written,
 * except events Graph publishes late, which the overlap window catches. `recent`: ids (with their
 * activity time) written inside the overlap window, so re-reading the overlap writes no duplicate.
 */
export const watermarkState = z.object({
  watermark: z.iso.datetime(),
  /**
   * Events at or before this instant were already published when they were read, so no run needs to
   * read them again. Equals watermark - overlap for a run that caught up with now; equals the watermark
   * for a backlog checkpoint far in the past, so resuming a backlog does not re-read an overlap.
   */
  settled: z.iso.datetime().optional(),
  recent: z.array(z.tuple([z.string(), z.number()])),
});
export type WatermarkState = z.infer<typeof watermarkState>;

export interface ProvisioningSettings {
  readonly lookbackMs: number;
  readonly overlapMs: number;
  readonly pageSize: number;
  readonly dedupMaxIds: number;
}

export interface ProvisioningInput {
  readonly tenantId: string;
  readonly graph: GraphReader;
  readonly sink: RecordSink;
  readonly clock: Clock;
  readonly settings: ProvisioningSettings;
  readonly previous: WatermarkState | undefined;
  readonly names: ConfigurationNames;
  /** Service principals of Cloud Sync configurations: events of other apps are not ours. */
  readonly cloudSyncServicePrincipalIds: ReadonlySet<string>;
  readonly unknown: UnknownValues;
  /** Clock time (ms) after which no further page is requested; the rest is worked off next run. */
  readonly deadline: number;
  /** Sees every batch that was written (for the alert rules' observations). */
  readonly onWritten?: (records: readonly ProvisioningRecord[]) => void;
}

export interface ProvisioningResult {
  readonly written: number;
  readonly duplicates: number;
  readonly invalid: number;
  readonly ignored: number;
  readonly pages: number;
  /** true when every page up to now was read and written. */
  readonly complete: boolean;
  /** true when the time budget, not an error, stopped the run early. */
  readonly backlogRemaining: boolean;
  readonly state: WatermarkState;
  readonly issues: RunIssue[];
}

const MAX_INVALID_DETAILS = 5;
const BOUNDARY_MS = 1_000;

const wholeSecond = (ms: number) => Math.floor(ms / 1000) * 1000;
/** An instant as an OData DateTimeOffset literal, in whole seconds (the query never needs more). */
const literal = (ms: number) => new Date(wholeSecond(ms)).toISOString().replace('.000Z', 'Z');
/**
 * Where the next query starts for a settled instant: a second earlier, in whole seconds, because several
 * events can share an instant across a page boundary. Ids after it are remembered to skip the re-read.
 */
const lowerBound = (settled: number) => wholeSecond(settled - BOUNDARY_MS);

/**
 * Streams provisioning events since the watermark, page by page, into the sink: memory holds one page.
 * Pages are requested oldest first so that the watermark can advance after every written page, which
 * lets a large backlog be worked off over several runs. If Graph ever answers out of order, the run
 * still writes everything but only moves the watermark once the whole window is done.
 */
export async function collectProvisioning(input: ProvisioningInput): Promise<ProvisioningResult> {
  const { settings, clock } = input;
  const now = clock.now().getTime();
  const previousMark = input.previous ? Date.parse(input.previous.watermark) : undefined;
  const previousSettled = input.previous?.settled ? Date.parse(input.previous.settled) : undefined;
  // One second earlier than strictly needed: several events can share an instant across a page boundary,
  // and the filter only takes whole seconds; the ids remembered in `recent` skip what is re-read.
  const from =
    previousMark === undefined
      ? wholeSecond(now - settings.lookbackMs)
      : lowerBound(previousSettled ?? previousMark - settings.overlapMs);
  // What this run reads now was published by now - overlap at the latest: later runs need not re-read it.
  const settledByNow = now - settings.overlapMs;
  const to = Math.floor(now / 1000) * 1000;
  const recent = new Map<string, number>(input.previous?.recent ?? []);
  const issues: RunIssue[] = [];
  let written = 0;
  let duplicates = 0;
  let invalid = 0;
  let ignored = 0;
  let pages = 0;
  let ordered = true;
  let latestSeen = Number.NEGATIVE_INFINITY;
  // The furthest point up to which everything is written, while pages keep arriving oldest first.
  let checkpoint = previousMark ?? from;
  // How far this run itself has read and written, oldest first.
  let progress = from;
  let complete = false;
  let backlogRemaining = false;

  const path =
    `/auditLogs/provisioning?$filter=activityDateTime gt ${literal(from)} and activityDateTime lt ${literal(to)}` +
    `&$orderby=activityDateTime asc&$top=${settings.pageSize}`;

  try {
    for await (const page of input.graph.pages(path, 'v1.0', { prefetch: true })) {
      pages += 1;
      const batch: ProvisioningRecord[] = [];
      let pageLatest = Number.NEGATIVE_INFINITY;
      for (const item of page.value) {
        const parsed = provisioningObjectSummary.safeParse(item);
        if (!parsed.success) {
          invalid += 1;
          if (invalid <= MAX_INVALID_DETAILS) issues.push(invalidIssue(item, parsed.error));
          continue;
        }
        const event = parsed.data;
        const at = Date.parse(event.activityDateTime);
        if (at < latestSeen) ordered = false;
        latestSeen = Math.max(latestSeen, at);
        pageLatest = Math.max(pageLatest, at);
        if (!isCloudSync(event.jobId, event.servicePrincipal, input.cloudSyncServicePrincipalIds)) {
          ignored += 1;
          continue;
        }
        if (recent.has(event.id)) {
          duplicates += 1;
          continue;
        }
        batch.push(toProvisioningRecord(input.tenantId, event, input.names, input.unknown));
      }
      if (batch.length > 0) {
        try {
          await input.sink.write('CloudSyncProvisioning_CL', batch);
        } catch (error) {
          issues.push(issueFrom('sink', error, 'CloudSyncProvisioning_CL'));
          break;
        }
        for (const record of batch) recent.set(record.EventId as string, Date.parse(record.TimeGenerated));
        written += batch.length;
        input.onWritten?.(batch);
      }
      if (ordered && pageLatest > progress) {
        progress = pageLatest;
        checkpoint = Math.max(checkpoint, progress);
        forgetBefore(recent, lowerBound(Math.min(progress, settledByNow)));
      }
      complete = page.nextLink === undefined;
      if (!complete && clock.now().getTime() >= input.deadline) {
        backlogRemaining = true;
        break;
      }
    }
  } catch (error) {
    issues.push(issueFrom('provisioning', error));
  }

  if (invalid > MAX_INVALID_DETAILS) {
    issues.push({
      signal: 'provisioning',
      severity: 'warning',
      code: 'MalformedEvents',
      message: `${invalid} malformed provisioning events were skipped in all (details of the first ${MAX_INVALID_DETAILS} above)`,
    });
  }

  const watermark = complete ? Math.max(to, checkpoint) : ordered ? checkpoint : (previousMark ?? from);
  const readUpTo = complete ? to : ordered ? progress : from;
  const settled = Math.max(from + BOUNDARY_MS, Math.min(readUpTo, settledByNow));
  return {
    written,
    duplicates,
    invalid,
    ignored,
    pages,
    complete,
    backlogRemaining,
    state: {
      watermark: new Date(watermark).toISOString(),
      settled: new Date(settled).toISOString(),
      recent: pruneRecent(recent, lowerBound(settled), settings.dedupMaxIds),
    },
    issues,
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

/**
 * Drops ids that neither this run (pages come oldest first) nor the next (it starts at the new
 * watermark minus the overlap) can see again, so memory follows the overlap window, not the backlog.
 * Entries are in insertion order, which is activity order but for stragglers, so this stops early.
 */
function forgetBefore(recent: Map<string, number>, cutoff: number): void {
  for (const [id, at] of recent) {
    if (at > cutoff) return;
    recent.delete(id);
  }
}

/** Keeps the ids that the next run's overlap window can return again, newest first, within the cap. */
function pruneRecent(recent: Map<string, number>, keepAfter: number, max: number): [string, number][] {
  const kept = [...recent].filter(([, at]) => at > keepAfter);
  if (kept.length <= max) return kept;
  return kept.sort((a, b) => b[1] - a[1]).slice(0, max);
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
