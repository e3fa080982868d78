import type { CloudSyncConfiguration } from './cloudSyncConfiguration.js';
import { cloudSyncSystems } from './cloudSyncConfiguration.js';
import { indexedGroup, type DirectoryObject } from './directoryObjects.js';
import { objectError, type ObjectErrorKind } from './errorCatalog.js';
import type { ProvisioningResult } from './graphTypes.js';
import { guidFrom } from './ids.js';
import type { ExecutionCounts, JobTimeline } from './jobTimeline.js';
import type { LoggedEvent } from './materializedLog.js';
import { modifiedPropertiesFor, skipReasonFor } from './objectChanges.js';
import { hash32, intBetween, pickWeighted, seededRandom, type Random } from './prng.js';
import type { EventAction } from './provisioningEvent.js';

/**
 * The provisioning events of one Cloud Sync configuration, cycle by cycle: routine changes, objects that
 * keep failing until someone fixes them, one-off failures retried later, and bulk cycles (staged
 * deletes). Cycles that do not run (quarantine) or fail quickly (no agent, Entra busy) emit nothing,
 * which is what a stalled sync looks like in the logs. Per-cycle counts are recorded for the job status.
 */
export interface PersistentFailure {
  readonly object: DirectoryObject;
  readonly error: ObjectErrorKind;
  readonly action: 'create' | 'update';
  readonly fromMs: number;
  readonly toMs: number;
}

/** A one-off item planned for a cycle (day-specific extras). */
export interface PlannedItem {
  readonly action: EventAction;
  readonly result: ProvisioningResult;
  readonly object: DirectoryObject;
  readonly error?: ObjectErrorKind;
  readonly initiatedByUser?: { readonly id: string; readonly displayName: string };
  /** Emit a successful retry of the same change this many cycles later. */
  readonly retryAfterCycles?: number;
}

export interface ConfigurationActivity {
  readonly config: CloudSyncConfiguration;
  readonly timeline: JobTimeline;
  readonly logJobId: string;
  readonly firstCycle: number;
  readonly cycleCount: number;
  /** Users in scope at an instant (the pool shrinks after bulk deletes). */
  usersInScope(atMs: number): number;
  userAt(index: number): DirectoryObject;
  readonly groups: number;
  /** Weights of how many routine events a cycle has. */
  readonly eventsPerCycle: readonly (readonly [number, number])[];
  readonly persistentFailures: readonly PersistentFailure[];
  /** Extras by cycle index; a bulk entry replaces the routine events of its cycle. */
  readonly planned: ReadonlyMap<number, { readonly items: readonly PlannedItem[]; readonly bulk?: boolean }>;
  entryCountAt(atMs: number): number;
}

export interface GeneratedActivity {
  readonly events: LoggedEvent[];
  readonly counts: Map<number, ExecutionCounts>;
}

/** Failing objects are retried every 5th cycle (10 minutes), each on its own phase. */
const RETRY_EVERY_CYCLES = 5;

function routineItems(activity: ConfigurationActivity, cycle: number, random: Random): PlannedItem[] {
  const items: PlannedItem[] = [];
  const start = activity.timeline.startMs(cycle);
  const count = pickWeighted(random(), activity.eventsPerCycle);
  for (let i = 0; i < count; i++) {
    const kind = pickWeighted(random(), [
      ['update', 62],
      ['create', 8],
      ['skip', 16],
      ['disable', 3],
      ['delete', 3],
      ['group', 8],
    ] as const);
    const user = activity.userAt(Math.floor(random() * activity.usersInScope(start)));
    switch (kind) {
      case 'skip':
        items.push({ action: 'other', result: 'skipped', object: user });
        break;
      case 'group':
        items.push({
          action: 'update',
          result: 'success',
          object: indexedGroup(activity.config.domain, Math.floor(random() * activity.groups)),
        });
        break;
      case 'create':
        // A new hire: someone beyond the existing pool.
        items.push({ action: 'create', result: 'success', object: activity.userAt(5_000 + cycle * 8 + i) });
        break;
      default:
        items.push({ action: kind, result: 'success', object: user });
    }
  }
  return items;
}

/** Event times inside a cycle: spread evenly for bulk cycles, random (but distinct and ordered) otherwise. */
function placeInCycle(startMs: number, endMs: number, count: number, random: Random): number[] {
  const span = Math.max(count, endMs - startMs - 2_000);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    times.push(startMs + 1_000 + (count > 20 ? Math.floor((i * span) / count) : Math.floor(random() * span)));
  }
  times.sort((a, b) => a - b);
  for (let i = 1; i < times.length; i++) {
    const previous = times[i - 1] ?? 0;
    if ((times[i] ?? 0) <= previous) times[i] = previous + 1;
  }
  return times;
}

export function generateActivity(activity: ConfigurationActivity): GeneratedActivity {
  const { config, timeline } = activity;
  const systems = cloudSyncSystems(config);
  const events: LoggedEvent[] = [];
  const counts = new Map<number, ExecutionCounts>();
  const fixed = new Set<PersistentFailure>();
  let retries: { dueCycle: number; item: PlannedItem }[] = [];

  for (let cycle = activity.firstCycle; cycle < activity.firstCycle + activity.cycleCount; cycle++) {
    if (!timeline.doesWork(cycle)) continue;
    const start = timeline.startMs(cycle);
    const random = seededRandom(hash32(config.domain, 'cycle', cycle));
    const planned = activity.planned.get(cycle);
    const items: PlannedItem[] = planned?.bulk ? [...planned.items] : routineItems(activity, cycle, random);
    if (!planned?.bulk) {
      items.push(...(planned?.items ?? []));
      for (const failure of activity.persistentFailures) {
        const phase = hash32(failure.object.displayName) % RETRY_EVERY_CYCLES;
        if (start >= failure.fromMs && start < failure.toMs) {
          if ((cycle + phase) % RETRY_EVERY_CYCLES === 0) {
            items.push({
              action: failure.action,
              result: 'failure',
              object: failure.object,
              error: failure.error,
            });
          }
        } else if (start >= failure.toMs && !fixed.has(failure)) {
          fixed.add(failure);
          items.push({ action: failure.action, result: 'success', object: failure.object });
        }
      }
      const due = retries.filter((retry) => retry.dueCycle <= cycle);
      retries = retries.filter((retry) => retry.dueCycle > cycle);
      items.push(...due.map((retry) => retry.item));
    }
    for (const item of items) {
      if (item.retryAfterCycles !== undefined) {
        retries.push({
          dueCycle: cycle + item.retryAfterCycles,
          item: { action: item.action, result: 'success', object: item.object },
        });
      }
    }

    const times = placeInCycle(start, timeline.endMs(cycle), items.length, random);
    items.forEach((item, index) => {
      const id = guidFrom(config.tenantId, activity.logJobId, 'event', cycle, index);
      events.push({
        id,
        timeMs: times[index] ?? start,
        tenantId: config.tenantId,
        jobId: activity.logJobId,
        cycleId: timeline.cycleId(cycle),
        changeId: guidFrom(id, 'change'),
        durationMs:
          item.action === 'stagedDelete' ? intBetween(random(), 20, 90) : intBetween(random(), 180, 3_800),
        servicePrincipal: { id: config.servicePrincipalId, displayName: config.domain },
        sourceSystem: systems.source,
        targetSystem: systems.target,
        action: item.action,
        result: item.result,
        object: item.object,
        error: item.error ? objectError(item.error, item.object) : null,
        modifiedProperties: modifiedPropertiesFor(item.action, item.object, random),
        ...(item.result === 'skipped' && item.action === 'other'
          ? { skipReason: skipReasonFor(random()) }
          : {}),
        ...(item.initiatedByUser ? { initiatedByUser: item.initiatedByUser } : {}),
      });
    });

    const exported = items.filter(
      (item) => (item.result === 'success' || item.result === 'warning') && item.action !== 'other',
    ).length;
    counts.set(cycle, {
      imported: items.length,
      exported,
      escrowed: activeFailures(activity, start),
      entitled: activity.entryCountAt(start),
    });
  }
  return { events, counts };
}

/** How many objects are failing (in escrow) at an instant. */
export function activeFailures(activity: ConfigurationActivity, atMs: number): number {
  return activity.persistentFailures.filter((failure) => atMs >= failure.fromMs && atMs < failure.toMs)
    .length;
}
