/**
 * What went wrong in a run, per signal; stored in CloudSyncMonitorRun_CL.Errors. Collectors, the alert
 * engine and the run itself report them; rules read them (monitor-degraded) and the digest rolls them up.
 */
export const RUN_SIGNALS = [
  'tenant',
  'discovery',
  'jobs',
  'agents',
  'provisioning',
  'sink',
  'state',
  'alerts',
  'notify',
  /** The directory read of the coverage check (users, groups, contacts delta; organization). */
  'coverage',
] as const;
export type RunSignal = (typeof RUN_SIGNALS)[number];

export interface RunIssue {
  readonly signal: RunSignal;
  /** `error`: the signal was not (fully) read this run. `warning`/`info`: read, with something worth knowing. */
  readonly severity: 'error' | 'warning' | 'info';
  readonly code: string;
  readonly message: string;
  readonly target?: string;
}
