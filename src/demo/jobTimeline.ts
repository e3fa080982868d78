import { guidFrom, isoTime, NEVER } from './ids.js';
import type {
  KeyValuePair,
  SynchronizationError,
  SynchronizationJob,
  SynchronizationQuarantine,
  SynchronizationTaskExecution,
} from './graphTypes.js';

/**
 * One synchronization job through time. A job runs a cycle on a fixed grid (schedule interval PT2M for
 * Cloud Sync); incidents are windows on that grid. Every status field is derived from "which cycle last
 * completed, and how", so the status at any instant is consistent with the provisioning events the
 * scenario emits for the same cycles (same cycleId, same counts).
 */
export type JobWindow =
  | {
      /** No cycle starts inside the window; the last cycle before it failed with `error` and tripped the quarantine. */
      kind: 'quarantine';
      fromMs: number;
      toMs: number;
      reason: string;
      error: SynchronizationError;
      troubleshootingUrl?: string;
    }
  | {
      /** Every cycle starting inside the window fails quickly with `error` (agent down, service busy). */
      kind: 'failing';
      fromMs: number;
      toMs: number;
      error: SynchronizationError;
    }
  | {
      /**
       * No cycle starts inside the window: the job is Paused. `escrowsPruned`: paused by the service at
       * the end of an initial sync whose errors were pruned (status.escrowsPruned), until an admin starts it.
       */
      kind: 'paused';
      fromMs: number;
      toMs: number;
      escrowsPruned: boolean;
    };

type HoldWindow = Extract<JobWindow, { kind: 'quarantine' | 'paused' }>;

export interface ExecutionCounts {
  readonly imported: number;
  readonly exported: number;
  readonly escrowed: number;
  readonly entitled: number;
}

export interface JobTimelineOptions {
  readonly id: string;
  readonly templateId: string;
  /** Start of cycle 0; cycles with negative indexes ran before it. */
  readonly anchorMs: number;
  readonly intervalMs: number;
  /** The schedule interval as Graph shows it (ISO 8601 duration). */
  readonly interval: string;
  readonly windows: readonly JobWindow[];
  /** How long a normal cycle runs; must stay below the interval. */
  cycleDurationMs(cycle: number): number;
  /** What a cycle that did not fail did. */
  cycleCounts(cycle: number): ExecutionCounts;
  readonly settings: readonly KeyValuePair[];
  readonly steadyStateFirstAchievedMs: number;
  entryCountsAt(atMs: number): { key: string; value: number }[];
  /** The documented sample shows lastSuccessfulExecution with activityIdentifier null and timeBegan 0001-01-01. */
  readonly blankLastSuccessfulBegin?: boolean;
}

/** Retries of a quarantined job: +6 h, +12 h, +24 h, then every 24 h (application-provisioning-quarantine-status). */
const QUARANTINE_RETRY_GAPS_MS = [6, 12, 24].map((h) => h * 3600_000);
const DAY_MS = 24 * 3600_000;
/** Walking back further than this finds nothing useful (and bounds the cost of one status request). */
const MAX_LOOKBACK_CYCLES = 2_000;

export const ZERO_COUNTS: ExecutionCounts = { imported: 0, exported: 0, escrowed: 0, entitled: 0 };

export class JobTimeline {
  private lastCycleId: { cycle: number; id: string } | undefined;

  constructor(private readonly options: JobTimelineOptions) {}

  get id(): string {
    return this.options.id;
  }

  /** The cycleId of provisioning events (and the activityIdentifier of the execution) of a cycle. */
  cycleId(cycle: number): string {
    // Consecutive events mostly share a cycle: remember the last one.
    if (this.lastCycleId?.cycle !== cycle) {
      this.lastCycleId = { cycle, id: guidFrom(this.options.id, 'cycle', cycle) };
    }
    return this.lastCycleId.id;
  }

  startMs(cycle: number): number {
    return this.options.anchorMs + cycle * this.options.intervalMs;
  }

  /** The cycle whose grid slot contains `ms` (it may not run). */
  cycleAt(ms: number): number {
    return Math.floor((ms - this.options.anchorMs) / this.options.intervalMs);
  }

  quarantineAt(ms: number): Extract<JobWindow, { kind: 'quarantine' }> | undefined {
    for (const window of this.options.windows) {
      if (window.kind === 'quarantine' && ms >= window.fromMs && ms < window.toMs) return window;
    }
    return undefined;
  }

  pausedAt(ms: number): Extract<JobWindow, { kind: 'paused' }> | undefined {
    for (const window of this.options.windows) {
      if (window.kind === 'paused' && ms >= window.fromMs && ms < window.toMs) return window;
    }
    return undefined;
  }

  /** A window in which no cycle starts (quarantine or pause). */
  private holdAt(ms: number): HoldWindow | undefined {
    return this.quarantineAt(ms) ?? this.pausedAt(ms);
  }

  runs(cycle: number): boolean {
    return this.holdAt(this.startMs(cycle)) === undefined;
  }

  /** The error a running cycle fails with, or undefined when it succeeds. */
  failure(cycle: number): SynchronizationError | undefined {
    const start = this.startMs(cycle);
    const next = this.startMs(cycle + 1);
    for (const window of this.options.windows) {
      if (window.kind === 'failing' && start >= window.fromMs && start < window.toMs) return window.error;
      if (window.kind === 'quarantine' && start < window.fromMs && window.fromMs <= next) return window.error;
    }
    return undefined;
  }

  /** True for the cycle that trips a quarantine (it keeps its normal work, e.g. the staged deletes). */
  tripsQuarantine(cycle: number): boolean {
    const start = this.startMs(cycle);
    const next = this.startMs(cycle + 1);
    return this.options.windows.some((w) => w.kind === 'quarantine' && start < w.fromMs && w.fromMs <= next);
  }

  /** True when the cycle runs and is not one of the quick failures, i.e. it can emit provisioning events. */
  doesWork(cycle: number): boolean {
    return this.runs(cycle) && (this.failure(cycle) === undefined || this.tripsQuarantine(cycle));
  }

  endMs(cycle: number): number {
    const start = this.startMs(cycle);
    if (this.failure(cycle) !== undefined && !this.tripsQuarantine(cycle)) {
      // Failing cycles give up quickly (no agent answers, the directory is busy).
      return start + 3_000 + (Math.abs(cycle * 7919) % 5_000);
    }
    const natural = start + this.options.cycleDurationMs(cycle);
    const quarantine = this.options.windows.find(
      (w) => w.kind === 'quarantine' && start < w.fromMs && w.fromMs <= this.startMs(cycle + 1),
    );
    return quarantine ? Math.min(natural, quarantine.fromMs) : natural;
  }

  /** The running cycle before `cycle`, jumping over quarantine and pause windows. */
  private previousRunning(cycle: number): number {
    let previous = cycle - 1;
    const hold = this.holdAt(this.startMs(previous));
    if (hold) previous = this.cycleAt(hold.fromMs - 1);
    return previous;
  }

  /** The last cycle that had completed at `atMs`. */
  lastCompletedCycle(atMs: number): number {
    let cycle = this.cycleAt(atMs);
    const hold = this.holdAt(this.startMs(cycle));
    if (hold) cycle = this.cycleAt(hold.fromMs - 1);
    while (this.endMs(cycle) > atMs) cycle = this.previousRunning(cycle);
    return cycle;
  }

  private execution(cycle: number): SynchronizationTaskExecution {
    const error = this.failure(cycle) ?? null;
    const counts = error && !this.tripsQuarantine(cycle) ? ZERO_COUNTS : this.options.cycleCounts(cycle);
    const state = error ? 'Failed' : counts.escrowed > 0 ? 'EntryLevelErrors' : 'Succeeded';
    return {
      activityIdentifier: this.cycleId(cycle),
      countEntitled: counts.entitled,
      countEntitledForProvisioning: counts.entitled,
      countEscrowed: counts.escrowed,
      countEscrowedRaw: counts.escrowed,
      countExported: counts.exported,
      countExports: counts.exported,
      countImported: counts.imported,
      countImportedDeltas: counts.imported,
      countImportedReferenceDeltas: 0,
      error,
      state,
      timeBegan: isoTime(this.startMs(cycle)),
      timeEnded: isoTime(this.endMs(cycle)),
    };
  }

  private quarantineStatus(atMs: number): SynchronizationQuarantine | null {
    const window = this.quarantineAt(atMs);
    if (!window) return null;
    let attempt = window.fromMs;
    let seriesCount = 1;
    for (let i = 0; ; i++) {
      attempt += QUARANTINE_RETRY_GAPS_MS[i] ?? DAY_MS;
      if (attempt > atMs) break;
      seriesCount++;
    }
    return {
      currentBegan: isoTime(window.fromMs),
      nextAttempt: isoTime(attempt),
      reason: window.reason,
      seriesBegan: isoTime(window.fromMs),
      seriesCount,
      error: window.error,
    };
  }

  jobAt(at: Date): SynchronizationJob {
    const atMs = at.getTime();
    const last = this.lastCompletedCycle(atMs);

    let failures = 0;
    let lastSuccessful: number | undefined;
    let cycle = last;
    for (let step = 0; step < MAX_LOOKBACK_CYCLES; step++) {
      if (this.failure(cycle) === undefined) {
        lastSuccessful = cycle;
        break;
      }
      failures++;
      cycle = this.previousRunning(cycle);
    }

    let lastWithExports: number | undefined;
    cycle = lastSuccessful ?? last;
    for (let step = 0; lastSuccessful !== undefined && step < MAX_LOOKBACK_CYCLES; step++) {
      if (this.failure(cycle) === undefined && this.options.cycleCounts(cycle).exported > 0) {
        lastWithExports = cycle;
        break;
      }
      cycle = this.previousRunning(cycle);
    }

    const successful = lastSuccessful === undefined ? null : this.execution(lastSuccessful);
    if (successful && this.options.blankLastSuccessfulBegin) {
      successful.activityIdentifier = null;
      successful.timeBegan = NEVER;
    }
    const quarantine = this.quarantineStatus(atMs);
    const paused = quarantine ? undefined : this.pausedAt(atMs);
    return {
      id: this.options.id,
      templateId: this.options.templateId,
      schedule: { expiration: null, interval: this.options.interval, state: 'Active' },
      status: {
        code: quarantine ? 'Quarantine' : paused ? 'Paused' : 'Active',
        countSuccessiveCompleteFailures: failures,
        escrowsPruned: paused?.escrowsPruned ?? false,
        lastExecution: this.execution(last),
        lastSuccessfulExecution: successful,
        lastSuccessfulExecutionWithExports:
          lastWithExports === undefined ? null : this.execution(lastWithExports),
        progress: [],
        quarantine,
        steadyStateFirstAchievedTime: isoTime(this.options.steadyStateFirstAchievedMs),
        steadyStateLastAchievedTime:
          lastSuccessful === undefined ? NEVER : isoTime(this.endMs(lastSuccessful)),
        synchronizedEntryCountByType: this.options.entryCountsAt(atMs),
        troubleshootingUrl: (quarantine && this.quarantineAt(atMs)?.troubleshootingUrl) ?? '',
      },
      synchronizationJobSettings: this.options.settings.map((setting) => ({ ...setting })),
    };
  }
}
