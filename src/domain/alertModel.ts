/**
 * The alert vocabulary shared by rules (what is wrong now), the lifecycle engine (what changed since
 * last run) and the renderers and channels (what people are told). Design section 5. Each kind's
 * details are described in alertDetails.ts.
 */

export const ALERT_KINDS = [
  'sync-errors',
  'deletion-threshold',
  'job-quarantined',
  // Paused after an initial sync whose errors were pruned (status.escrowsPruned): waits for a clean-up.
  'initial-sync-paused',
  'agent-offline',
  'sync-stalled',
  'job-failing',
  'monitor-degraded',
  'notification-failing',
  'coverage-gap',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export type Severity = 'warning' | 'critical';

export const TRANSITIONS = ['new', 'updated', 'escalated', 'repeat', 'resolved', 'acknowledged'] as const;
export type TransitionKind = (typeof TRANSITIONS)[number];

/** Where an alert is: tenant always; configuration, job or agent as the kind needs. JSON only. */
export interface AlertSubject {
  readonly tenantId: string;
  readonly servicePrincipalId?: string;
  readonly configurationName?: string;
  readonly jobId?: string;
  readonly templateId?: string;
  readonly agentId?: string;
  readonly machineName?: string;
  /** For `monitor-degraded`: which of the monitor's own signals (jobs, agents, provisioning, sink, state, notify). */
  readonly signal?: string;
  /** For `notification-failing`: the channel that fails (email, teams, or a routed receiver's channel). */
  readonly channel?: string;
}

/** A rule's verdict for one subject in one run: this is wrong, now. */
export interface AlertCandidate {
  readonly kind: AlertKind;
  readonly subject: AlertSubject;
  readonly severity: Severity;
  /** One line, plain text, without directory data longer than a name. */
  readonly summary: string;
  /** When the condition began according to the evidence (ISO 8601). */
  readonly since: string;
  /**
   * What makes a change material (an `updated` transition): the set of error codes or failing objects,
   * the quarantine reason, ... Equal keys mean "still the same": no notification.
   */
  readonly materialKey: string;
  /**
   * Facts whose appearance is material but whose disappearance is not (failing objects, error codes):
   * a new item makes an `updated`, a fixed object alone does not. Human-readable; directory data (escape).
   */
  readonly materialItems?: readonly string[];
  /**
   * The numbers an open alert must keep true (objects failing, deletions staged): when it changes
   * without a material change, the alert records a silent `updated` (a row, no notification), so the
   * stored text and the table never lag the data.
   */
  readonly trackedKey?: string;
  /** Kind-specific facts for the renderers (failing objects by error code, StagedDelete count, ...). JSON only. */
  readonly details: Readonly<Record<string, unknown>>;
  /**
   * Opens at once, warning or not: a fault that waiting will not cure and that may be seen in one run
   * only (stored state set aside), which ALERT_HOLD_DOWN_MINUTES would hold until it is gone, untold.
   */
  readonly skipHoldDown?: boolean;
}

/** An alert as the lifecycle engine keeps it while it is open. */
export interface Alert extends AlertCandidate {
  /** Stable fingerprint of tenant + kind + subject: one open alert per fingerprint. */
  readonly id: string;
  readonly state: 'open' | 'acknowledged' | 'resolved';
  readonly openedAt: string;
  readonly lastChangedAt: string;
  readonly lastNotifiedAt: string;
  /** Set by an acknowledgement: muted until this instant, or until it resolves when 'resolve'. */
  readonly silencedUntil?: string;
  readonly acknowledgedBy?: string;
  /** When the `resolved` transition happened: the run that told it. */
  readonly resolvedAt?: string;
  /**
   * Set on `resolved`: when the condition was first seen gone. Earlier than resolvedAt when the resolve
   * waited for its outcome (resolvingSince): the deletes of a trip allowed at 11:30 are told at 11:40,
   * once they are in the log, but the trip lasted until 11:30. See endedAt.
   */
  readonly clearedAt?: string;
  /** How often it came back within the flap window after resolving (each time a `new`). */
  readonly reopenCount?: number;
  /** While another alert mutes this one (inhibition): that alert's id. No transitions while muted. */
  readonly inhibitedBy?: string;
  /** While a silence (or maintenance window) mutes it: that silence's id. Transitions are recorded only. */
  readonly silencedBy?: string;
  /** What a silence held back (`new` when people never heard of it): told when the silence ends. */
  readonly heldBack?: TransitionKind;
  /** Set on `resolved`: what ended the problem and what it cost (from the rule's ResolutionNote). */
  readonly resolution?: AlertResolution;
  /** While the condition is gone but its outcome is not known yet (ResolutionNote.settled false): since when. */
  readonly resolvingSince?: string;
  /** Remediation attempts on this alert (src/remediation), newest last, capped: told in its next message. */
  readonly remediations?: readonly RemediationNote[];
}

/** One remediation attempt on an alert, for its thread: who did what, when, and how it went. JSON only. */
export interface RemediationNote {
  readonly at: string;
  /** allow-deletes, restart, provision. */
  readonly action: string;
  readonly outcome: 'performed' | 'refused' | 'failed';
  readonly by: string;
  readonly via: 'ack-page' | 'cli';
  /** Why it was refused or failed (plain words, capped). */
  readonly reason?: string;
}

/**
 * When a resolved alert's problem ended, the one instant every message, row and digest line measures
 * "lasted" to: when its condition was first seen gone (an alert resolved by an older version has only
 * resolvedAt). Undefined while it is open.
 */
export function endedAt(alert: Pick<Alert, 'clearedAt' | 'resolvedAt'>): string | undefined {
  return alert.clearedAt ?? alert.resolvedAt;
}

/** How long a problem lasted, from its since to its end: undefined when either is unknown or not in order. */
export function lastedMs(
  since: string | null | undefined,
  end: string | null | undefined,
): number | undefined {
  const lasted = Date.parse(end ?? '') - Date.parse(since ?? '');
  return Number.isFinite(lasted) && lasted > 0 ? lasted : undefined;
}

/** What ended a problem, for the RESOLVED message: "deletes allowed, 600 objects deleted". JSON only. */
export interface AlertResolution {
  /** One line for people. */
  readonly summary: string;
  /** Kind-specific facts (src/domain/alertDetails.ts resolution schemas). */
  readonly details: Readonly<Record<string, unknown>>;
}

/**
 * A rule's word on a condition that is gone: how it ended. An open alert of this kind and subject that
 * no rule raises resolves with it; while `settled` is false (the outcome is not visible yet, e.g. the
 * deletions of an allowed trip still being written to the log) the alert waits, at most
 * RESOLUTION_WAIT_MS, so the RESOLVED message can say what happened instead of guessing.
 */
export interface ResolutionNote {
  readonly kind: AlertKind;
  readonly subject: AlertSubject;
  readonly settled: boolean;
  readonly resolution: AlertResolution;
}

/** How long a resolution waits for its outcome (ResolutionNote.settled) before it is told as it stands. */
export const RESOLUTION_WAIT_MS = 15 * 60_000;

/** One lifecycle step of one alert in one run: each is one CloudSyncAlert_CL row; each notifies. */
export interface Transition {
  readonly transition: TransitionKind;
  readonly at: string;
  /** The alert after the transition (for `resolved`, as it was last seen, with state 'resolved'). */
  readonly alert: Alert;
  readonly previousSeverity?: Severity;
  /** Human-readable material changes, for `updated` (e.g. "new error code AttributeValueMustBeUnique"). */
  readonly changes?: readonly string[];
  /**
   * Recorded in CloudSyncAlert_CL but not notified: `resolved` with resolve notifications switched off,
   * `updated` of an acknowledged (silenced) alert. Channels skip these.
   */
  readonly recordOnly?: boolean;
  /** The silence that made it record-only. */
  readonly silencedBy?: string;
}

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { warning: 1, critical: 2 };
const TRANSITION_RANK: Readonly<Record<TransitionKind, number>> = {
  new: 6,
  escalated: 5,
  updated: 4,
  repeat: 3,
  acknowledged: 2,
  resolved: 1,
};

/** Most severe first; within a severity, news before reminders before resolutions. */
export function bySeverity(a: Transition, b: Transition): number {
  const resolvedA = a.transition === 'resolved' ? 0 : 1;
  const resolvedB = b.transition === 'resolved' ? 0 : 1;
  return (
    resolvedB - resolvedA ||
    SEVERITY_RANK[b.alert.severity] - SEVERITY_RANK[a.alert.severity] ||
    TRANSITION_RANK[b.transition] - TRANSITION_RANK[a.transition] ||
    a.alert.kind.localeCompare(b.alert.kind) ||
    a.alert.id.localeCompare(b.alert.id)
  );
}
