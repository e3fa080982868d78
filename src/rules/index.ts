import type { AlertCandidate, ResolutionNote } from '../domain/alertModel.js';
import type { RuleSettings } from './settings.js';
import { agentOfflineRule } from './agentOffline.js';
import type { Rule } from './context.js';
import { coverageOf, type Coverage } from './coverage.js';
import { coverageGapRule } from './coverageGap.js';
import { deletionThresholdRule } from './deletionThreshold.js';
import { jobFailingRule } from './jobFailing.js';
import { initialSyncPausedRule } from './initialSyncPaused.js';
import { jobQuarantinedRule } from './jobQuarantined.js';
import type { RuleMemory } from './memory.js';
import { monitorDegradedRule } from './monitorDegraded.js';
import { notificationFailingRule } from './notificationFailing.js';
import type { Observations } from './observations.js';
import { syncErrorsRule } from './syncErrors.js';
import { syncStalledRule } from './syncStalled.js';

export { buildObservations, provisioningReadFully, type Observations } from './observations.js';
export { ObjectStatusTracker, OBJECT_STATUS_KEY, type ObjectStatusSnapshot } from './objectStatus.js';
export { emptyRuleMemory, ruleMemory, type RuleMemory } from './memory.js';
export { fullCoverage, type Coverage, type CoverageQuery } from './coverage.js';

/** Every rule, one per alert kind (design section 5). */
export const RULES: readonly Rule[] = [
  syncErrorsRule,
  deletionThresholdRule,
  jobQuarantinedRule,
  initialSyncPausedRule,
  agentOfflineRule,
  syncStalledRule,
  jobFailingRule,
  monitorDegradedRule,
  notificationFailingRule,
  coverageGapRule,
];

export interface Evaluation {
  readonly candidates: readonly AlertCandidate[];
  /** How conditions that are gone ended: what the RESOLVED message says. */
  readonly resolutions: readonly ResolutionNote[];
  /** What this run checked: an open alert no rule raised resolves only where this says so. */
  readonly coverage: Coverage;
  /** For the next run (stored in the alert book). */
  readonly memory: RuleMemory;
}

/** Runs every rule over one run's observations. Pure: same input, same output. */
export function evaluateRules(
  observations: Observations,
  memory: RuleMemory,
  now: Date,
  settings: RuleSettings,
): Evaluation {
  const coverage = coverageOf(observations, now, settings);
  const advancesTime = memory.evaluatedAt === undefined || Date.parse(memory.evaluatedAt) < now.getTime();
  const context = { observations, memory, now, settings, coverage, advancesTime };
  const candidates: AlertCandidate[] = [];
  const resolutions: ResolutionNote[] = [];
  let next: RuleMemory = { ...memory, evaluatedAt: advancesTime ? now.toISOString() : memory.evaluatedAt };
  for (const rule of RULES) {
    const result = rule(context);
    candidates.push(...result.candidates);
    resolutions.push(...(result.resolutions ?? []));
    if (result.memory) next = { ...next, ...result.memory };
  }
  return { candidates, resolutions, coverage, memory: next };
}
