import type { HourRollup } from './rollupSchema.js';

const HOUR = 3600_000;

/**
 * Delete events of a job from the hour a deletion-threshold quarantine ended on: whether the staged
 * deletes were allowed (they then run) or not (none). Hour-grained, as the rollups are.
 */
export function deletesAfter(
  jobId: string,
  end: string,
  hours: readonly HourRollup[],
): { readonly deletes: number; readonly fromHour: Date } {
  const fromHour = Math.floor(Date.parse(end) / HOUR) * HOUR;
  let deletes = 0;
  for (const h of hours) {
    if (Date.parse(h.hour) < fromHour) continue;
    for (const n of Object.values(h.provisioning[jobId]?.byAction.delete ?? {})) deletes += n;
  }
  return { deletes, fromHour: new Date(fromHour) };
}
