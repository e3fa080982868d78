/**
 * The thresholds the rules apply: what the rules need to know of the settings, declared here so the
 * rules do not depend on the alert engine that calls them. src/alerts/settings.ts parses them from the
 * environment (as part of AlertSettings, which extends this).
 */
export interface RuleSettings {
  readonly syncErrors: {
    readonly criticalCount: number;
    readonly listMax: number;
    readonly trackMaxPerJob: number;
    readonly staleMs: number;
  };
  /** Automatically retried error codes count only once failing this long (TRANSIENT_ERRORS_PERSIST_MINUTES). */
  readonly transientPersistMs: number;
  readonly agentOfflineMs: number;
  readonly syncStalledMs: number;
  readonly pausedMs: number;
  readonly jobFailingMinFailures: number;
  readonly monitorDegradedRuns: number;
  readonly quarantine: { readonly disableDays: number; readonly remindDaysLeft: readonly number[] };
}
