import { cloudSyncSystems, type CloudSyncConfiguration } from './cloudSyncConfiguration.js';
import { indexedGroup, indexedUser, type DirectoryObject } from './directoryObjects.js';
import { objectError, type ObjectErrorKind } from './errorCatalog.js';
import type { ProvisioningResult } from './graphTypes.js';
import { guidFrom } from './ids.js';
import { ingestionLatencyMs } from './ingestionLatency.js';
import type { JobTimeline } from './jobTimeline.js';
import { modifiedPropertiesFor, skipReasonFor } from './objectChanges.js';
import { hash32, hashUnit, intBetween, pickOne, pickWeighted, seededRandom } from './prng.js';
import { buildProvisioningEvent, type EventAction } from './provisioningEvent.js';
import type { ProvisioningLog } from './scenario.js';

/**
 * A provisioning log of any size computed from the event index alone: nothing is materialised, so a
 * 200,000-event benchmark costs the same memory as a 200-event test. Event i lies in the i-th of N
 * equal slots of the span, so times strictly increase with the index and the index is the log order.
 */
export interface SyntheticLogOptions {
  readonly config: CloudSyncConfiguration;
  readonly timeline: JobTimeline;
  readonly logJobId: string;
  readonly startMs: number;
  readonly spanMs: number;
  readonly events: number;
  /** How long after its activity time event `index` shows up; default a few minutes (ingestionLatency). */
  readonly latencyMs?: (index: number, id: string) => number;
}

/** A few dozen objects that fail again and again, each always with the same error (as in real tenants). */
const PROBLEM_OBJECTS = 40;
const PROBLEM_ERRORS: readonly ObjectErrorKind[] = [
  'duplicateProxyAddress',
  'duplicateUserPrincipalName',
  'invalidSoftMatch',
  'invalidMail',
  'largeUserCertificate',
  'federatedDomainChange',
  'internalError',
];

const RECENT_IDS = 4_096;

type Kind = 'update' | 'create' | 'skip' | 'failure' | 'warning' | 'delete' | 'disable' | 'group';
const KINDS: readonly (readonly [Kind, number])[] = [
  ['update', 60],
  ['create', 8],
  ['skip', 14],
  ['failure', 8],
  ['warning', 1],
  ['delete', 3],
  ['disable', 2],
  ['group', 4],
];

export function syntheticLog(options: SyntheticLogOptions): ProvisioningLog {
  const { config, timeline, events, spanMs, startMs } = options;
  if (!Number.isSafeInteger(events) || events < 0)
    throw new RangeError('events must be a non-negative integer');
  if (spanMs < events) throw new RangeError('spanMs must allow at least one millisecond per event');
  const systems = cloudSyncSystems(config);
  const seed = `${config.tenantId}|synthetic`;

  const slotStart = (index: number): number => Math.floor((index * spanMs) / events);
  const timeAt = (index: number): number => {
    const width = slotStart(index + 1) - slotStart(index);
    return startMs + slotStart(index) + Math.floor(hashUnit(seed, 'jitter', index) * width);
  };
  // The pager asks for the key, the visibility and the event of the same index in quick succession:
  // a small ring of recent ids saves recomputing the hash (constant memory whatever the log size).
  const recentIds: ({ index: number; id: string } | undefined)[] = new Array<undefined>(RECENT_IDS);
  const idAt = (index: number): string => {
    const slot = index % RECENT_IDS;
    const cached = recentIds[slot];
    if (cached?.index === index) return cached.id;
    const id = guidFrom(seed, 'event', index);
    recentIds[slot] = { index, id };
    return id;
  };
  const check = (index: number): void => {
    if (!Number.isInteger(index) || index < 0 || index >= events) {
      throw new RangeError(`provisioning event index ${index} out of range`);
    }
  };

  return {
    count: events,
    keyAt(index) {
      check(index);
      return { timeMs: timeAt(index), id: idAt(index) };
    },
    visibleAtMs(index) {
      check(index);
      const id = idAt(index);
      return timeAt(index) + (options.latencyMs ? options.latencyMs(index, id) : ingestionLatencyMs(id));
    },
    eventAt(index) {
      check(index);
      const random = seededRandom(hash32(seed, 'content', index));
      const kind = pickWeighted(random(), KINDS);
      let object: DirectoryObject = indexedUser(config.domain, Math.floor(random() * 20_000));
      let action: EventAction = 'update';
      let result: ProvisioningResult = 'success';
      let error: ObjectErrorKind | undefined;
      switch (kind) {
        case 'create':
          action = 'create';
          object = indexedUser(config.domain, 20_000 + index);
          break;
        case 'skip':
          action = 'other';
          result = 'skipped';
          break;
        case 'failure': {
          const problem = Math.floor(random() * PROBLEM_OBJECTS);
          object = indexedUser(config.domain, 30_000 + problem);
          error = pickOne(problem / PROBLEM_OBJECTS, PROBLEM_ERRORS);
          action = error === 'invalidSoftMatch' || error === 'invalidMail' ? 'create' : 'update';
          result = 'failure';
          break;
        }
        case 'warning':
          result = 'warning';
          error = 'quarantinedProxyAddress';
          break;
        case 'delete':
        case 'disable':
          action = kind;
          break;
        case 'group':
          object = indexedGroup(config.domain, Math.floor(random() * 400));
          break;
        default:
          break;
      }
      const timeMs = timeAt(index);
      const id = idAt(index);
      return buildProvisioningEvent({
        id,
        timeMs,
        ordinal: index,
        tenantId: config.tenantId,
        jobId: options.logJobId,
        cycleId: timeline.cycleId(timeline.cycleAt(timeMs)),
        changeId: guidFrom(id, 'change'),
        durationMs: intBetween(random(), 150, 4_000),
        servicePrincipal: { id: config.servicePrincipalId, displayName: config.domain },
        sourceSystem: systems.source,
        targetSystem: systems.target,
        action,
        result,
        object,
        error: error ? objectError(error, object) : null,
        modifiedProperties: modifiedPropertiesFor(action, object, random),
        ...(result === 'skipped' ? { skipReason: skipReasonFor(random()) } : {}),
      });
    },
  };
}
