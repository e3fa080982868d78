import { describe, expect, it } from 'vitest';
import { toolOrSkip } from '../support/externalTools.js';
import { pesterFailures, runPester } from '../support/pester.js';

/*
 * agent-heartbeat/Install-CloudSyncHeartbeatTask.ps1 in real pwsh under Pester, with the Windows-only
 * cmdlets mocked (Install-CloudSyncHeartbeatTask.Tests.ps1 says what it asserts): the task it registers,
 * the configuration and its ACLs, the test run, the service check on current and older agents, -Uninstall.
 */

const pwsh = toolOrSkip('pwsh');

describe.skipIf(pwsh.skip)(
  'Install-CloudSyncHeartbeatTask.ps1 (pwsh, Pester, Windows cmdlets mocked)',
  () => {
    it(
      'registers the heartbeat task, writes a locked-down configuration and uninstalls',
      { timeout: 300_000 },
      async () => {
        const run = await runPester(
          pwsh.path!,
          'test/powershell/Install-CloudSyncHeartbeatTask.Tests.ps1',
          {},
        );
        expect(pesterFailures(run), run.output).toEqual([]);
        expect(run.tests.length).toBeGreaterThanOrEqual(10);
      },
    );
  },
);
