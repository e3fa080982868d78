import { z } from 'zod';
import type { AlertKind } from './alertModel.js';
import { ERROR_CATEGORIES } from './errorCategory.js';

/**
 * What `details` holds for each alert kind: the contract between the rules (src/rules/*) that fill it
 * and the renderers and digest that show it, as zod schemas, so a reader checks instead of trusting:
 * details come back from stored state, possibly written by an older version. Every string that comes
 * from the directory or from Graph error text (display names, descriptions, messages) is
 * attacker-controllable: the rules cap its length, the renderers must still escape it.
 *
 * Times are ISO 8601 strings; `null` means Graph did not say.
 */

const text = z.string().nullable();
const time = z.string().nullable();
const count = z.number();

/** The job an alert is about (sync-errors, deletion-threshold, job-quarantined, sync-stalled, job-failing). */
export const jobRefSchema = z.object({
  servicePrincipalId: text,
  /** The configuration, usually the AD domain (the service principal's display name). */
  configurationName: text,
  /** The job id as the jobs API shows it (provisioning events carry a longer id with this prefix). */
  jobId: z.string(),
  /** e.g. AD2AADProvisioning (src/domain/jobTemplates.ts). */
  templateId: text,
  /** Graph's status.troubleshootingUrl when it gave one. */
  troubleshootingUrl: text,
});
export type JobRef = z.infer<typeof jobRefSchema>;

/* ------------------------------------------------------------------ sync-errors */

export const failingObjectDetailSchema = z.object({
  /** Source (AD) object id. */
  sourceId: z.string(),
  /** Source display name (else the target's); capped. Directory data. */
  displayName: text,
  /** User, Group, ... */
  objectType: text,
  /** Create, Update, Delete, Disable, StagedDelete, Other: what the failing event tried. */
  action: text,
  /** First failure of the current streak (the object has failed in every event since). */
  failingSince: z.string(),
  /** The latest failed event. */
  lastFailedAt: z.string(),
});
export type FailingObjectDetail = z.infer<typeof failingObjectDetailSchema>;

const errorCategory = z.enum(ERROR_CATEGORIES);

export const syncErrorGroupDetailSchema = z.object({
  /** ResultSignature of the failing events; 'Unknown' when Graph gave none. */
  errorCode: z.string(),
  errorCategory,
  /** Failing objects with this code, listed or not (includes objects beyond the tracking cap). */
  objectCount: count,
  /** One example ResultDescription for this code (capped). Directory data. */
  description: text,
  /** One example RecommendedAction for this code (capped). */
  recommendedAction: text,
  /** Listed objects, oldest failure first, capped. */
  objects: z.array(failingObjectDetailSchema),
  /** objectCount - objects.length: "and N more". */
  moreObjects: count,
});
export type SyncErrorGroupDetail = z.infer<typeof syncErrorGroupDetailSchema>;

export const syncErrorsDetailsSchema = z.object({
  job: jobRefSchema,
  /** Objects whose latest provisioning event failed. */
  failingObjects: count,
  /** Of those, beyond the per-job tracking cap: counted by error code, not listed by name. */
  untrackedObjects: count,
  /** Severity is critical when failingObjects is above this (SYNC_ERRORS_CRITICAL_COUNT). */
  criticalAbove: count,
  /** Failing objects per category (only categories with objects), largest first. */
  categories: z.array(z.object({ errorCategory, objectCount: count })),
  /** Grouped by (errorCategory, errorCode), most objects first; at most 25 (src/rules/syncErrors.ts). */
  groups: z.array(syncErrorGroupDetailSchema),
  /** The error codes beyond the listed groups, and their objects: counted, not listed. */
  otherCodes: z.object({ codes: count, objects: count }).optional(),
  oldestFailure: z.string(),
  newestFailure: z.string(),
});
export type SyncErrorsDetails = z.infer<typeof syncErrorsDetailsSchema>;

/* ------------------------------------------------------------------ quarantine (both kinds) */

/** Quarantined jobs are disabled about four weeks after the quarantine series began. */
export const disableCountdownSchema = z.object({
  /** seriesBegan + QUARANTINE_DISABLE_DAYS; null when Graph gave no seriesBegan. */
  expectedAt: time,
  /** Whole days left (0 on the last day, negative when overdue); null when unknown. */
  daysLeft: count.nullable(),
  /** The reminder stage reached (e.g. 7 or 1 with the default QUARANTINE_REMIND_DAYS_LEFT); null before the first. */
  remindStage: count.nullable(),
});
export type DisableCountdown = z.infer<typeof disableCountdownSchema>;

export const quarantineFactsSchema = z.object({
  reason: text,
  /** status.quarantine.currentBegan. */
  quarantineSince: time,
  seriesBegan: time,
  nextAttempt: time,
  /** quarantine.error.code, else the last execution's error code. */
  errorCode: text,
  /** The last execution's error message (capped). */
  errorMessage: text,
  disable: disableCountdownSchema,
});
export type QuarantineFacts = z.infer<typeof quarantineFactsSchema>;

/* ------------------------------------------------------------------ deletion-threshold */

export const stagedDeleteFactsSchema = z.object({
  /** StagedDelete events of the largest cycle around the trip (retries re-stage the same objects, so not summed). */
  count,
  /** All StagedDelete events seen for the job in the quarantine window, over every cycle. */
  events: count,
  /** Cycles with StagedDelete events in the window. */
  cycles: count,
  firstAt: time,
  lastAt: time,
  /** false when the provisioning log could not be read completely this run: the count may still grow. */
  complete: z.boolean(),
});
export type StagedDeleteFacts = z.infer<typeof stagedDeleteFactsSchema>;

export const deletionThresholdDetailsSchema = z.object({
  job: jobRefSchema,
  quarantine: quarantineFactsSchema,
  /** QuarantineTooManyDeletesThreshold of the job (Graph default 500 when not set); null when unknown. */
  threshold: count.nullable(),
  stagedDeletes: stagedDeleteFactsSchema,
  /** How to let the deletions through. */
  allow: z.object({
    /** Portal: the configuration's status shows "Delete threshold exceeded" with "Allow deletes". */
    portalAction: z.literal('Allow deletes'),
    /** Graph: POST {path} with body {criteria: {resetScope: 'ForceDeletes'}}. */
    restart: z.object({
      method: z.literal('POST'),
      path: z.string(),
      body: z.object({ criteria: z.object({ resetScope: z.literal('ForceDeletes') }) }),
    }),
  }),
  /** How to reject them: fix the cause in AD or the scoping (e.g. an OU moved out of scope), then "Restart sync". */
  reject: z.object({ portalAction: z.literal('Restart sync'), restartPath: z.string() }),
});
export type DeletionThresholdDetails = z.infer<typeof deletionThresholdDetailsSchema>;

/**
 * How a deletion-threshold trip ended (AlertResolution.details of a resolved deletion-threshold alert):
 * `allowed` when the job deleted objects after the trip (someone allowed the deletes: ForceDeletes),
 * `rejected` when it ran on without deleting them (the cause was fixed and sync restarted).
 */
export const deletionOutcomeSchema = z.object({
  outcome: z.enum(['allowed', 'rejected']),
  /** Successful Delete events of the job after the trip. */
  deleted: count,
  /** How many were held when the trip ended. */
  held: count,
  firstDeleteAt: time,
  lastDeleteAt: time,
  /** Where the deletes happen: Entra ID for AD to Entra ID jobs, Active Directory for the writeback jobs. */
  target: z.enum(['Entra ID', 'Active Directory']),
  /** false: the log was still being written when the wait ended; the count may be low. */
  complete: z.boolean(),
});
export type DeletionOutcome = z.infer<typeof deletionOutcomeSchema>;

/* ------------------------------------------------------------------ job-quarantined */

export const jobQuarantinedDetailsSchema = z.object({
  job: jobRefSchema,
  quarantine: quarantineFactsSchema,
  statusCode: text,
});
export type JobQuarantinedDetails = z.infer<typeof jobQuarantinedDetailsSchema>;

/* ------------------------------------------------------------------ initial-sync-paused */

/**
 * Paused with status.escrowsPruned: the initial sync reached the error threshold that would have
 * quarantined the job, so the service cleared (pruned) the object errors, finished the initial sync and
 * paused the job until someone cleans up the errors and starts it again.
 */
export const initialSyncPausedDetailsSchema = z.object({
  job: jobRefSchema,
  statusCode: text,
  /** When the last cycle (the end of the initial sync) ended: about when the job paused. */
  lastExecutionEnded: time,
  lastExecutionState: text,
  lastErrorCode: text,
  /** Escrowed (failing) entries the last execution still counted; the pruned ones are not in it. */
  countEscrowed: count.nullable(),
  /** Graph: POST {path} (no body) starts the paused job again, once the errors are fixed. */
  startPath: z.string(),
});
export type InitialSyncPausedDetails = z.infer<typeof initialSyncPausedDetailsSchema>;

/* ------------------------------------------------------------------ agent-offline */

export const agentGroupHealthSchema = z.object({
  id: z.string(),
  displayName: text,
  /** Machine names of the group's agents that are active now. */
  activeAgents: z.array(z.string()),
  /** All agents of the group the monitor knows. */
  agents: count,
});
export type AgentGroupHealth = z.infer<typeof agentGroupHealthSchema>;

/** From the agents API (delegated tokens) or heartbeats: one alert per agent machine. */
export const agentOfflineAgentDetailsSchema = z.object({
  scope: z.literal('agent'),
  agentId: z.string(),
  machineName: text,
  externalIp: text,
  /** active / inactive / raw value as last reported. */
  status: text,
  /** Where the evidence came from. */
  sources: z.array(z.enum(['graph', 'heartbeat'])),
  /** Last time any source saw it active (agents API or heartbeat); null: never seen active. */
  lastSeenActive: time,
  offlineMinutes: count,
  thresholdMinutes: count,
  groups: z.array(agentGroupHealthSchema),
  /** True (critical): no agent of its group(s) is active, so sync of that domain has stopped. False: HA degraded. */
  noActiveAgent: z.boolean(),
  /** From heartbeats only. */
  agentVersion: text,
  /** From heartbeats only: state of the agent's Windows services as the host reported them. */
  serviceStates: z.unknown(),
});
export type AgentOfflineAgentDetails = z.infer<typeof agentOfflineAgentDetailsSchema>;

/** Without the agents API (app-only): the jobs of a configuration say that no agent answers. */
export const agentOfflineConfigurationDetailsSchema = z.object({
  scope: z.literal('configuration'),
  servicePrincipalId: z.string(),
  configurationName: text,
  /** The no-agent codes (src/domain/noAgentCodes.ts) the jobs report. */
  errorCodes: z.array(z.string()),
  jobs: z.array(
    z.object({
      jobId: z.string(),
      templateId: text,
      statusCode: text,
      errorCode: z.string(),
      errorMessage: text,
      lastExecutionEnded: time,
      lastSuccessfulExecutionEnded: time,
    }),
  ),
  /**
   * The configuration's agents that are offline, as the agents API or heartbeats tell (one outage is
   * one alert: these are its evidence next to the jobs' codes). Absent in alerts stored before.
   */
  offlineAgents: z
    .array(
      z.object({
        agentId: z.string(),
        machineName: text,
        sources: z.array(z.enum(['graph', 'heartbeat'])),
        lastSeenActive: time,
        offlineMinutes: count,
        agentVersion: text,
      }),
    )
    .optional(),
});
export type AgentOfflineConfigurationDetails = z.infer<typeof agentOfflineConfigurationDetailsSchema>;

export const agentOfflineDetailsSchema = z.discriminatedUnion('scope', [
  agentOfflineAgentDetailsSchema,
  agentOfflineConfigurationDetailsSchema,
]);
export type AgentOfflineDetails = z.infer<typeof agentOfflineDetailsSchema>;

/* ------------------------------------------------------------------ sync-stalled */

export const syncStalledDetailsSchema = z.object({
  job: jobRefSchema,
  /**
   * `not-completing`: Active but no successful cycle for too long; `paused`: paused (or schedule disabled)
   * for too long; `canary-failing`: the job status looks healthy, but its canary object provisioned on
   * demand failed or did not round-trip within the stall window (src/canary).
   */
  mode: z.enum(['not-completing', 'paused', 'canary-failing']),
  statusCode: text,
  scheduleState: text,
  /** ISO 8601 duration, e.g. PT2M. */
  scheduleInterval: text,
  lastSuccessfulExecutionEnded: time,
  lastExecutionEnded: time,
  lastExecutionState: text,
  lastErrorCode: text,
  /** How long: since the last successful cycle (not-completing) or since paused (paused). */
  minutes: count,
  /** The threshold applied: max(SYNC_STALLED_MINUTES, 3 schedule intervals), or PAUSED_ALERT_HOURS * 60. */
  thresholdMinutes: count,
  /** What the job's latest canary attempt saw, when it is evidence of the stall. */
  canary: z
    .object({
      at: z.string(),
      outcome: z.string(),
      /** The canary object's distinguished name (directory data: capped, escaped by the renderers). */
      objectId: text,
      errorCode: text,
      failedStep: text,
      roundTripMs: count,
    })
    .nullable()
    .optional(),
});
export type SyncStalledDetails = z.infer<typeof syncStalledDetailsSchema>;

/* ------------------------------------------------------------------ job-failing */

export const jobFailingDetailsSchema = z.object({
  job: jobRefSchema,
  lastExecutionState: text,
  lastErrorCode: text,
  /** Capped. */
  lastErrorMessage: text,
  successiveFailures: count.nullable(),
  lastExecutionEnded: time,
  lastSuccessfulExecutionEnded: time,
  /** JOB_FAILING_MIN_FAILURES. */
  threshold: count,
});
export type JobFailingDetails = z.infer<typeof jobFailingDetailsSchema>;

/* ------------------------------------------------------------------ monitor-degraded */

/** `notify`: notifications could not be delivered (kept and retried); `state` includes the alert book. */
export const MONITOR_SIGNALS = [
  'jobs',
  'agents',
  'provisioning',
  'sink',
  'state',
  'notify',
  'coverage',
] as const;
export type MonitorSignal = (typeof MONITOR_SIGNALS)[number];

export const monitorDegradedDetailsSchema = z.object({
  signal: z.enum(MONITOR_SIGNALS),
  consecutiveRuns: count,
  /** Start of the first failed run of the streak. */
  failingSince: z.string(),
  /** MONITOR_DEGRADED_RUNS. */
  thresholdRuns: count,
  lastErrorCode: z.string(),
  /** Capped. */
  lastErrorMessage: z.string(),
  /** The issues of the latest failed run for this signal (at most 5). */
  issues: z.array(z.object({ code: z.string(), message: z.string(), target: z.string().optional() })),
});
export type MonitorDegradedDetails = z.infer<typeof monitorDegradedDetailsSchema>;

/* ------------------------------------------------------------------ notification-failing */

export const notificationFailingDetailsSchema = z.object({
  /** The failing channel (email, teams, or receiver/channel with ALERT_ROUTES). */
  channel: z.string(),
  failingSince: z.string(),
  /** auth (401/403), client-error (404/410), expired (retried for NOTIFY_PENDING_MAX_HOURS), ... */
  reason: z.string().optional(),
  lastStatus: z.number().int().optional(),
  /** Secret-free, capped. */
  lastError: z.string().optional(),
  lastDeliveredAt: z.string().optional(),
});
export type NotificationFailingDetails = z.infer<typeof notificationFailingDetailsSchema>;

/* ------------------------------------------------------------------ coverage-gap */

/** One object that claims on-premises sync but no Cloud Sync configuration has provisioned. */
export const coverageGapExampleSchema = z.object({
  /** Entra object id. */
  objectId: z.string(),
  /** user, group or contact. */
  objectType: z.string(),
  /** Capped. Directory data. */
  displayName: text,
});

/** Gap objects of one domain and OU. */
export const coverageGapGroupSchema = z.object({
  /** onPremisesDomainName (contacts have none: null). Directory data. */
  domain: text,
  /** The OU from onPremisesDistinguishedName (the DN without its first RDN); null when Graph has none. */
  organizationalUnit: text,
  /** The configuration whose name is this domain, when there is one (else no configuration covers it). */
  configurationName: text,
  objectCount: count,
  /** A few of them (capped). */
  examples: z.array(coverageGapExampleSchema),
});
export type CoverageGapGroup = z.infer<typeof coverageGapGroupSchema>;

/** Connect Sync still exporting while Cloud Sync provisions: running both on the same objects is unsupported. */
export const coexistenceSchema = z.object({
  /** The organization's onPremisesLastSyncDateTime (recent: an engine exported lately). */
  organizationLastSyncAt: z.string(),
  /** Connect Sync's directory synchronization accounts (Sync_<server>_<id>@...). Directory data, capped. */
  syncAccounts: z.array(z.string()),
  /** Objects Cloud Sync provisioned in the same window. */
  cloudSyncObjects: count,
});
export type Coexistence = z.infer<typeof coexistenceSchema>;

export const coverageGapDetailsSchema = z.object({
  /** Objects Entra says are synced from on-premises (onPremisesSyncEnabled), users, groups and contacts. */
  syncedObjects: count,
  /** Of those, provisioned by a Cloud Sync configuration since the monitor watches. */
  coveredObjects: count,
  /** Past the grace period and not provisioned by any configuration. */
  gapObjects: count,
  /** COVERAGE_GRACE_DAYS: an object counts as a gap this long after its configuration's first full cycle. */
  graceDays: count,
  /** By domain and OU, most objects first (capped; the rest are in gapObjects and the table). */
  groups: z.array(coverageGapGroupSchema),
  /** Set when Connect Sync still exports too. */
  coexistence: coexistenceSchema.nullable(),
});
export type CoverageGapDetails = z.infer<typeof coverageGapDetailsSchema>;

/* ------------------------------------------------------------------ by kind */

export const ALERT_DETAILS_SCHEMAS = {
  'sync-errors': syncErrorsDetailsSchema,
  'deletion-threshold': deletionThresholdDetailsSchema,
  'job-quarantined': jobQuarantinedDetailsSchema,
  'initial-sync-paused': initialSyncPausedDetailsSchema,
  'agent-offline': agentOfflineDetailsSchema,
  'sync-stalled': syncStalledDetailsSchema,
  'job-failing': jobFailingDetailsSchema,
  'monitor-degraded': monitorDegradedDetailsSchema,
  'notification-failing': notificationFailingDetailsSchema,
  'coverage-gap': coverageGapDetailsSchema,
} as const satisfies Record<AlertKind, z.ZodType>;

export type AlertDetailsByKind = { [K in AlertKind]: z.infer<(typeof ALERT_DETAILS_SCHEMAS)[K]> };

/** Kind and details together: the discriminated union a reader narrows on `kind`. */
export const kindDetailsSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('sync-errors'), details: syncErrorsDetailsSchema }),
  z.object({ kind: z.literal('deletion-threshold'), details: deletionThresholdDetailsSchema }),
  z.object({ kind: z.literal('job-quarantined'), details: jobQuarantinedDetailsSchema }),
  z.object({ kind: z.literal('initial-sync-paused'), details: initialSyncPausedDetailsSchema }),
  z.object({ kind: z.literal('agent-offline'), details: agentOfflineDetailsSchema }),
  z.object({ kind: z.literal('sync-stalled'), details: syncStalledDetailsSchema }),
  z.object({ kind: z.literal('job-failing'), details: jobFailingDetailsSchema }),
  z.object({ kind: z.literal('monitor-degraded'), details: monitorDegradedDetailsSchema }),
  z.object({ kind: z.literal('notification-failing'), details: notificationFailingDetailsSchema }),
  z.object({ kind: z.literal('coverage-gap'), details: coverageGapDetailsSchema }),
]);
export type KindDetails = z.infer<typeof kindDetailsSchema>;

/** The details of kind K: what a renderer of that kind reads. */
export type DetailsOf<K extends AlertKind> = AlertDetailsByKind[K];

type DetailsParsers = { readonly [K in AlertKind]: (value: unknown) => AlertDetailsByKind[K] | undefined };

const parseWith =
  <T>(schema: z.ZodType<T>) =>
  (value: unknown): T | undefined => {
    const parsed = schema.safeParse(value);
    return parsed.success ? parsed.data : undefined;
  };

const PARSERS: DetailsParsers = {
  'sync-errors': parseWith(syncErrorsDetailsSchema),
  'deletion-threshold': parseWith(deletionThresholdDetailsSchema),
  'job-quarantined': parseWith(jobQuarantinedDetailsSchema),
  'initial-sync-paused': parseWith(initialSyncPausedDetailsSchema),
  'agent-offline': parseWith(agentOfflineDetailsSchema),
  'sync-stalled': parseWith(syncStalledDetailsSchema),
  'job-failing': parseWith(jobFailingDetailsSchema),
  'monitor-degraded': parseWith(monitorDegradedDetailsSchema),
  'notification-failing': parseWith(notificationFailingDetailsSchema),
  'coverage-gap': parseWith(coverageGapDetailsSchema),
};

/**
 * An alert's details checked against its kind's schema; undefined when they do not fit (a stored
 * alert from an older version, a damaged value): the renderers then fall back to the summary.
 */
export function detailsOf<K extends AlertKind>(
  kind: K,
  alert: { readonly kind: AlertKind; readonly details: Readonly<Record<string, unknown>> },
): DetailsOf<K> | undefined {
  if (alert.kind !== kind) return undefined;
  const parse = PARSERS[kind];
  return parse(alert.details);
}

/** For rules: a details object checked at compile time against its kind's shape, stored as JSON. */
export function asDetails<K extends AlertKind>(
  _kind: K,
  details: DetailsOf<K>,
): Readonly<Record<string, unknown>> {
  return details;
}
