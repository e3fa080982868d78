import { GraphRequestError } from '../graph/errors.js';

/** What went wrong in a run, per signal; stored in CloudSyncMonitorRun_CL.Errors. */
export interface RunIssue {
  readonly signal:
    'tenant' | 'discovery' | 'jobs' | 'agents' | 'provisioning' | 'sink' | 'state' | 'alerts' | 'notify';
  /** `error`: the signal was not (fully) read this run. `warning`/`info`: read, with something worth knowing. */
  readonly severity: 'error' | 'warning' | 'info';
  readonly code: string;
  readonly message: string;
  readonly target?: string;
}

export function issueFrom(signal: RunIssue['signal'], error: unknown, target?: string): RunIssue {
  if (error instanceof GraphRequestError) {
    return {
      signal,
      severity: 'error',
      code: error.code ?? error.kind,
      message: error.message,
      ...(target ? { target } : {}),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof Error ? error.name : 'Error';
  return { signal, severity: 'error', code, message, ...(target ? { target } : {}) };
}
