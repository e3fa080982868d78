import { z } from 'zod';
import { deletionOutcomeSchema } from '../domain/alertDetails.js';
import { upgradeJobSpan } from './legacyJobStates.js';

/**
 * One hour of what the collect runs saw, kept per tenant in the StateStore under `digest-rollup-<hour>`
 * (`digest-rollup-2026-11-22T09`). It is state read back from storage, so it is validated on the way in;
 * fields are lenient about values (an unknown status is kept as a string) but strict about shape.
 * Every list and map is capped (rollupBounds.ts) so one hour stays far below the store's value limit.
 */

export const ROLLUP_VERSION = 1;

const iso = z.string();
const nullableString = z.string().nullable();
const count = z.number().int().nonnegative();

/** A stretch of consecutive observations in the same state (a job's condition, an agent's status). */
export const spanSchema = z.object({
  state: z.string(),
  detail: nullableString,
  from: iso,
  to: iso,
  observations: count,
  /** A stall: the job's last successful cycle as it said when the span began (before `from`). */
  lastSuccess: z.string().optional(),
});
export type Span = z.infer<typeof spanSchema>;

export const runEntrySchema = z.object({
  at: iso,
  runId: z.string(),
  outcome: z.string(),
  trigger: z.string(),
  /** Signals that could not be read (RunIssue.signal of issues with severity error). */
  failedSignals: z.array(z.string()),
  errorCodes: z.array(z.string()),
  events: count,
  backlogRemaining: z.boolean(),
  agentsApi: z.string(),
});
export type RunEntry = z.infer<typeof runEntrySchema>;

export const jobSnapshotSchema = z.object({
  at: iso,
  servicePrincipalId: nullableString,
  configurationName: nullableString,
  jobId: z.string(),
  templateId: nullableString,
  statusCode: nullableString,
  quarantineReason: nullableString,
  quarantineSince: nullableString,
  quarantineSeriesBegan: nullableString,
  lastExecutionState: nullableString,
  lastExecutionEnded: nullableString,
  lastSuccessfulExecutionEnded: nullableString,
  lastErrorCode: nullableString,
  // Added with the domain job classifier (src/domain/jobCondition.ts); absent in older rollups.
  quarantineErrorCode: nullableString.default(null),
  scheduleState: nullableString.default(null),
  scheduleInterval: nullableString.default(null),
  successiveFailures: z.number().nullable(),
  // Added with initial-sync-paused; absent in older rollups.
  escrowsPruned: z.boolean().nullable().default(null),
  deleteThreshold: z.number().nullable(),
});
export type JobSnapshot = z.infer<typeof jobSnapshotSchema>;

/** Job spans hold a job condition (src/domain/jobCondition.ts); older rollups used other names. */
export const jobHourSchema = z.object({
  latest: jobSnapshotSchema,
  spans: z.array(spanSchema.transform(upgradeJobSpan)),
});
export type JobHour = z.infer<typeof jobHourSchema>;

export const agentHourSchema = z.object({
  machineName: nullableString,
  groups: z.array(z.string()),
  latestStatus: z.string(),
  latestAt: iso,
  source: z.string(),
  active: count,
  total: count,
  spans: z.array(spanSchema),
});
export type AgentHour = z.infer<typeof agentHourSchema>;

const resultCounts = z.record(z.string(), count);

export const codeHourSchema = z.object({
  category: z.string(),
  events: count,
  objects: z.array(z.string()),
  objectsOverflow: count,
  examples: z.array(z.string()),
});
export type CodeHour = z.infer<typeof codeHourSchema>;

export const provisioningHourSchema = z.object({
  servicePrincipalId: nullableString,
  configurationName: nullableString,
  byAction: z.record(z.string(), resultCounts),
  cycles: z.array(z.string()),
  cyclesOverflow: count,
  failures: z.record(z.string(), codeHourSchema),
  /**
   * Events of this hour's runs that happened before the hour (the logs' delay, Graph publishing late,
   * or a catch-up after a gap), per UTC hour of their own time; hours more than a day before this one
   * are folded into the oldest (no digest window that holds this hour starts before them). Absent in
   * older rollups and when every event was of the hour itself.
   */
  earlier: z.object({ byEventHour: z.record(z.string(), count), oldest: iso }).optional(),
});
export type ProvisioningHour = z.infer<typeof provisioningHourSchema>;

export const failingObjectSchema = z.object({
  name: z.string(),
  code: z.string(),
  category: z.string(),
  since: iso,
  lastAt: iso,
});
export type FailingObject = z.infer<typeof failingObjectSchema>;

/** Objects whose latest event failed, as of the end of the hour: carried from hour to hour. */
export const failingJobSchema = z.object({
  objects: z.record(z.string(), failingObjectSchema),
  /** Failing objects beyond the cap, not itemised. */
  overflow: count,
});
export type FailingJob = z.infer<typeof failingJobSchema>;

export const transitionEntrySchema = z.object({
  at: iso,
  alertId: z.string(),
  kind: z.string(),
  severity: z.string(),
  transition: z.string(),
  summary: z.string(),
  /** When the condition began by the evidence (the alert's since): a resolved line says how long it lasted. */
  since: iso.optional(),
  configurationName: z.string().optional(),
  jobId: z.string().optional(),
  templateId: z.string().optional(),
  machineName: z.string().optional(),
  agentId: z.string().optional(),
  /** A resolve that waited for its outcome: when the condition was first seen gone (before `at`). */
  clearedAt: iso.optional(),
  /** The silence (or maintenance window) that made this transition record-only. */
  silencedBy: z.string().optional(),
  /**
   * A resolved deletion trip: how it ended, as its RESOLVED message told it (the exact Delete events
   * after the trip), so the digest's line carries the message's number, not an hour-grained count.
   */
  deletion: deletionOutcomeSchema
    .pick({ outcome: true, deleted: true, target: true, complete: true })
    .optional(),
});
export type TransitionEntry = z.infer<typeof transitionEntrySchema>;

export const hourRollupSchema = z.object({
  version: z.literal(ROLLUP_VERSION),
  tenantId: z.string(),
  /** Start of the UTC hour, ISO 8601. */
  hour: iso,
  configurations: z.array(z.object({ servicePrincipalId: z.string(), name: z.string() })),
  runs: z.array(runEntrySchema),
  /** Keyed by the job id as the jobs API lists it. */
  jobs: z.record(z.string(), jobHourSchema),
  agents: z.record(z.string(), agentHourSchema),
  /** Keyed by the listed job id when an event's job matched one, else by the event's own job id. */
  provisioning: z.record(z.string(), provisioningHourSchema),
  failing: z.record(z.string(), failingJobSchema),
  transitions: z.array(transitionEntrySchema),
  /**
   * Job alerts open after the hour's last run, by job key (src/domain/jobId.ts): the rules' verdicts
   * that one job snapshot cannot show (stalled, failing), carried from hour to hour.
   */
  openJobAlerts: z.record(z.string(), z.array(z.string())).optional(),
  /** What the caps dropped, so the digest can say "at least". */
  truncated: z.array(z.string()),
});
export type HourRollup = z.infer<typeof hourRollupSchema>;

export const ROLLUP_PREFIX = 'digest-rollup-';

/** The digest reports on the 24 whole hours before it is sent (runDigest.ts, buildModel.ts). */
export const DIGEST_WINDOW_MS = 24 * 3600_000;

/** `2026-11-22T09` for any instant in that UTC hour. */
export function hourLabel(at: Date): string {
  return at.toISOString().slice(0, 13);
}

export function hourStart(at: Date): Date {
  return new Date(Math.floor(at.getTime() / 3600_000) * 3600_000);
}

export const rollupName = (at: Date): string => `${ROLLUP_PREFIX}${hourLabel(at)}`;

/** The hour a rollup name stands for, or undefined for a name that is not a rollup. */
export function hourOfRollupName(name: string): Date | undefined {
  if (!name.startsWith(ROLLUP_PREFIX)) return undefined;
  const label = name.slice(ROLLUP_PREFIX.length);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}$/.test(label)) return undefined;
  const at = new Date(`${label}:00:00.000Z`);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

export function emptyRollup(tenantId: string, hour: Date): HourRollup {
  return {
    version: ROLLUP_VERSION,
    tenantId,
    hour: hourStart(hour).toISOString(),
    configurations: [],
    runs: [],
    jobs: {},
    agents: {},
    provisioning: {},
    failing: {},
    transitions: [],
    truncated: [],
  };
}
