import type { Alert, AlertKind, Severity, Transition, TransitionKind } from '../../src/domain/alertModel.js';
import { buildDigestModel } from '../../src/digest/buildModel.js';
import type { DigestModel } from '../../src/domain/digestModel.js';
import { readRollups } from '../../src/digest/rollup.js';
import type { StateStore } from '../../src/state/store.js';
import type { ProvisioningRecord } from '../../src/tables/definitions.js';
import {
  CONTOSO,
  DAY,
  FABRIKAM,
  HOUR,
  JOBS,
  MINUTE,
  TENANT,
  event,
  healthyRun,
  iso,
  recordDay,
  type RunSpec,
} from './fixtures.js';

/** The days the digest tests record, modelled on the demo day (src/demo/demoDayTimeline.ts). */

export const DAY_START = new Date('2026-11-22T00:00:00Z');
export const PREVIOUS_DAY = new Date(DAY_START.getTime() - DAY);
export const WINDOW_END = new Date(DAY_START.getTime() + DAY);
export const INTERVAL = 10 * MINUTE;

export async function modelOf(store: StateStore, windowEnd = WINDOW_END): Promise<DigestModel> {
  const [window, previous] = await Promise.all([
    readRollups(store, TENANT, new Date(windowEnd.getTime() - DAY), windowEnd),
    readRollups(store, TENANT, new Date(windowEnd.getTime() - 2 * DAY), new Date(windowEnd.getTime() - DAY)),
  ]);
  return buildDigestModel({
    tenantId: TENANT,
    windowEnd,
    hours: window.hours,
    previousDay: previous.hours,
    expectedRunIntervalMs: INTERVAL,
  });
}

export const greenDay = (store: StateStore, dayStart = DAY_START) =>
  recordDay(store, dayStart, (at) => healthyRun(at), INTERVAL);

/** A healthy day the monitor did not fully see: no run 03:00-04:30, failed runs 10:00-10:30. */
export const gapDay = (store: StateStore, dayStart = DAY_START) =>
  recordDay(
    store,
    dayStart,
    (at, offset) => {
      if (offset >= 3 * HOUR && offset < 4.5 * HOUR) return null;
      if (offset >= 10 * HOUR && offset < 10.5 * HOUR)
        return { outcome: 'failed', errorCode: 'Unauthorized' };
      return healthyRun(at);
    },
    INTERVAL,
  );

export function transition(
  kind: AlertKind,
  severity: Severity,
  kindOfTransition: TransitionKind,
  at: string,
  subject: {
    configurationName?: string;
    jobId?: string;
    templateId?: string;
    machineName?: string;
    agentId?: string;
  },
  summary: string,
  /** When the condition began (an alert keeps it to its resolution); default `at`. */
  since = at,
): Transition {
  const alert: Alert = {
    id: `${kind}:${subject.jobId ?? subject.agentId ?? 'tenant'}`,
    kind,
    subject: { tenantId: TENANT, ...subject },
    severity,
    summary,
    since,
    materialKey: summary,
    details: {},
    state: kindOfTransition === 'resolved' ? 'resolved' : 'open',
    openedAt: at,
    lastChangedAt: at,
    lastNotifiedAt: at,
  };
  return { transition: kindOfTransition, at, alert };
}

const fab = JOBS.fabrikamProvisioning;
const phs = JOBS.contosoPasswordHash;

/** fabrikam.local's provisioning job from 09:02 on: quarantined by the accidental-deletion threshold. */
export function deletionTripStatus(dayStart: Date) {
  const seriesBegan = iso(dayStart, 9, 2);
  return {
    status: 'Quarantine',
    quarantineReason: 'TooManyDeletes',
    quarantineSince: seriesBegan,
    seriesBegan,
    lastExecutionState: 'Failed',
    lastErrorCode: 'TooManyDeletes',
    lastSuccess: iso(dayStart, 9, 0),
  } as const;
}

/**
 * The bad day: fabrikam.local trips the accidental-deletion threshold at 09:00 (600 StagedDelete) and is
 * still quarantined at the end of the day; contoso.com password hash sync has been quarantined for 20
 * days; CSYNC02 is inactive 05:00-07:00 while CSYNC01 carries on; Megan Bowen fails all day with a
 * duplicate UPN; Adele Vance fails until 10:40. `names` replaces the display names (hostile-name tests).
 */
export function badDay(
  store: StateStore,
  options: { dayStart?: Date; names?: { megan?: string; adele?: string } } = {},
) {
  const dayStart = options.dayStart ?? DAY_START;
  const megan = options.names?.megan ?? 'Megan Bowen';
  const adele = options.names?.adele ?? 'Adele Vance';
  return recordDay(
    store,
    dayStart,
    (at, offset): RunSpec => {
      const tripped = offset >= 9 * HOUR;
      const run = healthyRun(
        at,
        {
          fabrikamProvisioning: tripped ? deletionTripStatus(dayStart) : {},
          contosoPasswordHash: phsQuarantine(dayStart),
        },
        { csync02: offset >= 5 * HOUR && offset < 7 * HOUR ? 'inactive' : 'active' },
      );
      const events: ProvisioningRecord[] = [...(run.events ?? [])];
      if (offset % HOUR < INTERVAL) {
        // Retried once an hour, like escrowed entries.
        events.push(
          event(at, {
            job: 'contosoProvisioning',
            result: 'Failure',
            code: 'AzureDirectoryServiceAttributeValueMustBeUnique',
            category: 'DuplicateAttribute',
            objectId: 'megan',
            name: megan,
          }),
        );
        events.push(
          event(at, {
            job: 'contosoProvisioning',
            result: offset < 10 * HOUR + 40 * MINUTE ? 'Failure' : 'Success',
            code: offset < 10 * HOUR + 40 * MINUTE ? 'AzureDirectoryServiceAttributeValueMustBeUnique' : null,
            category: offset < 10 * HOUR + 40 * MINUTE ? 'DuplicateAttribute' : null,
            objectId: 'adele',
            name: adele,
          }),
        );
      }
      if (offset >= 9 * HOUR && offset < 9 * HOUR + INTERVAL) {
        // The cycle that stages 600 deletes; Graph's casing varies (`stageddelete`).
        for (let i = 0; i < 600; i++)
          events.push(
            event(at, {
              job: 'fabrikamProvisioning',
              action: i % 2 ? 'StagedDelete' : 'stageddelete',
              result: 'Skipped',
              cycle: 'cycle-trip',
            }),
          );
      }
      const transitions: Transition[] = [];
      if (offset >= 9 * HOUR && offset < 9 * HOUR + INTERVAL)
        transitions.push(
          transition(
            'deletion-threshold',
            'critical',
            'new',
            at.toISOString(),
            { configurationName: FABRIKAM.name, jobId: fab.jobId, templateId: fab.templateId },
            '600 deletions staged on fabrikam.local',
          ),
        );
      if (offset >= 5 * HOUR && offset < 5 * HOUR + INTERVAL)
        transitions.push(
          transition(
            'agent-offline',
            'warning',
            'new',
            at.toISOString(),
            { machineName: 'CSYNC02.contoso.com', agentId: 'csync02' },
            'CSYNC02.contoso.com inactive',
          ),
        );
      if (offset >= 7 * HOUR && offset < 7 * HOUR + INTERVAL)
        transitions.push(
          transition(
            'agent-offline',
            'warning',
            'resolved',
            at.toISOString(),
            { machineName: 'CSYNC02.contoso.com', agentId: 'csync02' },
            'CSYNC02.contoso.com inactive',
          ),
        );
      if (offset < INTERVAL)
        transitions.push(
          transition(
            'job-quarantined',
            'critical',
            'repeat',
            at.toISOString(),
            { configurationName: CONTOSO.name, jobId: phs.jobId, templateId: phs.templateId },
            'contoso.com password hash sync quarantined',
          ),
        );
      return { ...run, events, transitions };
    },
    INTERVAL,
  );
}

const phsQuarantine = (dayStart: Date) => {
  const since = new Date(dayStart.getTime() - 20 * DAY).toISOString();
  return {
    status: 'Quarantine',
    quarantineReason: 'EncounteredQuarantineException',
    quarantineSince: since,
    seriesBegan: since,
    lastExecutionState: 'Failed',
    lastErrorCode: 'AzureActiveDirectoryInvalidCredential',
    lastSuccess: since,
  };
};

/**
 * The day before the bad day: password hash sync already quarantined (and reminded of), Megan Bowen
 * starts failing at 20:00 and a sync-errors alert opens for it.
 */
export function dayBeforeBadDay(store: StateStore) {
  return recordDay(
    store,
    PREVIOUS_DAY,
    (at, offset) => {
      const run = healthyRun(at, { contosoPasswordHash: phsQuarantine(DAY_START) });
      const transitions: Transition[] = [];
      const events = [...(run.events ?? [])];
      if (offset < INTERVAL)
        transitions.push(
          transition(
            'job-quarantined',
            'critical',
            'repeat',
            at.toISOString(),
            { configurationName: CONTOSO.name, jobId: phs.jobId, templateId: phs.templateId },
            'contoso.com password hash sync quarantined',
          ),
        );
      if (offset >= 20 * HOUR && offset % HOUR < INTERVAL)
        events.push(
          event(at, {
            job: 'contosoProvisioning',
            result: 'Failure',
            code: 'AzureDirectoryServiceAttributeValueMustBeUnique',
            category: 'DuplicateAttribute',
            objectId: 'megan',
            name: 'Megan Bowen',
          }),
        );
      if (offset >= 20 * HOUR && offset < 20 * HOUR + INTERVAL)
        transitions.push(
          transition(
            'sync-errors',
            'warning',
            'new',
            at.toISOString(),
            {
              configurationName: CONTOSO.name,
              jobId: JOBS.contosoProvisioning.jobId,
              templateId: 'AD2AADProvisioning',
            },
            '1 object failing on contoso.com',
          ),
        );
      return { ...run, events, transitions };
    },
    INTERVAL,
  );
}
