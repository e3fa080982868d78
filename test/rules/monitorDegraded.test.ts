import { describe, expect, it } from 'vitest';
import { detailsOf } from '../../src/domain/alertDetails.js';
import type { RunIssue } from '../../src/collect/runErrors.js';
import { emptyRuleMemory, type RuleMemory } from '../../src/rules/memory.js';
import type { Observations } from '../../src/rules/observations.js';
import { MIN, at, issue, observations } from './fixtures.js';
import { evaluate } from './run.js';

/** Runs the rules once per entry (5 minutes apart), carrying memory, and returns each run's monitor-degraded alerts. */
function runs(perRun: readonly Partial<Observations>[]): { signal: string | undefined; runs: number }[][] {
  let memory: RuleMemory = emptyRuleMemory();
  return perRun.map((overrides, i) => {
    const { candidates, evaluation } = evaluate('monitor-degraded', observations(overrides), {
      now: at(i * 5 * MIN),
      memory,
    });
    memory = evaluation.memory;
    return candidates.map((c) => ({
      signal: c.subject.signal,
      runs: detailsOf('monitor-degraded', { kind: 'monitor-degraded', details: c.details })!.consecutiveRuns,
    }));
  });
}

const failing = (...issues: RunIssue[]): Partial<Observations> => ({ issues });
const ok: Partial<Observations> = {};

describe('monitor-degraded rule', () => {
  it('fires when a signal failed in MONITOR_DEGRADED_RUNS consecutive runs, and stops after a run where it worked', () => {
    const provisioning = issue({ signal: 'provisioning' });
    expect(
      runs([failing(provisioning), failing(provisioning), failing(provisioning), failing(provisioning), ok]),
    ).toEqual([[], [], [{ signal: 'provisioning', runs: 3 }], [{ signal: 'provisioning', runs: 4 }], []]);
  });

  it('a working run in between restarts the count', () => {
    const sink = issue({ signal: 'sink' });
    expect(runs([failing(sink), failing(sink), ok, failing(sink), failing(sink)]).flat()).toEqual([]);
  });

  it.each([
    {
      title: 'discovery failures are failures to read jobs',
      issue: issue({ signal: 'discovery' }),
      signal: 'jobs',
    },
    { title: 'alert book failures are state failures', issue: issue({ signal: 'alerts' }), signal: 'state' },
    { title: 'notification failures', issue: issue({ signal: 'notify' }), signal: 'notify' },
  ])('$title', ({ issue: i, signal }) => {
    expect(runs([failing(i), failing(i), failing(i)])[2]).toEqual([{ signal, runs: 3 }]);
  });

  it('the agents API failing counts; the agents API being unavailable app-only (info) does not', () => {
    const failed: Partial<Observations> = { agentsApi: 'failed' };
    expect(runs([failed, failed, failed])[2]).toEqual([{ signal: 'agents', runs: 3 }]);
    const appOnly: Partial<Observations> = {
      agentsApi: 'unavailable',
      issues: [issue({ signal: 'agents', severity: 'info', code: 'AgentApiUnavailable' })],
    };
    expect(runs([appOnly, appOnly, appOnly, appOnly]).flat()).toEqual([]);
  });

  it('warnings are not failures', () => {
    const warning = issue({ signal: 'provisioning', severity: 'warning', code: 'MalformedEvent' });
    expect(runs([failing(warning), failing(warning), failing(warning)]).flat()).toEqual([]);
  });

  it('evaluating again at the same instant does not count another run', () => {
    const obs = observations({ issues: [issue({ signal: 'state' })] });
    const first = evaluate('monitor-degraded', obs, { now: at(0) });
    const again = evaluate('monitor-degraded', obs, { now: at(0), memory: first.evaluation.memory });
    expect(again.evaluation.memory.signals.state?.failures).toBe(1);
  });
});
