import { z } from 'zod';
import { dateTime, int64, nullish, text } from './common.js';

/*
 * synchronizationJob and its parts (Graph v1.0, identical in beta). Enumerations are plain strings:
 * Graph adds values over time (quarantine reasons went from 5 to 8), and an unknown value must be
 * recorded by the collector, never fail the run.
 */

export const synchronizationError = z.object({
  code: text,
  message: text,
  tenantActionable: nullish(z.boolean()),
});

export const synchronizationTaskExecution = z.object({
  activityIdentifier: text,
  countEntitled: int64,
  countEntitledForProvisioning: int64,
  countEscrowed: int64,
  countEscrowedRaw: int64,
  countExported: int64,
  countExports: int64,
  countImported: int64,
  countImportedDeltas: int64,
  countImportedReferenceDeltas: int64,
  error: nullish(synchronizationError),
  state: text,
  timeBegan: dateTime,
  timeEnded: dateTime,
});

export const synchronizationQuarantine = z.object({
  currentBegan: dateTime,
  nextAttempt: dateTime,
  reason: text,
  seriesBegan: dateTime,
  seriesCount: int64,
  error: nullish(synchronizationError),
});

export const synchronizationStatus = z.object({
  code: text,
  countSuccessiveCompleteFailures: int64,
  escrowsPruned: nullish(z.boolean()),
  lastExecution: nullish(synchronizationTaskExecution),
  lastSuccessfulExecution: nullish(synchronizationTaskExecution),
  lastSuccessfulExecutionWithExports: nullish(synchronizationTaskExecution),
  quarantine: nullish(synchronizationQuarantine),
  steadyStateFirstAchievedTime: dateTime,
  steadyStateLastAchievedTime: dateTime,
  troubleshootingUrl: text,
});

export const synchronizationSchedule = z.object({
  expiration: dateTime,
  interval: text,
  state: text,
});

const keyValuePair = z.object({ name: z.string(), value: z.string().nullish() });

export const synchronizationJob = z.object({
  id: z.string().min(1),
  templateId: text,
  schedule: nullish(synchronizationSchedule),
  status: nullish(synchronizationStatus),
  synchronizationJobSettings: nullish(z.array(keyValuePair)),
});

export type SynchronizationJob = z.infer<typeof synchronizationJob>;
export type SynchronizationStatus = z.infer<typeof synchronizationStatus>;
