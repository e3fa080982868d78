import type { AlertCandidate, ResolutionNote } from '../domain/alertModel.js';
import type { RuleSettings } from './settings.js';
import type { Coverage } from './coverage.js';
import type { RuleMemory } from './memory.js';
import type { Observations } from './observations.js';

/** What every rule gets: the run's observations, what rules remembered last run, the time and settings. */
export interface RuleContext {
  readonly observations: Observations;
  readonly memory: RuleMemory;
  readonly now: Date;
  readonly settings: RuleSettings;
  readonly coverage: Coverage;
  /** False when this evaluation is not later than the last one (a replay at the same instant): counters stay. */
  readonly advancesTime: boolean;
}

/** A rule's verdict: the candidates it raises, and the memory sections it owns for the next run. */
export interface RuleResult {
  readonly candidates: readonly AlertCandidate[];
  /** How conditions that are gone ended (only read for alerts that are open). */
  readonly resolutions?: readonly ResolutionNote[];
  readonly memory?: Partial<Omit<RuleMemory, 'evaluatedAt'>>;
}

export type Rule = (context: RuleContext) => RuleResult;
