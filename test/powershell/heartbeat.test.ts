import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { heartbeat } from '../../functions/heartbeat.js';
import { readTable } from '../support/collectHarness.js';
import { toolOrSkip } from '../support/externalTools.js';
import { useFunctionEnvironment } from '../support/functionEnvironment.js';
import { startFunctionsHost, type FunctionsHost } from '../support/functionsHost.js';
import { pesterFailures, runPester } from '../support/pester.js';
import { testCertificate } from '../support/tls.js';

/*
 * agent-heartbeat/Send-CloudSyncHeartbeat.ps1 in real pwsh, posting with Invoke-WebRequest over HTTPS to the
 * real heartbeat handler (functions/heartbeat.ts) behind a Functions host stand-in that checks the function
 * key as the host does. The Pester container (Send-CloudSyncHeartbeat.Tests.ps1) asserts on the script's exit
 * codes, its log and the NDJSON table the handler writes; this side checks what reached the host.
 * pwsh trusts the test certificate through SSL_CERT_FILE (OpenSSL's variable, which .NET on Linux honours).
 */

const pwsh = toolOrSkip('pwsh');
const TENANT = '3f1b7c2a-9d4e-4a6b-8c1d-2e5f7a9b0c3d';
const KEY = 'local-heartbeat-key-0123456789';

describe.skipIf(pwsh.skip)(
  'Send-CloudSyncHeartbeat.ps1 (pwsh, Pester) -> heartbeat handler over HTTPS',
  () => {
    const dataDirOf = useFunctionEnvironment({ TENANT_ID: TENANT });
    let host: FunctionsHost;
    beforeEach(async () => {
      host = await startFunctionsHost({ heartbeat }, KEY);
    });
    afterEach(async () => {
      await host.close();
    });

    it(
      'records heartbeats, refuses a replay and a wrong key, and takes a retry after a lost answer',
      { timeout: 300_000 },
      async () => {
        host.loseResponses(1, ({ body }) => body.includes('"machineName":"CSYNC-LOST.contoso.com"'));
        const run = await runPester(
          pwsh.path!,
          'test/powershell/Send-CloudSyncHeartbeat.Tests.ps1',
          { Url: host.url('heartbeat'), Key: KEY, DataDir: dataDirOf(), TenantId: TENANT },
          { SSL_CERT_FILE: testCertificate().certPath },
        );
        expect(pesterFailures(run), run.output).toEqual([]);
        expect(run.tests.length).toBeGreaterThanOrEqual(6);

        // What reached the host: JSON with the key in the header only, the documented User-Agent, one 401 (no retry).
        const posts = host.requests.filter((r) => r.functionName === 'heartbeat');
        for (const post of posts) {
          expect(post.headers['content-type']).toBe('application/json; charset=utf-8');
          expect(post.headers['user-agent']).toBe('CloudSyncMonitor-Heartbeat/1.0.0');
          expect(post.body).not.toContain(KEY);
        }
        expect(posts.filter((r) => r.status === 401)).toHaveLength(1);
        const lost = posts.filter((r) => r.body.includes('CSYNC-LOST'));
        expect(lost.map((r) => r.status)).toEqual(['lost', 409]);
        expect(lost[0]!.body).toBe(lost[1]!.body); // every attempt of one run sends the identical body

        const rows = await readTable(dataDirOf(), 'CloudSyncAgent_CL');
        expect(rows.map((r) => r.MachineName)).toEqual([
          'CSYNC01.contoso.com',
          'CSYNC02.contoso.com',
          'CSYNC-LOST.contoso.com',
          'CSYNC04.contoso.com',
          'CSYNC05.contoso.com',
        ]);
        expect(new Set(rows.map((r) => r.Source))).toEqual(new Set(['heartbeat']));
      },
    );
  },
);
