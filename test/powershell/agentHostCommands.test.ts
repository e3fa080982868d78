import { describe, expect, it } from 'vitest';
import { agentHostSteps } from '../../src/render/guidance/agentHost.js';
import { jobErrorGuidance } from '../../src/render/guidance/jobErrors.js';
import { toolOrSkip } from '../support/externalTools.js';
import { pesterFailures, runPester } from '../support/pester.js';

/*
 * Every Windows service command the alert guidance prints (agent host steps, the agent signalling error)
 * works on every agent generation agent-heartbeat/README.md lists: run in pwsh against a Get-Service mocked
 * the way Windows answers (AgentHostCommands.Tests.ps1).
 */

const pwsh = toolOrSkip('pwsh');

const serviceCommands = [
  ...agentHostSteps('CSYNC01.contoso.com'),
  ...(jobErrorGuidance('HybridIdentityServiceAgentSignalingError')?.steps ?? []),
]
  .flatMap((step) => (step.code ?? '').split('\n'))
  .filter((line) => /^\w+-Service\b/.test(line));

describe.skipIf(pwsh.skip)('agent-host service commands (pwsh, Pester, Get-Service mocked)', () => {
  it('find and start the agent services on current and older agents', { timeout: 300_000 }, async () => {
    expect(serviceCommands.length).toBeGreaterThanOrEqual(3);
    const run = await runPester(pwsh.path!, 'test/powershell/AgentHostCommands.Tests.ps1', {
      Commands: serviceCommands,
    });
    expect(pesterFailures(run), run.output).toEqual([]);
    expect(run.tests).toHaveLength(1 + 2 * serviceCommands.length);
  });
});
