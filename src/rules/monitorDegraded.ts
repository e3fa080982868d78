import { asDetails, MONITOR_SIGNALS, type MonitorSignal } from '../domain/alertDetails.js';
import type { AlertCandidate } from '../domain/alertModel.js';
import type { RunIssue } from '../collect/runErrors.js';
import type { Rule } from './context.js';
import type { SignalFailure } from './memory.js';
import type { Observations } from './observations.js';
import { capFlat } from '../domain/text.js';

const LABEL: Readonly<Record<MonitorSignal, string>> = {
  jobs: 'read sync job status',
  agents: 'read provisioning agents',
  provisioning: 'read provisioning logs',
  sink: 'write its records (Log Analytics)',
  state: 'read or write its state',
  notify: 'deliver notifications',
  coverage: 'read the directory for the coverage check',
};

/**
 * Faults that waiting will not cure: a Graph listing that loops or points away from Graph, stored state
 * found corrupt and set aside, a notification channel that rejects the monitor. They raise the alert in
 * the run that sees them instead of after MONITOR_DEGRADED_RUNS runs.
 */
export const DEGRADES_AT_ONCE: ReadonlySet<string> = new Set([
  'NextLinkLoop',
  'NextLinkForeignOrigin',
  'CorruptState',
]);

/**
 * `monitor-degraded` (warning): the monitor itself could not read or write a signal (permission,
 * throttling, outage) in MONITOR_DEGRADED_RUNS consecutive runs. A run where it worked resolves it.
 * Only `error` issues count: the agents API answering "not in app-only mode" (AgentApiUnavailable, info)
 * is how that API is, not a fault.
 */
export const monitorDegradedRule: Rule = ({ observations, memory, settings, advancesTime }) => {
  const failedNow = failedSignals(observations);
  const signals: Record<string, SignalFailure> = {};
  const candidates: AlertCandidate[] = [];
  for (const signal of MONITOR_SIGNALS) {
    const issues = failedNow.get(signal);
    const previous = memory.signals[signal];
    if (!issues) continue; // worked this run: the streak ends
    const first = issues[0];
    const failure: SignalFailure = {
      failures: previous ? previous.failures + (advancesTime ? 1 : 0) : 1,
      since: previous?.since ?? observations.collectedAt,
      code: first?.code ?? 'Failed',
      message: capFlat(first?.message, 300) ?? '',
      issues: issues.slice(0, 5).map((i) => ({
        code: i.code,
        message: capFlat(i.message, 300) ?? '',
        ...(i.target ? { target: i.target } : {}),
      })),
    };
    signals[signal] = failure;
    const atOnce = issues.some((i) => DEGRADES_AT_ONCE.has(i.code));
    if (failure.failures < settings.monitorDegradedRuns && !atOnce) continue;
    candidates.push({
      kind: 'monitor-degraded',
      subject: { tenantId: observations.tenantId, signal },
      severity: 'warning',
      summary: `The monitor cannot ${LABEL[signal]}: ${failure.failures === 1 ? 'failed this run' : `failed ${failure.failures} runs in a row`} (${failure.code})`,
      since: failure.since,
      materialKey: 'failing',
      ...(atOnce ? { skipHoldDown: true } : {}),
      details: asDetails('monitor-degraded', {
        signal,
        consecutiveRuns: failure.failures,
        failingSince: failure.since,
        thresholdRuns: settings.monitorDegradedRuns,
        lastErrorCode: failure.code,
        lastErrorMessage: failure.message,
        issues: failure.issues,
      }),
    });
  }
  return { candidates, memory: { signals } };
};

/** Signal -> its error issues this run. Discovery and tenant failures are failures to read jobs. */
function failedSignals(observations: Observations): Map<MonitorSignal, RunIssue[]> {
  const failed = new Map<MonitorSignal, RunIssue[]>();
  const add = (signal: MonitorSignal, issue: RunIssue) =>
    failed.set(signal, [...(failed.get(signal) ?? []), issue]);
  for (const issue of observations.issues) {
    if (issue.severity !== 'error' && !DEGRADES_AT_ONCE.has(issue.code)) continue;
    const signal: MonitorSignal =
      issue.signal === 'discovery' || issue.signal === 'tenant'
        ? 'jobs'
        : issue.signal === 'alerts'
          ? 'state'
          : issue.signal;
    add(signal, issue);
  }
  if (observations.agentsApi === 'failed' && !failed.has('agents')) {
    add('agents', {
      signal: 'agents',
      severity: 'error',
      code: 'AgentsFailed',
      message: 'the agents API could not be read',
    });
  }
  return failed;
}
