import { describe, expect, it } from 'vitest';
import { readRepoFile } from './infraFiles.js';

/*
 * The heartbeat body is a contract between agent-heartbeat/Send-CloudSyncHeartbeat.ps1 and the heartbeat
 * function, written down in agent-heartbeat/README.md. PowerShell cannot run here, so this checks that the
 * script builds exactly the fields the README documents.
 */

const readme = readRepoFile('agent-heartbeat/README.md');
const script = readRepoFile('agent-heartbeat/Send-CloudSyncHeartbeat.ps1');
const contract = readme.slice(readme.indexOf('## The request'));
interface ExampleBody {
  readonly services: readonly { readonly name: string }[];
  readonly sentAt: string;
  readonly lastTraceLogAt: string;
}
const example = JSON.parse(/```json\n([\s\S]*?)\n```/.exec(contract)![1]!) as ExampleBody;

/** Keys of the `@{ ... }` hashtable literal that starts at `marker` in the script. */
function hashtableKeys(marker: string): string[] {
  const open = script.indexOf(marker);
  expect(open, marker).toBeGreaterThan(-1);
  let depth = 0;
  let end = open + marker.length - 1;
  for (; end < script.length; end++) {
    if (script[end] === '{') depth++;
    if (script[end] === '}' && --depth === 0) break;
  }
  const literal = script.slice(open + marker.length, end);
  return [...literal.matchAll(/^\s*(\w+)\s*=/gm)].map((m) => m[1]!);
}

describe('heartbeat body contract', () => {
  it('the script builds the documented top-level fields, tenantId only when configured', () => {
    const built = hashtableKeys('$body = [ordered]@{');
    expect(built).toEqual(['machineName', 'agentVersion', 'services', 'lastTraceLogAt', 'sentAt']);
    expect(script).toMatch(/if \(\$TenantId\) \{ \$body\.tenantId = \$TenantId \}/);
    expect(Object.keys(example)).toEqual([...built, 'tenantId']);
  });

  it('each service entry has the documented fields, for both agent services', () => {
    const entries = [
      ...script.matchAll(
        /\[ordered\]@\{ name = \$name; displayName = [^;]+; status = [^;]+; startType = [^}]+\}/g,
      ),
    ];
    expect(entries).toHaveLength(2); // installed and not installed
    for (const service of example.services) {
      expect(Object.keys(service)).toEqual(['name', 'displayName', 'status', 'startType']);
      expect(script).toContain(`'${service.name}'`);
    }
    expect(example.services.map((s) => s.name)).toEqual([
      'AADConnectProvisioningAgent',
      'AzureADConnectAgentUpdater',
    ]);
  });

  it('documents every field in the table, and times in one UTC format', () => {
    for (const field of ['machineName', 'agentVersion', 'services', 'lastTraceLogAt', 'sentAt', 'tenantId']) {
      expect(contract).toMatch(new RegExp(`\\| \`${field}\` +\\|`));
    }
    for (const field of ['name', 'displayName', 'status', 'startType']) {
      expect(contract).toMatch(new RegExp(`\\| \`services\\[\\]\\.${field}\` +\\|`));
    }
    const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
    expect(example.sentAt).toMatch(iso);
    expect(example.lastTraceLogAt).toMatch(iso);
    expect(script).toContain(`ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'"`);
  });

  it('sends the key in the x-functions-key header over TLS 1.2, never in the URL or the log', () => {
    expect(script).toMatch(/Headers\s*=\s*@\{ 'x-functions-key' = \$Config\.Key \}/);
    expect(script).toContain('[Net.SecurityProtocolType]::Tls12');
    expect(script).toContain("throw 'put the function key in functionKey, not in the url'");
    expect(script).toMatch(/\$Message = \$Message\.Replace\(\$Secret, '\*\*\*'\)/);
    expect(contract).toContain('x-functions-key: <function key>');
  });
});
