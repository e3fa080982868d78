import type { AlertCandidate, AlertKind } from '../../src/domain/alertModel.js';
import type { AlertSettings } from '../../src/alerts/settings.js';
import { evaluateRules, type Evaluation } from '../../src/rules/index.js';
import { emptyRuleMemory, type RuleMemory } from '../../src/rules/memory.js';
import type { Observations } from '../../src/rules/observations.js';
import {
  applyObjectEvents,
  emptyObjectStatus,
  toObjectEvents,
  type ObjectStatusState,
} from '../../src/rules/objectStatusState.js';
import type { ProvisioningRecord } from '../../src/tables/definitions.js';
import { DAY, at, settings as defaults } from './fixtures.js';

/** Evaluates every rule at `now` and returns the candidates of one kind (plus the whole evaluation). */
export function evaluate(
  kind: AlertKind,
  observations: Observations,
  options: { now?: Date; memory?: RuleMemory; settings?: AlertSettings } = {},
): { candidates: AlertCandidate[]; evaluation: Evaluation } {
  const evaluation = evaluateRules(
    observations,
    options.memory ?? emptyRuleMemory(),
    options.now ?? at(0),
    options.settings ?? defaults(),
  );
  return { candidates: evaluation.candidates.filter((c) => c.kind === kind), evaluation };
}

export function objectState(records: readonly ProvisioningRecord[], trackMaxPerJob = 500): ObjectStatusState {
  const state = emptyObjectStatus(at(-30 * DAY));
  applyObjectEvents(state, toObjectEvents(records), { trackMaxPerJob, staleMs: 7 * DAY });
  return state;
}
