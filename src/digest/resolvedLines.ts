import { lastedMs } from '../domain/alertModel.js';
import { conditionLabel } from '../domain/jobCondition.js';
import type { AlertLine, AlertsDigest, JobDigest } from '../domain/digestModel.js';
import { jobKey } from '../domain/jobId.js';
import { withoutOutlook } from '../domain/quarantineOutlook.js';
import { clockTime } from '../domain/timeText.js';
import { deletesAfter } from './deletesAfter.js';
import type { HourRollup } from './rollupSchema.js';

/**
 * A resolved alert in the digest is told as over: its firing-time prediction ("Entra disables the job
 * in 28 days") is left out, and it says how long it lasted and what ended it, as far as the day's data
 * tells: the job's state when it resolved, whether a deletion trip's deletes ran, the agent back.
 */
export function withResolvedOutcomes(
  alerts: AlertsDigest,
  jobs: readonly JobDigest[],
  hours: readonly HourRollup[],
): AlertsDigest {
  const byKey = new Map(jobs.map((j) => [jobKey(j.jobId), j]));
  const over = (line: AlertLine): AlertLine => {
    if (line.lastTransition !== 'resolved') return line;
    const at = line.resolvedAt;
    const began = line.since ?? line.openedAt;
    const lasted = lastedMs(began, at);
    const job = line.jobId ? byKey.get(jobKey(line.jobId)) : undefined;
    return {
      ...line,
      summary: withoutOutlook(line.summary),
      lastedMs: lasted ?? null,
      ended: at ? endedBy(line, at, job, hours) : null,
    };
  };
  // An alert opened today and resolved since is over in the Opened list too.
  return { ...alerts, opened: alerts.opened.map(over), resolved: alerts.resolved.map(over) };
}

function endedBy(
  line: AlertLine,
  at: string,
  job: JobDigest | undefined,
  hours: readonly HourRollup[],
): string | null {
  switch (line.kind) {
    case 'deletion-threshold': {
      // The RESOLVED message's own count (the Delete events after the trip), so the digest and the
      // message agree; the hour-grained rollup below is for lines recorded without it.
      if (line.deletion) return deletionEnded(line.deletion);
      if (!job) return null;
      const { deletes, fromHour } = deletesAfter(job.jobId, at, hours);
      return deletes > 0
        ? `the deletes were allowed: ${deletes} Delete event${deletes === 1 ? '' : 's'} from ${clockTime(fromHour)} on`
        : 'the deletes were not allowed: no Delete event after it';
    }
    case 'job-quarantined':
    case 'initial-sync-paused':
    case 'sync-stalled':
    case 'job-failing': {
      if (!job) return null;
      return `the job's state then: ${conditionLabel(stateAt(job, at))}`;
    }
    case 'sync-errors':
      return 'no object of the alert was failing any more';
    case 'agent-offline':
      return line.agentId ? 'the agent was active again' : 'an agent of the configuration was active again';
    default:
      return null;
  }
}

export function deletionEnded(d: NonNullable<AlertLine['deletion']>): string {
  if (d.outcome === 'rejected') return `the deletes were not allowed: 0 objects deleted in ${d.target}`;
  const objects = `${d.deleted} object${d.deleted === 1 ? '' : 's'}`;
  return `the deletes were allowed: ${objects} deleted in ${d.target}${d.complete ? '' : ' so far'}`;
}

/** The job's state at an instant: the incident that covers it, else Active. */
function stateAt(job: JobDigest, at: string) {
  const t = Date.parse(at);
  const covering = job.incidents.find(
    (i) => Date.parse(i.from) <= t && (i.to === null || t < Date.parse(i.to)),
  );
  return covering?.state ?? 'healthy';
}
