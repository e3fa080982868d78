import { z } from 'zod';
import { readValidated, type StateStore } from '../state/store.js';

/**
 * The monitor's own status, written at the end of every run and read by the `health` function and
 * `status`: when it last ran, when it last succeeded, what is open.
 */
export const MONITOR_STATUS_KEY = 'monitor-status';

export const monitorStatus = z.object({
  lastRunId: z.string(),
  lastRunAt: z.iso.datetime(),
  lastOutcome: z.enum(['success', 'degraded', 'partial', 'failed']),
  lastSuccessAt: z.iso.datetime().nullable(),
  openAlerts: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      severity: z.string(),
      summary: z.string(),
      since: z.string(),
      /** Muted by this silence or maintenance window: recorded, not notified. */
      silencedBy: z.string().optional(),
    }),
  ),
  /** Each channel's delivery health after the run (absent: written by an older version). */
  delivery: z
    .array(
      z.object({
        channel: z.string(),
        status: z.enum(['ok', 'failing']),
        failingSince: z.string().optional(),
        lastError: z.string().optional(),
        lastDeliveredAt: z.string().optional(),
        lastOutcome: z.string().optional(),
      }),
    )
    .optional(),
  /**
   * Set-aside copies (`<scope>/<copy>`) this run's rules were told of: the next run, which looks for
   * copies since this run began, leaves these out, so each is said once (absent: an older version).
   */
  setAsideSeen: z.array(z.string()).optional(),
});
export type MonitorStatus = z.infer<typeof monitorStatus>;

export async function readMonitorStatus(
  state: StateStore,
  tenantId: string,
): Promise<MonitorStatus | undefined> {
  return (await readValidated(state, { tenantId, name: MONITOR_STATUS_KEY }, monitorStatus))?.value;
}

/** Written under the run lease, so a plain upsert is safe. */
export async function writeMonitorStatus(
  state: StateStore,
  tenantId: string,
  status: MonitorStatus,
): Promise<void> {
  await state.write({ tenantId, name: MONITOR_STATUS_KEY }, status, { unconditional: true });
}

export type HealthVerdict = 'ok' | 'degraded' | 'stale' | 'never-ran';

/** `stale`: no successful run for `staleAfter` ms (staleAfterMs of COLLECT_SCHEDULE): the monitor is down. */
export function healthVerdict(
  status: MonitorStatus | undefined,
  now: Date,
  staleAfter: number,
): HealthVerdict {
  if (!status) return 'never-ran';
  const lastSuccess = status.lastSuccessAt ? Date.parse(status.lastSuccessAt) : undefined;
  if (lastSuccess === undefined || now.getTime() - lastSuccess > staleAfter) return 'stale';
  return status.lastOutcome === 'success' ? 'ok' : 'degraded';
}
