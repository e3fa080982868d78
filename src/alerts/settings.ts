import { z } from 'zod';
import type { RuleSettings } from '../rules/settings.js';
import { maintenanceWindows, type MaintenanceWindow } from './silences.js';

/**
 * Settings of alert rules and the lifecycle (thresholds, durations, repeat interval, ack secret).
 * Composed into the one settings schema by src/config.ts, which alone reads the environment.
 * Env var name -> schema; blank values never reach these schemas (config.ts drops them).
 */

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** "true/false", "1/0", "yes/no", "on/off", any case: app settings are strings. */
const flag = (fallback: boolean) =>
  z
    .string()
    .regex(/^(true|false|1|0|yes|no|on|off)$/i, 'must be true or false')
    .transform((v) => /^(true|1|yes|on)$/i.test(v))
    .default(fallback);

/** "7,1": days before the quarantine disable at which to re-notify, any order, deduplicated. */
const dayList = z
  .string()
  .transform((v) =>
    v
      .split(/[\s,;]+/)
      .map((x) => x.trim())
      .filter(Boolean)
      .map(Number),
  )
  .pipe(z.array(z.number().int('each entry must be a whole number of days').min(0).max(60)))
  .transform((days) => [...new Set(days)].sort((a, b) => b - a));

export const alertSettingsShape = {
  /** sync-errors turns critical above this many failing objects in one job. */
  SYNC_ERRORS_CRITICAL_COUNT: int(1, 1_000_000, 50),
  /** Failing objects listed by name in one sync-errors alert (the rest are counted: "and N more"). */
  SYNC_ERRORS_LIST_MAX: int(1, 500, 50),
  /** Failing objects remembered individually per job; beyond it they are counted per error code. */
  SYNC_ERRORS_TRACK_MAX_PER_JOB: int(10, 5_000, 500),
  /**
   * A failing object with no new event for this long is forgotten (deleted in AD, moved out of scope):
   * the only way an object leaves the list other than a later successful event.
   */
  SYNC_ERRORS_STALE_HOURS: int(1, 90 * 24, 7 * 24),
  /** An agent inactive (agents API) or without heartbeat for this long is offline. */
  AGENT_OFFLINE_MINUTES: int(1, 7 * 24 * 60, 15),
  /** An Active job without a successful cycle for this long (at least 3 schedule intervals) is stalled. */
  SYNC_STALLED_MINUTES: int(5, 30 * 24 * 60, 30),
  /** A job paused (or its schedule disabled) for this long is a forgotten pause. */
  PAUSED_ALERT_HOURS: int(1, 90 * 24, 24),
  /** job-failing needs this many successive complete failures (1: every failed cycle alerts). */
  JOB_FAILING_MIN_FAILURES: int(1, 1_000, 3),
  /** monitor-degraded fires when a signal failed in this many consecutive runs. */
  MONITOR_DEGRADED_RUNS: int(1, 1_000, 3),
  /** Days after quarantine.seriesBegan at which Entra disables a quarantined job. */
  QUARANTINE_DISABLE_DAYS: int(1, 365, 28),
  /** Days before that disable at which a quarantine alert is re-notified (an `updated`). */
  QUARANTINE_REMIND_DAYS_LEFT: dayList.default([7, 1]),
  /** A still-firing, unacknowledged alert is repeated after this long without a notification. */
  ALERT_REPEAT_HOURS: z.coerce
    .number()
    .positive()
    .max(30 * 24)
    .default(4),
  /**
   * A still-firing warning is repeated on its own only after this long; a repeat due by
   * ALERT_REPEAT_HOURS rides along with any message that goes out anyway (Alertmanager re-sends a
   * group's firing alerts with its next notification). The daily digest lists open warnings too.
   */
  ALERT_REPEAT_WARNING_HOURS: z.coerce
    .number()
    .positive()
    .max(30 * 24)
    .default(24),
  /** Send RESOLVED notifications (the resolved transition is recorded either way). */
  ALERT_SEND_RESOLVED: flag(true),
  /** A resolved alert is remembered this long; coming back within it counts as a reopening (flapping). */
  ALERT_FLAP_WINDOW_MINUTES: int(0, 7 * 24 * 60, 60),
  /**
   * A warning-level condition notifies only once it has held this long (Prometheus `for:`): most
   * warnings (one failed cycle, an agent restarting) clear by themselves within a few runs. Critical
   * conditions (quarantine, deletion threshold, no active agent) notify at once. 0 turns it off.
   */
  ALERT_HOLD_DOWN_MINUTES: int(0, 24 * 60, 10),
  /**
   * Error codes Entra retries by itself (InternalError, server busy, timeouts) count towards an alert
   * only once they persist: a job failing with them for this long, an object failing with them for
   * this long and again after Entra's own retry (InternalError is retried after about 40 minutes, so
   * time alone would page for what heals itself).
   */
  TRANSIENT_ERRORS_PERSIST_MINUTES: int(0, 7 * 24 * 60, 30),
  /**
   * Alertmanager's group_interval for sync-errors: at most one `updated` per alert in this interval,
   * and only for a new set of error codes or an object count in another doubling bucket.
   */
  SYNC_ERRORS_GROUP_INTERVAL_MINUTES: int(0, 7 * 24 * 60, 60),
  /** Secret for signing acknowledge links (HMAC-SHA256). Without it no ack links are produced. */
  ACK_SECRET: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -base64 48)').optional(),
  /** The ack endpoint, e.g. https://<app>.azurewebsites.net/api/ack; links are this URL plus ?token=. */
  ACK_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' }).optional(),
  /** How long an ack link stays valid. */
  ACK_LINK_TTL_HOURS: int(1, 90 * 24, 72),
  /**
   * Recurring maintenance windows (UTC), a JSON array, e.g.
   * [{"name":"patch-night","matchers":{"kind":"agent-offline"},"days":["sat"],"start":"22:00","durationMinutes":240}].
   * Alerts matching an open window record their transitions and notify nobody.
   */
  MAINTENANCE_WINDOWS: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON array of windows' });
        return z.NEVER;
      }
    })
    .pipe(maintenanceWindows)
    .optional(),
} satisfies z.ZodRawShape;

/** The rules' thresholds (RuleSettings) and the lifecycle's. */
export interface AlertSettings extends RuleSettings {
  readonly repeatMs: number;
  /** A warning repeats on its own only after this long; a due repeat rides along with other news. */
  readonly repeatWarningMs: number;
  readonly sendResolved: boolean;
  readonly flapWindowMs: number;
  /** Warnings notify once held this long (critical at once). */
  readonly holdDownMs: number;
  /** At most one sync-errors `updated` per alert per this interval. */
  readonly groupIntervalMs: number;
  /** Ack links are produced only when both secret and baseUrl are set; verifying needs the secret only. */
  readonly ack: {
    readonly secret: string | undefined;
    readonly baseUrl: string | undefined;
    readonly linkTtlMs: number;
  };
  readonly maintenanceWindows: readonly MaintenanceWindow[];
}

const alertSettingsObject = z.object(alertSettingsShape);
/** The parsed values of this module's settings. */
type Raw = z.infer<typeof alertSettingsObject>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export function toAlertSettings(raw: Raw): AlertSettings {
  return {
    syncErrors: {
      criticalCount: raw.SYNC_ERRORS_CRITICAL_COUNT,
      listMax: raw.SYNC_ERRORS_LIST_MAX,
      trackMaxPerJob: raw.SYNC_ERRORS_TRACK_MAX_PER_JOB,
      staleMs: raw.SYNC_ERRORS_STALE_HOURS * HOUR,
    },
    transientPersistMs: raw.TRANSIENT_ERRORS_PERSIST_MINUTES * MINUTE,
    agentOfflineMs: raw.AGENT_OFFLINE_MINUTES * MINUTE,
    syncStalledMs: raw.SYNC_STALLED_MINUTES * MINUTE,
    pausedMs: raw.PAUSED_ALERT_HOURS * HOUR,
    jobFailingMinFailures: raw.JOB_FAILING_MIN_FAILURES,
    monitorDegradedRuns: raw.MONITOR_DEGRADED_RUNS,
    quarantine: { disableDays: raw.QUARANTINE_DISABLE_DAYS, remindDaysLeft: raw.QUARANTINE_REMIND_DAYS_LEFT },
    repeatMs: raw.ALERT_REPEAT_HOURS * HOUR,
    repeatWarningMs: Math.max(raw.ALERT_REPEAT_WARNING_HOURS, raw.ALERT_REPEAT_HOURS) * HOUR,
    sendResolved: raw.ALERT_SEND_RESOLVED,
    flapWindowMs: raw.ALERT_FLAP_WINDOW_MINUTES * MINUTE,
    holdDownMs: raw.ALERT_HOLD_DOWN_MINUTES * MINUTE,
    groupIntervalMs: raw.SYNC_ERRORS_GROUP_INTERVAL_MINUTES * MINUTE,
    ack: { secret: raw.ACK_SECRET, baseUrl: raw.ACK_BASE_URL, linkTtlMs: raw.ACK_LINK_TTL_HOURS * HOUR },
    maintenanceWindows: raw.MAINTENANCE_WINDOWS ?? [],
  };
}

/** The defaults, for tests and tools that need settings without an environment. */
export const defaultAlertSettings: AlertSettings = toAlertSettings(alertSettingsObject.parse({}));
