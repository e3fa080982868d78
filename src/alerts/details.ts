import type { ErrorCategory } from '../collect/errorCategory.js';
import type { AlertKind } from './model.js';

/**
 * What `details` holds for each alert kind: the contract between the rules (src/rules/*) that fill it
 * and the renderers and digest that show it. JSON only. Every string that comes from the directory or
 * from Graph error text (display names, descriptions, messages) is attacker-controllable: the rules cap
 * its length, the renderers must still escape it.
 *
 * Times are ISO 8601 strings; `null` means Graph did not say.
 */

/** The job an alert is about (sync-errors, deletion-threshold, job-quarantined, sync-stalled, job-failing). */
export interface JobRef {
  readonly servicePrincipalId: string | null;
  /** The configuration, usually the AD domain (the service principal's display name). */
  readonly configurationName: string | null;
  /** The job id as the jobs API shows it (provisioning events carry a longer id with this prefix). */
  readonly jobId: string;
  /** AD2AADProvisioning, AD2AADPasswordHash, AAD2ADGroupProvisioning, AAD2ADExchangeHybridWriteback. */
  readonly templateId: string | null;
  /** Graph's status.troubleshootingUrl when it gave one. */
  readonly troubleshootingUrl: string | null;
}

/* ------------------------------------------------------------------ sync-errors */

export interface FailingObjectDetail {
  /** Source (AD) object id. */
  readonly sourceId: string;
  /** Source display name (else the target's); capped. Directory data. */
  readonly displayName: string | null;
  /** User, Group, ... */
  readonly objectType: string | null;
  /** Create, Update, Delete, Disable, StagedDelete, Other: what the failing event tried. */
  readonly action: string | null;
  /** First failure of the current streak (the object has failed in every event since). */
  readonly failingSince: string;
  /** The latest failed event. */
  readonly lastFailedAt: string;
}

export interface SyncErrorGroupDetail {
  /** ResultSignature of the failing events; 'Unknown' when Graph gave none. */
  readonly errorCode: string;
  readonly errorCategory: ErrorCategory;
  /** Failing objects with this code, listed or not (includes objects beyond the tracking cap). */
  readonly objectCount: number;
  /** One example ResultDescription for this code (capped). Directory data. */
  readonly description: string | null;
  /** One example RecommendedAction for this code (capped). */
  readonly recommendedAction: string | null;
  /** Listed objects, oldest failure first, capped. */
  readonly objects: readonly FailingObjectDetail[];
  /** objectCount - objects.length: "and N more". */
  readonly moreObjects: number;
}

export interface SyncErrorsDetails {
  readonly job: JobRef;
  /** Objects whose latest provisioning event failed. */
  readonly failingObjects: number;
  /** Of those, beyond the per-job tracking cap: counted by error code, not listed by name. */
  readonly untrackedObjects: number;
  /** Severity is critical when failingObjects is above this (SYNC_ERRORS_CRITICAL_COUNT). */
  readonly criticalAbove: number;
  /** Failing objects per category (only categories with objects), largest first. */
  readonly categories: readonly { readonly errorCategory: ErrorCategory; readonly objectCount: number }[];
  /** Grouped by (errorCategory, errorCode), most objects first. */
  readonly groups: readonly SyncErrorGroupDetail[];
  readonly oldestFailure: string;
  readonly newestFailure: string;
}

/* ------------------------------------------------------------------ quarantine (both kinds) */

/** Quarantined jobs are disabled about four weeks after the quarantine series began. */
export interface DisableCountdown {
  /** seriesBegan + QUARANTINE_DISABLE_DAYS; null when Graph gave no seriesBegan. */
  readonly expectedAt: string | null;
  /** Whole days left (0 on the last day, negative when overdue); null when unknown. */
  readonly daysLeft: number | null;
  /** The reminder stage reached (e.g. 7 or 1 with the default QUARANTINE_REMIND_DAYS_LEFT); null before the first. */
  readonly remindStage: number | null;
}

export interface QuarantineFacts {
  readonly reason: string | null;
  /** status.quarantine.currentBegan. */
  readonly quarantineSince: string | null;
  readonly seriesBegan: string | null;
  readonly nextAttempt: string | null;
  /** quarantine.error.code, else the last execution's error code. */
  readonly errorCode: string | null;
  /** The last execution's error message (capped). */
  readonly errorMessage: string | null;
  readonly disable: DisableCountdown;
}

/* ------------------------------------------------------------------ deletion-threshold */

export interface StagedDeleteFacts {
  /** StagedDelete events of the largest cycle around the trip (retries re-stage the same objects, so not summed). */
  readonly count: number;
  /** All StagedDelete events seen for the job in the quarantine window, over every cycle. */
  readonly events: number;
  /** Cycles with StagedDelete events in the window. */
  readonly cycles: number;
  readonly firstAt: string | null;
  readonly lastAt: string | null;
  /** false when the provisioning log could not be read completely this run: the count may still grow. */
  readonly complete: boolean;
}

export interface DeletionThresholdDetails {
  readonly job: JobRef;
  readonly quarantine: QuarantineFacts;
  /** QuarantineTooManyDeletesThreshold of the job (Graph default 500 when not set); null when unknown. */
  readonly threshold: number | null;
  readonly stagedDeletes: StagedDeleteFacts;
  /** How to let the deletions through. */
  readonly allow: {
    /** Portal: the configuration's status shows "Delete threshold exceeded" with "Allow deletes". */
    readonly portalAction: 'Allow deletes';
    /** Graph: POST {path} with body {criteria: {resetScope: 'ForceDeletes'}}. */
    readonly restart: {
      readonly method: 'POST';
      readonly path: string;
      readonly body: { readonly criteria: { readonly resetScope: 'ForceDeletes' } };
    };
  };
  /** How to reject them: fix the cause in AD or the scoping (e.g. an OU moved out of scope), then "Restart sync". */
  readonly reject: { readonly portalAction: 'Restart sync'; readonly restartPath: string };
}

/* ------------------------------------------------------------------ job-quarantined */

export interface JobQuarantinedDetails {
  readonly job: JobRef;
  readonly quarantine: QuarantineFacts;
  readonly statusCode: string | null;
}

/* ------------------------------------------------------------------ agent-offline */

export interface AgentGroupHealth {
  readonly id: string;
  readonly displayName: string | null;
  /** Machine names of the group's agents that are active now. */
  readonly activeAgents: readonly string[];
  /** All agents of the group the monitor knows. */
  readonly agents: number;
}

/** From the agents API (delegated tokens) or heartbeats: one alert per agent machine. */
export interface AgentOfflineAgentDetails {
  readonly scope: 'agent';
  readonly agentId: string;
  readonly machineName: string | null;
  readonly externalIp: string | null;
  /** active / inactive / raw value as last reported. */
  readonly status: string | null;
  /** Where the evidence came from. */
  readonly sources: readonly ('graph' | 'heartbeat')[];
  /** Last time any source saw it active (agents API or heartbeat); null: never seen active. */
  readonly lastSeenActive: string | null;
  readonly offlineMinutes: number;
  readonly thresholdMinutes: number;
  readonly groups: readonly AgentGroupHealth[];
  /** True (critical): no agent of its group(s) is active, so sync of that domain has stopped. False: HA degraded. */
  readonly noActiveAgent: boolean;
  /** From heartbeats only. */
  readonly agentVersion: string | null;
  /** From heartbeats only: state of the agent's Windows services as the host reported them. */
  readonly serviceStates: unknown;
}

/** Without the agents API (app-only): the jobs of a configuration say that no agent answers. */
export interface AgentOfflineConfigurationDetails {
  readonly scope: 'configuration';
  readonly servicePrincipalId: string;
  readonly configurationName: string | null;
  /** HybridIdentityServiceNoActiveAgents, HybridIdentityServiceNoAgentsAssigned, HybridIdentityServiceAgentSignalingError. */
  readonly errorCodes: readonly string[];
  readonly jobs: readonly {
    readonly jobId: string;
    readonly templateId: string | null;
    readonly statusCode: string | null;
    readonly errorCode: string;
    readonly errorMessage: string | null;
    readonly lastExecutionEnded: string | null;
    readonly lastSuccessfulExecutionEnded: string | null;
  }[];
}

export type AgentOfflineDetails = AgentOfflineAgentDetails | AgentOfflineConfigurationDetails;

/* ------------------------------------------------------------------ sync-stalled */

export interface SyncStalledDetails {
  readonly job: JobRef;
  /** `not-completing`: Active but no successful cycle for too long; `paused`: paused (or schedule disabled) for too long. */
  readonly mode: 'not-completing' | 'paused';
  readonly statusCode: string | null;
  readonly scheduleState: string | null;
  /** ISO 8601 duration, e.g. PT2M. */
  readonly scheduleInterval: string | null;
  readonly lastSuccessfulExecutionEnded: string | null;
  readonly lastExecutionEnded: string | null;
  readonly lastExecutionState: string | null;
  readonly lastErrorCode: string | null;
  /** How long: since the last successful cycle (not-completing) or since paused (paused). */
  readonly minutes: number;
  /** The threshold applied: max(SYNC_STALLED_MINUTES, 3 schedule intervals), or PAUSED_ALERT_HOURS * 60. */
  readonly thresholdMinutes: number;
}

/* ------------------------------------------------------------------ job-failing */

export interface JobFailingDetails {
  readonly job: JobRef;
  readonly lastExecutionState: string | null;
  readonly lastErrorCode: string | null;
  /** Capped. */
  readonly lastErrorMessage: string | null;
  readonly successiveFailures: number | null;
  readonly lastExecutionEnded: string | null;
  readonly lastSuccessfulExecutionEnded: string | null;
  /** JOB_FAILING_MIN_FAILURES. */
  readonly threshold: number;
}

/* ------------------------------------------------------------------ monitor-degraded */

/** `notify`: notifications could not be delivered (kept and retried); `state` includes the alert book. */
export type MonitorSignal = 'jobs' | 'agents' | 'provisioning' | 'sink' | 'state' | 'notify';

export interface MonitorDegradedDetails {
  readonly signal: MonitorSignal;
  readonly consecutiveRuns: number;
  /** Start of the first failed run of the streak. */
  readonly failingSince: string;
  /** MONITOR_DEGRADED_RUNS. */
  readonly thresholdRuns: number;
  readonly lastErrorCode: string;
  /** Capped. */
  readonly lastErrorMessage: string;
  /** The issues of the latest failed run for this signal (at most 5). */
  readonly issues: readonly { readonly code: string; readonly message: string; readonly target?: string }[];
}

/* ------------------------------------------------------------------ by kind */

export interface AlertDetailsByKind {
  'sync-errors': SyncErrorsDetails;
  'deletion-threshold': DeletionThresholdDetails;
  'job-quarantined': JobQuarantinedDetails;
  'agent-offline': AgentOfflineDetails;
  'sync-stalled': SyncStalledDetails;
  'job-failing': JobFailingDetails;
  'monitor-degraded': MonitorDegradedDetails;
}

/**
 * The details of an alert as its kind's type. The rules are the only writers, so this is a typed view,
 * not a validation: renderers should still treat missing fields gracefully (older stored alerts).
 */
export function detailsOf<K extends AlertKind>(alert: {
  readonly kind: K;
  readonly details: Readonly<Record<string, unknown>>;
}): AlertDetailsByKind[K] {
  return alert.details as unknown as AlertDetailsByKind[K];
}

/** For rules: a details object typed as its kind's shape, stored as the model's JSON record. */
export function asDetails<K extends AlertKind>(
  _kind: K,
  details: AlertDetailsByKind[K],
): Readonly<Record<string, unknown>> {
  return details as unknown as Readonly<Record<string, unknown>>;
}
