import { describe, expect, it } from 'vitest';
import { tempDataDir } from '../support/collectHarness.js';
import { cli } from './cliProcess.js';

/** What a first-time user sees when something is missing or wrong: real CLI processes, no credentials. */
describe('CLI errors name the fix', () => {
  it('status --json with no local run and no credentials: one JSON document, unknown, exit 3', async () => {
    const dataDir = await tempDataDir();
    const local = await cli(['status', '--json'], { DATA_DIR: dataDir });
    expect(local.code).toBe(3);
    expect(JSON.parse(local.stdout)).toMatchObject({
      health: 'unknown',
      reason: expect.stringMatching(
        /no local run yet.*cloudsync-monitor run.*or use --live to ask Graph now/,
      ),
    });

    const live = await cli(['status', '--json', '--live'], { DATA_DIR: dataDir });
    expect(live.code).toBe(3);
    const body = JSON.parse(live.stdout) as { health: string; reason: string };
    expect(body.health).toBe('unknown');
    for (const name of ['GRAPH_ACCESS_TOKEN', 'AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET'])
      expect(body.reason).toContain(name);
    expect(body.reason).toMatch(/managed identity/);
    // Not Azure Identity's line per credential it tried, not a stack trace.
    expect(live.stdout + live.stderr).not.toMatch(
      /CredentialUnavailableError|ChainedTokenCredential|\n\s+at /,
    );
  });

  it.each([['ack', '64a25e39cc145061'], ['digest'], ['ack', '--list']])(
    '%s with no local run names the fix it has, not --live (which only status takes)',
    async (...args) => {
      const result = await cli(args, { DATA_DIR: await tempDataDir() });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/no local run yet.*cloudsync-monitor run/);
      expect(result.stderr).not.toContain('--live');
    },
  );

  it('run with no settings names GRAPH_ACCESS_TOKEN and the AZURE_* variables, exit 2', async () => {
    const result = await cli(['run'], { DATA_DIR: await tempDataDir() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /GRAPH_ACCESS_TOKEN.*AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET/,
    );
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toBe('');
  });

  it('reports every bad setting at once, in plain words, with a bad cron among them', async () => {
    const result = await cli(['run'], {
      GRAPH_BASE_URL: 'http://graph.example',
      TEAMS_WEBHOOK_URL: 'ftp://x',
      COLLECT_SCHEDULE: 'nonsense nonsense',
      RUN_LEASE_SECONDS: 'abc',
    });
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toBe('invalid settings:');
    expect(result.stderr).toContain("GRAPH_BASE_URL must be an https:// URL, got 'http://graph.example'");
    expect(result.stderr).toContain('TEAMS_WEBHOOK_URL must be an https:// URL (value not shown)');
    expect(result.stderr).toMatch(/COLLECT_SCHEDULE must be a 6-field NCRONTAB expression .*needs 6 fields/);
    expect(result.stderr).toContain(
      "RUN_LEASE_SECONDS must be a whole number between 30 and 7200, got 'abc'",
    );
    expect(result.stderr).not.toMatch(/expected|received|NaN/);
  });

  it('<command> --help prints that command usage and exits 0, in a real process too', async () => {
    const result = await cli(['status', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^usage: cloudsync-monitor status \[--json\] \[--live\]/);
    expect(result.stderr).toBe('');
  });
});
