import { setImmediate } from 'node:timers/promises';
import type { Clock } from '../clock.js';
import type { GraphReader } from '../graph/graphReader.js';
import { writeJsonRows, type RecordSink } from '../sinks/sink.js';
import type { StateStore } from '../state/store.js';
import type { ProvisioningObservation } from '../tables/definitions.js';
import { SerialisedRows } from '../tables/serialisedRows.js';
import { MAX_INVALID_DETAILS, type ProvisioningPageContext } from './provisioningPage.js';
import { ProvisioningPageParsers } from './provisioningPageParsers.js';
import { ObservationColumnsReader } from './observationColumns.js';
import { StringPool } from '../domain/stringPool.js';
import { ProvisioningCheckpoint, type ProvisioningMark } from './provisioningCheckpoint.js';
import { issueFrom, type RunIssue } from './runErrors.js';
import type { UnknownValues } from './unknownValues.js';

/**
 * Provisioning log collection, exactly once (the guarantee and its mechanism: README, "Delivery
 * guarantees"). Two passes per run, each a window of activity times read oldest first, a group of
 * pages at a time straight into the sink, with a checkpoint after every written group:
 * - the fresh pass reads from just before `settled` to now: new events, plus those Graph publishes up
 *   to the overlap (15 min) late, which every run re-reads;
 * - the late sweep, every PROVISIONING_LATE_SWEEP_MINUTES when the fresh pass is done and time is left,
 *   re-reads the lateness window (2 h plus one sweep interval) for events published later than that.
 *   It resumes from its cursor when a run's time runs out.
 * The ids written in both windows are remembered (see seenEvents), so re-reading writes nothing twice.
 */
export interface ProvisioningSettings {
  readonly lookbackMs: number;
  readonly overlapMs: number;
  readonly pageSize: number;
  readonly latenessMs: number;
  readonly lateSweepMs: number;
  /** Worker threads that read pages (PROVISIONING_PARSE_WORKERS; see provisioningPageParsers). */
  readonly parseWorkers: number;
}

export interface ProvisioningInput {
  readonly tenantId: string;
  readonly graph: GraphReader;
  readonly sink: RecordSink;
  readonly state: StateStore;
  readonly clock: Clock;
  readonly settings: ProvisioningSettings;
  /** Configuration names and the Cloud Sync service principals (events of other apps are not ours). */
  readonly pageContext: ProvisioningPageContext;
  readonly unknown: UnknownValues;
  /** Clock time (ms) after which no further page is requested; the rest is worked off next run. */
  readonly deadline: number;
  /** Sees every batch that was written (for the alert rules' observations). */
  readonly onWritten?: (records: readonly ProvisioningObservation[]) => void;
}

export interface ProvisioningResult {
  readonly written: number;
  readonly duplicates: number;
  readonly invalid: number;
  readonly ignored: number;
  readonly pages: number;
  /** Events written by the late sweep (published later than the overlap): part of `written`. */
  readonly late: number;
  /** true when every page of the fresh pass up to now was read and written. */
  readonly complete: boolean;
  /** true when the time budget, not an error, stopped the run early. */
  readonly backlogRemaining: boolean;
  readonly watermark: string;
  readonly issues: RunIssue[];
}

const BOUNDARY_MS = 1_000;
const TABLE = 'CloudSyncProvisioning_CL';

const wholeSecond = (ms: number) => Math.floor(ms / 1000) * 1000;
/** An instant as an OData DateTimeOffset literal, in whole seconds (the query never needs more). */
const literal = (ms: number) => new Date(wholeSecond(ms)).toISOString().replace('.000Z', 'Z');
/**
 * Where a query starts for a settled instant: a second earlier, in whole seconds, because several
 * events can share an instant across a page boundary; the remembered ids skip what is read again.
 */
const lowerBound = (settled: number) => wholeSecond(settled - BOUNDARY_MS);

interface PassTotals {
  written: number;
  duplicates: number;
  invalid: number;
  ignored: number;
  pages: number;
}

export async function collectProvisioning(input: ProvisioningInput): Promise<ProvisioningResult> {
  const { settings, clock } = input;
  const now = clock.now().getTime();
  const issues: RunIssue[] = [];
  const totals: PassTotals = { written: 0, duplicates: 0, invalid: 0, ignored: 0, pages: 0 };

  const checkpoint = await ProvisioningCheckpoint.open({
    state: input.state,
    sink: input.sink,
    tenantId: input.tenantId,
    table: TABLE,
    forgetBeforeMs: now - settings.latenessMs - settings.lateSweepMs - settings.overlapMs - 3600_000,
    clock: input.clock,
  });
  issues.push(...checkpoint.issues);
  const mark = checkpoint.mark;

  const freshFrom =
    mark === undefined
      ? wholeSecond(now - settings.lookbackMs)
      : lowerBound(Date.parse(mark.settled ?? mark.watermark) - (mark.settled ? 0 : settings.overlapMs));
  const to = wholeSecond(now);
  const sweepFrom = wholeSecond(now - settings.latenessMs - settings.lateSweepMs);
  const sweepDue =
    mark !== undefined &&
    settings.latenessMs > settings.overlapMs &&
    sweepFrom < freshFrom &&
    (mark.sweep?.cursor !== undefined ||
      mark.sweep?.doneAt === undefined ||
      Date.parse(mark.sweep.doneAt) + settings.lateSweepMs <= now);
  await checkpoint.loadSeen(sweepDue ? Math.min(sweepFrom, freshFrom) : freshFrom);

  // Fresh pass.
  const fresh = await readWindow(input, checkpoint, totals, issues, {
    from: freshFrom,
    to,
    onPage: (pageLatest, state) => ({
      ...state,
      watermark: new Date(Math.max(Date.parse(state.watermark), pageLatest)).toISOString(),
      settled: new Date(
        Math.max(freshFrom + BOUNDARY_MS, Math.min(pageLatest, now - settings.overlapMs)),
      ).toISOString(),
    }),
  });
  const settledByNow = Math.max(freshFrom + BOUNDARY_MS, now - settings.overlapMs);
  if (fresh.complete) {
    await checkpoint.save(
      (state) => ({
        ...state,
        watermark: new Date(Math.max(Date.parse(state.watermark), to)).toISOString(),
        settled: new Date(settledByNow).toISOString(),
      }),
      issues,
    );
  }

  // Late sweep, with what time is left.
  let late = 0;
  if (sweepDue && fresh.complete && clock.now().getTime() < input.deadline) {
    const cursor = mark?.sweep?.cursor;
    const from = cursor !== undefined ? lowerBound(Date.parse(cursor)) : sweepFrom;
    const until = freshFrom + BOUNDARY_MS;
    const before = totals.written;
    const sweep = await readWindow(input, checkpoint, totals, issues, {
      from,
      to: until,
      onPage: (pageLatest, state) => ({
        ...state,
        sweep: { ...state.sweep, cursor: new Date(pageLatest).toISOString() },
      }),
    });
    late = totals.written - before;
    if (sweep.complete) {
      await checkpoint.save(
        (state) => ({ ...state, sweep: { doneAt: new Date(now).toISOString() } }),
        issues,
      );
    }
  }

  if (totals.invalid > MAX_INVALID_DETAILS) {
    issues.push({
      signal: 'provisioning',
      severity: 'warning',
      code: 'MalformedEvents',
      message: `${totals.invalid} malformed provisioning events were skipped in all (details of the first ${MAX_INVALID_DETAILS} above)`,
    });
  }
  await checkpoint.prune(issues);

  return {
    ...totals,
    late,
    complete: fresh.complete,
    backlogRemaining: fresh.backlogRemaining,
    watermark: checkpoint.mark?.watermark ?? new Date(freshFrom).toISOString(),
    issues,
  };
}

interface WindowOptions {
  readonly from: number;
  readonly to: number;
  /** The checkpoint after a page whose events (all written) reach `pageLatest`. */
  readonly onPage: (pageLatest: number, state: ProvisioningMark) => ProvisioningMark;
}

/**
 * Pages are committed in groups (one de-duplication chunk, one sink write, one mark save per group,
 * in that order, as for a single page): each commit costs five fsyncs whatever its size, so committing
 * page by page left the run idle a quarter of its time when pages come fast. A group ends before one
 * more page could take it past GROUP_MAX_EVENTS records (2 pages of 999), after GROUP_MAX_MS of
 * reading (a paced run, whose pages come seconds apart, commits them one by one as before), at the
 * end of the window and before the run stops. Memory holds the group being read and up to
 * COMMITS_AHEAD read before it, waiting for their commits, which run one at a time (rows as a
 * SerialisedRows buffer, the observers' columns on the heap); a crash costs at most one group read
 * again. A sink that cannot say what it took after a crash (Logs Ingestion) has it write again the
 * group in doubt, so its groups hold at most one page's worth of events.
 */
export const GROUP_MAX_EVENTS = 2_000;
/**
 * Events read between two turns of the event loop while a commit is under way. A commit waits on five
 * fsyncs in turn, and each one's completion waited for the page being read (999 events, tens of ms):
 * commits fell behind and the reader then sat idle waiting for them, 0.8-1.2 s of a 200k-event run.
 */
const YIELD_EVERY = 128;
/**
 * Groups that may wait for their commit while the next is read. One left the reader waiting on
 * commits (five fsyncs, or a Logs Ingestion upload, each) for a tenth to a fifth of a 200k-event run.
 */
const COMMITS_AHEAD = 2;
const GROUP_MAX_MS = 1_000;
/** Distinct shared values (see ObservationColumns) a window keeps one copy of; past it, each its own. */
const SHARED_STRINGS_MAX = 2_000;

/** The pages read since the last commit. */
interface Group {
  /** The new events' rows, serialised: what the sink writes (off the JS heap: see SerialisedRows). */
  readonly rows: SerialisedRows;
  /** The same events as the observers see them, told once the rows are written. */
  readonly observations: ProvisioningObservation[];
  /** Ids of `rows`, in order: the de-duplication chunk its commit writes. */
  readonly ids: string[];
  fromMs: number;
  toMs: number;
  /** Some page of the group moved the window's progress. */
  moved: boolean;
  readonly startedAt: number;
}

const newGroup = (startedAt: number, rows: SerialisedRows): Group => ({
  rows,
  observations: [],
  ids: [],
  fromMs: Number.POSITIVE_INFINITY,
  toMs: Number.NEGATIVE_INFINITY,
  moved: false,
  startedAt,
});

/**
 * Reads one window oldest first. Its pages are committed in groups (see GROUP_MAX_EVENTS): the new
 * events go to the sink, then the checkpoint (ids and progress) is saved. Progress only moves while
 * pages come oldest first: if Graph ever answers out of order, everything is still written but the
 * window is read again next time.
 */
async function readWindow(
  input: ProvisioningInput,
  checkpoint: ProvisioningCheckpoint,
  totals: PassTotals,
  issues: RunIssue[],
  window: WindowOptions,
): Promise<{ complete: boolean; backlogRemaining: boolean }> {
  const path =
    `/auditLogs/provisioning?$filter=activityDateTime gt ${literal(window.from)} and activityDateTime lt ${literal(window.to)}` +
    `&$orderby=activityDateTime asc&$top=${input.settings.pageSize}`;
  const { clock } = input;
  let ordered = true;
  let latestSeen = Number.NEGATIVE_INFINITY;
  let progress = window.from;
  let group: Group | undefined;
  // A sink that cannot say what it took writes a group in doubt again after a crash: one page's worth
  // at most, as before groups (README, "Delivery guarantees").
  const groupMax = input.sink.heldSince ? GROUP_MAX_EVENTS : input.settings.pageSize;

  /**
   * Groups read and handed to the commit chain, oldest first (the first is being committed, or done
   * and not yet waited for). Commits run one at a time and in order, each as the protocol says (chunk,
   * sink write, mark), so at most one group is ever in doubt; the queued groups' ids count as seen for
   * the group being read. Reading goes on while up to COMMITS_AHEAD groups wait: a commit's fsyncs (and
   * for Logs Ingestion its requests) then overlap the reading instead of holding it up.
   */
  const queued: Promise<boolean>[] = [];
  /** Ids of the group being read and of the queued ones: not in the checkpoint's memory yet. */
  const unconfirmed = new Set<string>();
  let chain: Promise<boolean> = Promise.resolve(true);
  /** Row buffers of committed groups, for the next ones. */
  const spare: SerialisedRows[] = [];

  /** Hands the group read so far to the commit chain (see commitPage); a failed commit stops the rest. */
  const enqueueCommit = (): void => {
    if (group === undefined) return;
    const { rows, observations, ids, fromMs, toMs, moved } = group;
    group = undefined;
    const reached = progress;
    const done = chain
      .then((ok) =>
        ok
          ? checkpoint.commitPage(
              { ids, fromMs, toMs },
              () => writeJsonRows(input.sink, TABLE, rows),
              (state) => (moved ? window.onPage(reached, state) : state),
              issues,
            )
          : false,
      )
      .then((ok) => {
        if (ok && rows.count > 0) {
          totals.written += rows.count;
          input.onWritten?.(observations);
        }
        return ok;
      })
      .finally(() => {
        // The sink is done with the rows (it copies what it keeps): the buffer serves a later group.
        rows.clear();
        spare.push(rows);
        // Written and in the checkpoint's memory now (or the run stops reading).
        for (const id of ids) unconfirmed.delete(id);
      });
    // Awaited by drain; until then a failure must not count as unhandled.
    done.catch(() => undefined);
    chain = done;
    queued.push(done);
  };

  /** Waits until at most `ahead` groups are queued; false when a commit failed and reading must stop. */
  const drain = async (ahead: number): Promise<boolean> => {
    while (queued.length > ahead) if (!(await queued.shift()!)) return false;
    return true;
  };

  /** Commits everything read so far and waits for it; false when the run must stop reading. */
  const commit = async (): Promise<boolean> => {
    enqueueCommit();
    return drain(0);
  };

  const parsers = new ProvisioningPageParsers(input.pageContext, input.settings.parseWorkers, (reason) =>
    issues.push({
      signal: 'provisioning',
      severity: 'warning',
      code: 'PageWorkerFailed',
      message: `${reason}; the pages it held, and those no worker could take, were read on the main thread (nothing was lost)`,
    }),
  );
  // One copy of each job id, configuration and enumeration value the window's observations repeat.
  const sharedStrings = new StringPool(SHARED_STRINGS_MAX);
  // Pages received and being read while the caller works on an earlier one: one per worker, and one
  // arriving (see GraphReader.parsedPages).
  const ahead = input.settings.parseWorkers + 1;
  try {
    const pages = input.graph.parsedPages(path, 'v1.0', (body, at) => parsers.parse(body, at), ahead);
    for await (const page of pages) {
      totals.pages += 1;
      group ??= newGroup(clock.now().getTime(), spare.pop() ?? new SerialisedRows());
      const { rows, observations, ids } = group;
      totals.ignored += page.ignored;
      for (const detail of page.invalidIssues) {
        totals.invalid += 1;
        if (totals.invalid <= MAX_INVALID_DETAILS) issues.push(detail);
      }
      totals.invalid += page.invalid - page.invalidIssues.length;
      const pageLatest = page.latest;
      if (page.valid > 0) {
        if (!page.inOrder || page.earliest < latestSeen) ordered = false;
        latestSeen = Math.max(latestSeen, page.latest);
      }
      const pageRows = { bytes: page.rows, ends: page.rowEnds };
      const pageObservations = new ObservationColumnsReader(page.observations, sharedStrings);
      let unknownAt = 0;
      for (let i = 0; i < page.ids.length; i++) {
        // Let the commit under way take its next step (an fsync done) rather than wait out the page.
        if (queued.length > 0 && i % YIELD_EVERY === YIELD_EVERY - 1) await setImmediate();
        const id = page.ids[i]!;
        if (checkpoint.seen.has(id) || unconfirmed.has(id)) {
          totals.duplicates += 1;
          continue;
        }
        // Unknown enumeration values count for the events written, not for those read again.
        for (; unknownAt < page.unknown.length && page.unknown[unknownAt]!.event <= i; unknownAt++) {
          const { event, field, value } = page.unknown[unknownAt]!;
          if (event === i) input.unknown.record(field, value);
        }
        ids.push(id);
        unconfirmed.add(id);
        group.fromMs = Math.min(group.fromMs, page.times[i]!);
        rows.pushDetached(pageRows, i);
        observations.push(pageObservations.observation(i));
      }
      // Its rows are copied: the shared memory they were in may carry another page.
      parsers.release(page);
      group.toMs = Math.max(group.toMs, pageLatest);
      if (ordered && pageLatest > progress) {
        progress = pageLatest;
        group.moved = true;
      }
      const last = page.nextLink === undefined;
      const outOfTime = !last && clock.now().getTime() >= input.deadline;
      // Full when one more page could take it past the bound: at most groupMax records.
      const full =
        rows.count + input.settings.pageSize > groupMax ||
        clock.now().getTime() - group.startedAt >= GROUP_MAX_MS;
      if (full && !last && !outOfTime) enqueueCommit();
      if (last || outOfTime ? !(await commit()) : !(await drain(COMMITS_AHEAD)))
        return { complete: false, backlogRemaining: false };
      if (outOfTime) {
        await checkpoint.flush(issues);
        return { complete: false, backlogRemaining: true };
      }
    }
  } catch (error) {
    issues.push(issueFrom('provisioning', error));
    // What was read before the listing failed is good data: committed, so the next run goes on from it.
    if (await commit()) await checkpoint.flush(issues);
    return { complete: false, backlogRemaining: false };
  } finally {
    await parsers.close();
  }
  if (!(await commit())) return { complete: false, backlogRemaining: false };
  await checkpoint.flush(issues);
  // Out of order: everything was written and remembered, but no progress can be claimed for the window.
  return { complete: ordered, backlogRemaining: false };
}
