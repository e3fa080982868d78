import { isNoAgentCode } from './vocabulary.js';

/**
 * What a job's status means for the people reading the digest, from one observation. The rollups keep
 * spans of these conditions, so "quarantined 09:02-11:30" survives even though only the latest snapshot
 * of each hour is kept.
 */
export type JobConditionState =
  'ok' | 'quarantine' | 'no-agent' | 'failing' | 'paused' | 'not-running' | 'unknown';
export type ConditionSeverity = 'ok' | 'warning' | 'critical';

export interface JobCondition {
  readonly state: JobConditionState;
  /** The quarantine reason or error code that explains the state. */
  readonly detail: string | null;
}

export function jobCondition(status: {
  readonly statusCode: string | null;
  readonly quarantineReason: string | null;
  readonly lastExecutionState: string | null;
  readonly lastErrorCode: string | null;
}): JobCondition {
  const code = (status.statusCode ?? '').toLowerCase();
  if (code === 'quarantine')
    return { state: 'quarantine', detail: status.quarantineReason ?? status.lastErrorCode };
  if (code === 'paused') return { state: 'paused', detail: null };
  if (code === 'notrun' || code === 'notconfigured')
    return { state: 'not-running', detail: status.statusCode };
  if (code === 'active') {
    if ((status.lastExecutionState ?? '').toLowerCase() !== 'failed') return { state: 'ok', detail: null };
    // The agent codes mean nothing is listening on premises: sync has stopped, not just one cycle failed.
    if (isNoAgentCode(status.lastErrorCode)) return { state: 'no-agent', detail: status.lastErrorCode };
    return { state: 'failing', detail: status.lastErrorCode };
  }
  return { state: 'unknown', detail: status.statusCode };
}

const SEVERITY: Readonly<Record<string, ConditionSeverity>> = {
  ok: 'ok',
  quarantine: 'critical',
  'no-agent': 'critical',
  failing: 'warning',
  paused: 'warning',
  'not-running': 'warning',
  unknown: 'warning',
};

export const conditionSeverity = (state: string): ConditionSeverity => SEVERITY[state] ?? 'warning';

export const severityRank = (s: ConditionSeverity | 'none'): number =>
  s === 'critical' ? 3 : s === 'warning' ? 2 : s === 'ok' ? 1 : 0;
