import { jobKey } from '../domain/jobId.js';
import type { AlertKind, AlertSubject } from '../domain/alertModel.js';

/**
 * Inhibition (design section 5): a bigger problem mutes the smaller ones it causes. A quarantined job
 * (any quarantine, deletion-threshold included) or a job paused after its initial sync (errors
 * pruned) mutes that job's sync-errors, sync-stalled and
 * job-failing; "no active agent" for a configuration (agent-offline raised from the jobs' error codes)
 * mutes them for every job of that configuration. Like Alertmanager's inhibit rules: a muted alert is
 * not opened, an open one stays open without transitions until the muting alert is gone.
 */
export const MUTABLE_KINDS: readonly AlertKind[] = ['sync-errors', 'sync-stalled', 'job-failing'];

/** Job alerts that stop the job (sync-stalled would otherwise call it a forgotten pause a day later). */
const JOB_STOPPERS: readonly AlertKind[] = ['deletion-threshold', 'job-quarantined', 'initial-sync-paused'];

export interface Inhibitor {
  /** The muting alert. */
  readonly id: string;
  readonly job?: string;
  /** Compact (no dashes, lower case) service principal id, as job ids carry it. */
  readonly configuration?: string;
}

interface Source {
  readonly id: string;
  readonly kind: AlertKind;
  readonly subject: AlertSubject;
}

const compact = (id: string): string => id.toLowerCase().replace(/-/g, '');

/** The service principal of a subject, from the subject or from its job id (template.<compact sp id>). */
function configurationOf(subject: AlertSubject): string | undefined {
  if (subject.servicePrincipalId) return compact(subject.servicePrincipalId);
  return subject.jobId ? jobKey(subject.jobId).split('.')[1] : undefined;
}

export function inhibitorsOf(sources: readonly Source[]): Inhibitor[] {
  const inhibitors: Inhibitor[] = [];
  for (const { id, kind, subject } of sources) {
    if (JOB_STOPPERS.includes(kind) && subject.jobId) {
      inhibitors.push({ id, job: jobKey(subject.jobId) });
    } else if (kind === 'agent-offline' && !subject.agentId && subject.servicePrincipalId) {
      inhibitors.push({ id, configuration: compact(subject.servicePrincipalId) });
    }
  }
  return inhibitors;
}

/** The id of the alert muting this one, if any. */
export function mutedBy(
  inhibitors: readonly Inhibitor[],
  kind: AlertKind,
  subject: AlertSubject,
): string | undefined {
  if (!MUTABLE_KINDS.includes(kind)) return undefined;
  const job = subject.jobId ? jobKey(subject.jobId) : undefined;
  const configuration = configurationOf(subject);
  return inhibitors.find(
    (i) =>
      (i.job !== undefined && i.job === job) ||
      (i.configuration !== undefined && i.configuration === configuration),
  )?.id;
}
