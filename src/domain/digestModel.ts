import type { CoverageGapDetails } from './alertDetails.js';
import type { JobConditionState } from './jobCondition.js';
import type { DigestAction, DigestResult } from './digestVocabulary.js';

/**
 * The daily digest as data: everything the email, the plain text and the Teams card show, decided once
 * here so the three renderings can never disagree. Built by buildDigestModel (buildModel.ts), pure.
 *
 * Strings that come from the directory or from Graph (configuration names, machine names, object
 * display names, error codes, alert summaries) are raw here: every renderer escapes them.
 */

/** healthy: fully observed and nothing wrong. unknown: nothing wrong seen, but not fully observed. */
export type DigestLevel = 'critical' | 'degraded' | 'healthy' | 'unknown';
export type ProblemSeverity = 'critical' | 'warning';
/** One hour of a strip: `none` means not observed in that hour. */
export type CellState = 'ok' | 'warning' | 'critical' | 'none';

export interface HourCell {
  readonly hour: string;
  readonly state: CellState;
}

export interface Period {
  readonly from: string;
  /** null: still so at the end of the window. */
  readonly to: string | null;
}

export type ProblemKind =
  | 'deletion-threshold'
  | 'job-quarantined'
  | 'initial-sync-paused'
  | 'no-active-agent'
  | 'monitoring-gap'
  | 'job-stalled'
  | 'job-failing'
  | 'agent-inactive'
  | 'sync-errors'
  | 'job-paused'
  | 'job-not-running';

export interface Problem {
  /** Stable within a digest: kind + subject. */
  readonly id: string;
  readonly kind: ProblemKind;
  readonly severity: ProblemSeverity;
  /** One line naming what and where, e.g. "Accidental-deletion threshold tripped: fabrikam.local provisioning". */
  readonly title: string;
  readonly configurationName?: string;
  readonly jobLabel?: string;
  readonly machineName?: string;
  /** Still so at the end of the window. */
  readonly ongoing: boolean;
  readonly periods: readonly Period[];
  /** Plain-text fact lines, most important first. */
  readonly facts: readonly string[];
  /** What to do about it, when there is something to do. */
  readonly action?: string;
}

export interface Verdict {
  readonly level: DigestLevel;
  readonly fullyObserved: boolean;
  /** One plain-text sentence: the worst thing, or why all is well. */
  readonly headline: string;
  readonly critical: number;
  readonly warnings: number;
}

export interface QuarantineDigest {
  readonly reason: string | null;
  readonly since: string | null;
  readonly seriesBegan: string | null;
  /** seriesBegan + 28 days: Microsoft disables a job about four weeks into a quarantine series. */
  readonly disableAround: string | null;
  /** How long until then, in words ("in 6 days", "in 23 h"), or that it is due (quarantineOutlook). */
  readonly disableIn: string | null;
}

export interface CodeDigest {
  readonly code: string;
  readonly category: string;
  readonly events: number;
  readonly objects: number;
  /** True when caps dropped object ids: `objects` is a lower bound. */
  readonly objectsAtLeast: boolean;
  readonly examples: readonly string[];
}

export interface CategoryDigest {
  readonly category: string;
  readonly events: number;
  readonly objects: number;
}

export interface FailingCodeDigest {
  readonly code: string;
  readonly category: string;
  readonly objects: number;
  readonly examples: readonly { readonly name: string; readonly since: string }[];
}

/**
 * Events counted in the window that happened before it began: collected after it began (a catch-up
 * after a gap, or Graph publishing late), so no earlier digest counted them. They stay in the window's
 * totals (no event goes uncounted); the digest says how many they are and how old.
 */
export interface CollectedLate {
  readonly events: number;
  /** The oldest of them (event time). */
  readonly oldest: string;
}

export interface JobIncident {
  readonly state: JobConditionState;
  readonly detail: string | null;
  readonly severity: ProblemSeverity;
  readonly from: string;
  /** First observation after the incident (when it was seen to be over); null: still so. */
  readonly to: string | null;
  readonly observations: number;
  /**
   * A stall: when the last successful cycle ended, as the job said during it (before `from`, when the
   * alert waited for its threshold). The alert's own messages say so; the digest says the same.
   */
  readonly lastSuccess?: string;
}

export interface JobDigest {
  readonly jobId: string;
  readonly templateId: string | null;
  readonly label: string;
  readonly configurationName: string;
  readonly servicePrincipalId: string | null;
  /** Latest observation in the window; null when the job was only seen in provisioning events. */
  readonly now: {
    readonly statusCode: string | null;
    readonly state: JobConditionState;
    readonly detail: string | null;
    readonly observedAt: string;
    readonly lastExecutionState: string | null;
    readonly lastSuccessfulSync: string | null;
    readonly successiveFailures: number | null;
  } | null;
  readonly worst: CellState;
  readonly quarantine: QuarantineDigest | null;
  readonly incidents: readonly JobIncident[];
  readonly hourly: readonly HourCell[];
  /** Cycles that produced provisioning events (quiet cycles leave no trace in the logs). */
  readonly cycles: number;
  readonly events: Readonly<Record<DigestAction, Readonly<Record<DigestResult, number>>>>;
  readonly eventTotal: number;
  /** Null when none, or all within the logs' ordinary delay (collectedLate.ts). */
  readonly collectedLate: CollectedLate | null;
  readonly failures: {
    readonly events: number;
    readonly objects: number;
    readonly objectsAtLeast: boolean;
    readonly byCategory: readonly CategoryDigest[];
    /** The codes with the most objects, at most TOP_CODES (src/digest/jobs.ts). */
    readonly topCodes: readonly CodeDigest[];
    /** Error codes in all, also those not in topCodes. */
    readonly codes: number;
    /** Objects that failed in the window and no longer fail at its end; null when not known. */
    readonly fixed: { readonly objects: number; readonly atLeast: boolean } | null;
  };
  /** Objects whose latest event had failed, at the end of the window. */
  readonly stillFailing: {
    readonly objects: number;
    readonly atLeast: boolean;
    readonly byCode: readonly FailingCodeDigest[];
  };
  readonly deleteThreshold: number | null;
  readonly stagedDeletes: number;
}

export interface ConfigurationDigest {
  readonly name: string;
  readonly servicePrincipalId: string | null;
  readonly worst: CellState;
  readonly jobs: readonly JobDigest[];
}

export interface AgentDigest {
  readonly agentId: string;
  readonly machineName: string;
  readonly groups: readonly string[];
  readonly statusNow: string;
  readonly source: string;
  /** Share of observations in which the agent was active, 0-100; null when never observed. */
  readonly availabilityPct: number | null;
  readonly observations: number;
  readonly inactive: readonly Period[];
  readonly hourly: readonly HourCell[];
}

export interface AgentsDigest {
  /** How agents were seen: the Graph agents API, heartbeats, or not at all (then `note` says why). */
  readonly observedBy: readonly string[];
  readonly note: string | null;
  readonly list: readonly AgentDigest[];
}

export interface AlertLine {
  readonly alertId: string;
  readonly kind: string;
  /** The job the alert is about, when it is a job's (to keep its numbers those of the job section). */
  readonly jobId?: string | null;
  /** The agent an agent's alert is about (an alert about a configuration's agents has none). */
  readonly agentId?: string;
  readonly severity: string;
  readonly summary: string;
  readonly subject: string | null;
  readonly openedAt: string | null;
  /** When the problem ended (its condition first seen gone), which may be before its RESOLVED transition. */
  readonly resolvedAt: string | null;
  /** When the condition began by the evidence (before `openedAt` when a hold-down delayed the alert). */
  readonly since?: string | null;
  /** Resolved lines: how long the condition lasted, when its start is known. */
  readonly lastedMs?: number | null;
  /** Resolved lines: what ended it, as far as the day's data tells ("the job's state then: Active"). */
  readonly ended?: string | null;
  readonly lastTransition: string;
  readonly lastAt: string;
  /** While a silence mutes it (its latest transition was recorded, not told): that silence's id. */
  readonly silencedBy?: string;
  /** A resolved deletion trip: how it ended, as its RESOLVED message said. */
  readonly deletion?: {
    readonly outcome: 'allowed' | 'rejected';
    readonly deleted: number;
    readonly target: string;
    readonly complete: boolean;
  };
}

export interface AlertsDigest {
  /** False when no alert transition was recorded in either day (alerting not wired, or nothing happened). */
  readonly recorded: boolean;
  readonly opened: readonly AlertLine[];
  readonly stillOpen: readonly AlertLine[];
  readonly resolved: readonly AlertLine[];
}

export interface Gap {
  /** missed: no collect run at all; failed: runs that could read nothing. */
  readonly kind: 'missed' | 'failed';
  readonly from: string;
  readonly to: string;
  readonly durationMs: number;
  /** Expected runs that did not happen (missed) or runs that failed (failed). */
  readonly runs: number;
  readonly codes: readonly string[];
  /** Still so at the end of the window. */
  readonly ongoing: boolean;
}

export interface PartialPeriod {
  readonly from: string;
  readonly to: string;
  readonly runs: number;
  readonly signals: readonly string[];
  readonly codes: readonly string[];
  /** A later run read everything that was missed (the provisioning watermark catches up). */
  readonly caughtUp: boolean;
  /** True when what was missed cannot be recovered later (job status, agents): it counts as unobserved. */
  readonly lost: boolean;
}

export interface Coverage {
  readonly expectedIntervalMs: number;
  readonly runs: number;
  readonly expectedRuns: number;
  readonly failedRuns: number;
  readonly partialRuns: number;
  readonly gaps: readonly Gap[];
  readonly partial: readonly PartialPeriod[];
  readonly unreadableHours: readonly string[];
  readonly fullyObserved: boolean;
  readonly hourly: readonly HourCell[];
  /** Truncations of the rollups ("at least" numbers). */
  readonly truncated: readonly string[];
}

export interface DayTotals {
  readonly events: number;
  /** Of `events`, those that happened before the window (summed over the jobs). */
  readonly collectedLate: CollectedLate | null;
  readonly failedEvents: number;
  readonly failingObjectsAtEnd: number;
  readonly stagedDeletes: number;
  readonly jobs: number;
  readonly jobsOkNow: number;
  readonly agents: number;
  readonly agentsActiveNow: number;
  readonly alertsOpened: number;
  readonly critical: number;
  readonly warnings: number;
  readonly observedPct: number;
}

export interface ChangeRow {
  readonly metric:
    | 'events'
    | 'failedEvents'
    | 'failingObjectsAtEnd'
    | 'alertsOpened'
    | 'critical'
    | 'warnings'
    | 'observedPct';
  readonly label: string;
  readonly today: number;
  readonly previous: number | null;
  /** Whether more is worse (failures) or better (observed share); events are neutral. */
  readonly direction: 'up-is-bad' | 'up-is-good' | 'neutral';
}

export interface ChangeDigest {
  /** False when the day before had no rollup at all (new deployment, or the monitor was down). */
  readonly previousObserved: boolean;
  readonly rows: readonly ChangeRow[];
}

export interface DigestModel {
  readonly tenantId: string;
  /** Short name for the subject line (a configuration's domain by default). */
  readonly tenantLabel: string;
  readonly windowStart: string;
  readonly windowEnd: string;
  /** yyyy-mm-dd of the window end: the digest's identity (one digest per tenant and day). */
  readonly date: string;
  readonly verdict: Verdict;
  /** Worst first. Empty on a good day. */
  readonly problems: readonly Problem[];
  /** Worst first. */
  readonly configurations: readonly ConfigurationDigest[];
  readonly agents: AgentsDigest;
  readonly alerts: AlertsDigest;
  readonly change: ChangeDigest;
  readonly coverage: Coverage;
  readonly totals: DayTotals;
  /** Scope coverage of on-premises objects (src/coverage), from the last check in the window; absent when none ran. */
  readonly scope?: ScopeDigest;
  /** Sync latency from the canary's round trips (opt-in, src/canary); absent when no canary ran in the window. */
  readonly latency?: LatencyDigest;
}

/** Per configuration: the canary's latest attempt and the day's round trips of the successful ones. */
export interface LatencyDigest {
  readonly configurations: readonly {
    readonly servicePrincipalId: string;
    readonly name: string | null;
    readonly attempts: number;
    /** Attempts that did not succeed (failure, error, throttled). */
    readonly unsuccessful: number;
    readonly last: { readonly at: string; readonly outcome: string; readonly roundTripMs: number };
    /** Nearest-rank percentiles of the successful round trips; null when none succeeded. */
    readonly p50Ms: number | null;
    readonly p95Ms: number | null;
  }[];
}

/** The latest coverage check in the window: the coverage-gap facts, when taken, and whether it read everything. */
export type ScopeDigest = CoverageGapDetails & {
  readonly checkedAt: string;
  readonly checked: boolean;
  /** When the oldest gap began, or coexistence was first seen. */
  readonly since: string | null;
};
