/**
 * `node --expose-gc --import tsx scripts/bench/observe.ts [--events N] [--batch B] [--reps R]
 *  [--track-max T] [--reverse] [--digest]`: CPU and retained heap of the per-event observation a collect
 * run does after each written batch (src/app/monitorRun.ts `collect()`): the object status tracker, the
 * digest's provisioning tally and the coverage check's provisioned touches, fed exactly as there.
 *
 * The records are made once, the way a run makes them: the synthetic demo tenant's events (the bench's
 * `--scenario synthetic`), one JSON round trip per page (every string its own copy, as from
 * JSON.parse), then toProvisioningRecord, without the two dynamic columns no observer reads (kept in
 * the temp directory for the next run). Each
 * repetition feeds them in batches to new observers; it prints CPU ms (process.cpuUsage) per observer
 * and in all, and the heap the observers still hold after a forced GC; then the medians.
 *
 * `--digest` also prints a SHA-256 of what the observers end with (object status, tally, touches, and
 * the object status after a save that lost its race and replayed the run's events onto a rival state):
 * two versions of the code that print the same digest behaved the same on these records. `--reverse`
 * feeds the batches newest first (events out of order); `--track-max` lowers the per-job cap so the
 * untracked-object paths run.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultAlertSettings } from '../../src/alerts/settings.js';
import { toProvisioningRecord } from '../../src/collect/provisioningRecord.js';
import { UnknownValues } from '../../src/collect/unknownValues.js';
import { ProvisionedTouches } from '../../src/coverage/coverageCheck.js';
import { syntheticScenario } from '../../src/demo/syntheticScenario.js';
import { ProvisioningTally, type ObjectOutcome } from '../../src/digest/tally.js';
import { jobKey } from '../../src/domain/jobId.js';
import type { ProvisioningObjectSummary } from '../../src/graph/schemas/provisioningObjectSummary.js';
import { OBJECT_STATUS_KEY, ObjectStatusTracker } from '../../src/rules/objectStatus.js';
import type { ObjectStatusState } from '../../src/rules/objectStatusState.js';
import { FileStateStore } from '../../src/state/fileStateStore.js';
import type { ProvisioningObservation as Observed } from '../../src/tables/definitions.js';

const START = new Date('2026-11-30T00:00:00.000Z');
const PAGE = 999;

const gc = (globalThis as { gc?: () => void }).gc;

/**
 * Making the records costs far more than observing them: they are kept in a file under the temp
 * directory and read back (one JSON.parse per record, so every string is still its own copy).
 */
async function cachedRecords(events: number): Promise<Observed[]> {
  // Named by a hash of a few freshly made records too: a change to how records are made makes a new file.
  const version = createHash('sha256')
    .update(JSON.stringify(records(20)))
    .digest('hex')
    .slice(0, 12);
  const file = path.join(tmpdir(), `csm-observe-records-${events}-${version}.ndjson`);
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text !== undefined)
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Observed);
  const rows = records(events);
  await writeFile(file, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return rows;
}

function records(events: number): Observed[] {
  const scenario = syntheticScenario({ start: START, events });
  const log = scenario.provisioning;
  const names = { byServicePrincipalId: () => 'northwind.com' };
  const unknown = new UnknownValues();
  const out: Observed[] = [];
  for (let from = 0; from < log.count; from += PAGE) {
    const page: ProvisioningObjectSummary[] = [];
    for (let i = from; i < Math.min(log.count, from + PAGE); i++) page.push(log.eventAt(i));
    const parsed = JSON.parse(JSON.stringify(page)) as ProvisioningObjectSummary[];
    for (const event of parsed) {
      const {
        ModifiedProperties: _m,
        ProvisioningSteps: _p,
        ...row
      } = toProvisioningRecord(scenario.tenantId, event, names, unknown);
      out.push(row);
    }
  }
  return out;
}

interface Observers {
  readonly tracker: ObjectStatusTracker;
  readonly tally: ProvisioningTally;
  readonly touches: ProvisionedTouches;
}

interface Round {
  readonly trackerMs: number;
  readonly tallyMs: number;
  readonly touchesMs: number;
  readonly totalMs: number;
  readonly retainedMb: number;
}

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1000;
};

/**
 * One repetition: new observers fed every batch; `retainedMb` is the heap they hold after a forced GC
 * (the heap with them, less the heap once they are dropped). `after` sees them before they go.
 */
async function round(
  batches: readonly string[],
  store: FileStateStore,
  tenantId: string,
  trackMax: number,
  after: (observers: Observers) => Promise<void>,
): Promise<Round> {
  const limits = { ...defaultAlertSettings.syncErrors, trackMaxPerJob: trackMax };
  const tracker = await ObjectStatusTracker.load(store, tenantId, limits, START);
  const tally = new ProvisioningTally();
  const touches = new ProvisionedTouches();
  gc?.();
  let trackerMs = 0;
  let tallyMs = 0;
  let touchesMs = 0;
  for (const text of batches) {
    // Parsed here, as the collector parses each page, and not timed: the observers are.
    const rows = JSON.parse(text) as Observed[];
    let at = process.cpuUsage();
    // Exactly the three calls of collect() in src/app/monitorRun.ts, each timed.
    tracker.record(rows);
    trackerMs += cpuMs(at);
    at = process.cpuUsage();
    tally.add(rows);
    tallyMs += cpuMs(at);
    at = process.cpuUsage();
    touches.add(rows);
    touchesMs += cpuMs(at);
  }
  const totalMs = trackerMs + tallyMs + touchesMs;
  gc?.();
  const withObservers = process.memoryUsage().heapUsed;
  await after({ tracker, tally, touches });
  return dropped(() => {
    gc?.();
    const retainedMb = (withObservers - process.memoryUsage().heapUsed) / 1e6;
    return { trackerMs, tallyMs, touchesMs, totalMs, retainedMb };
  });
}

/** Runs `measure` from a fresh frame, once the caller's locals are out of reach. */
const dropped = <T>(measure: () => T): Promise<T> =>
  new Promise((resolve) => setImmediate(() => resolve(measure())));

/** Sets and Maps as sorted arrays: a stable text of everything the observers hold. */
function stable(value: unknown): unknown {
  if (value instanceof Map) return [...(value as Map<unknown, unknown>)].map(([k, v]) => [k, stable(v)]);
  if (value instanceof Set) return [...(value as Set<unknown>)];
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, stable(v)]),
    );
  return value;
}

/**
 * A rival run's state, stored after this run loaded: the first objects of the records fail in it, an
 * hour before the run. The save loses its race and replays the run's events onto it.
 */
function rivalState(rows: readonly Observed[]): ObjectStatusState {
  const state: ObjectStatusState = { version: 1, since: START.toISOString(), jobs: {} };
  const early = new Date(START.getTime() - 3600_000).toISOString();
  for (const r of rows.slice(0, 3_000)) {
    const id = (r.SourceId ?? r.TargetId)?.toLowerCase();
    if (!r.JobId || !id) continue;
    const job = (state.jobs[jobKey(r.JobId)] ??= {
      jobId: r.JobId,
      servicePrincipalId: r.ServicePrincipalId,
      configurationName: null,
      failing: {},
      more: {},
      cleared: {},
      codes: { Rival: { category: 'Other', description: null, recommendedAction: null } },
      stagedDeletes: [],
      deletes: [],
    });
    job.failing[id] = { n: 'rival', t: 'User', a: 'Update', c: 'Rival', f: early, l: early };
  }
  return state;
}

/** An object's latest event as the digest reads it: its time, and what failed when it failed. */
const outcomeOf = (o: ObjectOutcome | string): unknown =>
  typeof o === 'string' ? [o] : [o.at, o.code, o.category, o.name];

async function digest(
  observers: Observers,
  store: FileStateStore,
  tenantId: string,
  rival: ObjectStatusState,
) {
  const key = { tenantId, name: OBJECT_STATUS_KEY };
  const hash = createHash('sha256');
  hash.update(JSON.stringify(stable(observers.tracker.snapshot().state)));
  const tally = observers.tally
    .byJob()
    .map((job) => ({ ...job, lastByObject: [...job.lastByObject].map(([k, o]) => [k, outcomeOf(o)]) }));
  hash.update(JSON.stringify(stable(tally)));
  hash.update(String(observers.tally.eventCount));
  hash.update(JSON.stringify(stable(observers.touches.byObject)));
  await store.write(key, rival, { unconditional: true });
  const now = new Date(START.getTime() + 25 * 3600_000);
  const issues = await observers.tracker.save(store, { now, provisioningRead: true });
  const saved = await store.read(key);
  hash.update(JSON.stringify(stable(saved?.value)));
  hash.update(JSON.stringify(issues));
  await store.delete(key);
  return hash.digest('hex');
}

/**
 * The records as text, batch by batch, parsed as they are fed: 200,000 records held as objects would
 * make every GC of the observers' work walk them, where a run holds one page at a time.
 */
async function load(events: number, batch: number) {
  const rows = await cachedRecords(events);
  const batches: string[] = [];
  for (let i = 0; i < rows.length; i += batch) batches.push(JSON.stringify(rows.slice(i, i + batch)));
  return { batches, rival: rivalState(rows), count: rows.length };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '200000' },
      batch: { type: 'string', default: '2000' },
      reps: { type: 'string', default: '3' },
      'track-max': { type: 'string', default: String(defaultAlertSettings.syncErrors.trackMaxPerJob) },
      reverse: { type: 'boolean', default: false },
      digest: { type: 'boolean', default: false },
    },
  });
  const events = Number(values.events);
  const batch = Number(values.batch);
  const reps = Number(values.reps);
  const trackMax = Number(values['track-max']);
  if (!gc) console.warn('no --expose-gc: retained heap is not measured after a full GC');
  const { batches, rival, count } = await load(events, batch);
  if (values.reverse) batches.reverse();
  const dir = await mkdtemp(path.join(tmpdir(), 'csm-observe-'));
  const store = new FileStateStore(dir);
  const tenantId = syntheticScenario({ start: START, events: 0 }).tenantId;
  try {
    const rounds: Round[] = [];
    for (let rep = 0; rep < reps; rep++) {
      const r = await round(batches, store, tenantId, trackMax, async (observers) => {
        if (values.digest && rep === reps - 1) {
          console.log(`digest ${await digest(observers, store, tenantId, rival)}`);
        }
      });
      rounds.push(r);
      console.log(
        `rep ${rep + 1}: ${r.totalMs.toFixed(0)} ms CPU (tracker ${r.trackerMs.toFixed(0)}, tally ${r.tallyMs.toFixed(0)}, touches ${r.touchesMs.toFixed(0)}), retained ${r.retainedMb.toFixed(1)} MB`,
      );
    }
    const m = (pick: (r: Round) => number) => median(rounds.map(pick));
    console.log(
      JSON.stringify({
        events: count,
        batch,
        cpuMs: Math.round(m((r) => r.totalMs)),
        trackerMs: Math.round(m((r) => r.trackerMs)),
        tallyMs: Math.round(m((r) => r.tallyMs)),
        touchesMs: Math.round(m((r) => r.touchesMs)),
        retainedMb: Number(m((r) => r.retainedMb).toFixed(1)),
      }),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
