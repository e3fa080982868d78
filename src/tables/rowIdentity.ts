import type { TableName } from './definitions.js';

/**
 * What identifies a row of a table, for the sinks that can say which rows they hold after a crash:
 * a provisioning event by its EventId, an alert transition by alert, transition and instant. Other
 * tables have no identity (their rows are not written exactly once).
 */
export function rowIdentity(table: TableName, row: Readonly<Record<string, unknown>>): string | undefined {
  if (table === 'CloudSyncProvisioning_CL') return typeof row.EventId === 'string' ? row.EventId : undefined;
  if (table === 'CloudSyncAlert_CL') return alertRowKey(row.AlertId, row.Transition, row.TimeGenerated);
  return undefined;
}

/** Identifies a transition's row: alert, transition and instant. */
export const alertRowKey = (alertId: unknown, transition: unknown, at: unknown): string =>
  `${String(alertId)}|${String(transition)}|${String(at)}`;
