import { beforeAll, describe, expect, it } from 'vitest';
import { ALERT_KINDS } from '../../src/domain/alertModel.js';
import { readTable, tempDataDir } from '../support/collectHarness.js';
import { cli } from './cliProcess.js';

/**
 * The newcomer's path: `demo`, then `status`, `ack`, `ack --list` on its data dir, each a real CLI
 * process with no credentials and a Graph base URL nothing listens on: none of them may need Graph.
 */
describe('status and ack on the data dir of a demo', () => {
  let dataDir: string;
  const offline = () => ({ DATA_DIR: dataDir, GRAPH_BASE_URL: 'https://127.0.0.1:9' });
  let alertId: string;

  beforeAll(async () => {
    dataDir = await tempDataDir();
    const demo = await cli(['demo', '--day', '2026-11-21'], { DATA_DIR: dataDir });
    expect(demo.code, demo.stderr).toBe(0);
    // The timeline's transition column starts at one place on every line, the longest kind included.
    const timeline = [
      ...demo.stdout.matchAll(
        /^ {2}\d{2}:\d{2} {2}(\S+ +)(new|updated|escalated|repeat|resolved|acknowledged) /gm,
      ),
    ];
    expect(timeline.map((m) => m[1]!.trimEnd())).toContain('initial-sync-paused');
    expect(new Set(timeline.map((m) => m[1]!.length))).toEqual(
      new Set([Math.max(...ALERT_KINDS.map((k) => k.length)) + 1]),
    );
  }, 240_000);

  it('status reads the last local run: Nagios exit code, the open alerts with their ids, how old it is', async () => {
    const json = await cli(['status', '--json'], offline());
    const body = JSON.parse(json.stdout) as {
      health: string;
      source: string;
      lastRun: { at: string; outcome: string };
      openAlerts: { id: string; kind: string; severity: string }[];
      findings: { health: string; subject: string; message: string }[];
    };
    expect(json.stdout.trim().split('\n')).toHaveLength(1);
    // The demo day ends with one sync-errors warning open; the run itself succeeded at midnight.
    expect(body).toMatchObject({ health: 'warning', source: 'local', lastRun: { outcome: 'success' } });
    expect(body.lastRun.at).toBe('2026-11-22T00:00:00.000Z');
    expect(body.openAlerts.map((a) => [a.kind, a.severity])).toEqual([['sync-errors', 'warning']]);
    // Real time is long after the demo day: the evidence is old, and status says so.
    expect(body.findings).toContainEqual(
      expect.objectContaining({
        health: 'unknown',
        subject: 'monitor',
        message: expect.stringMatching(/as of then/),
      }),
    );
    expect(json.code).toBe(1);
    alertId = body.openAlerts[0]?.id ?? '';

    const text = await cli(['status'], offline());
    expect(text.code).toBe(1);
    expect(text.stdout.split('\n')[0]).toMatch(/^WARNING: Cloud Sync in tenant \S+: 1 open alert/);
    expect(text.stdout).toContain(`open alert ${alertId} [warning] sync-errors`);
    expect(text.stderr).toBe('');
  });

  it('a second ack changes nothing; ack --list shows who acknowledged and until when', async () => {
    const first = await cli(['ack', alertId, '--by', 'ops@contoso.example'], offline());
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(
      new RegExp(`acknowledged sync-errors ${alertId}: .*silenced until it resolves`),
    );

    const second = await cli(['ack', alertId, '--by', 'someone-else'], offline());
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(
      `alert ${alertId} is already acknowledged by ops@contoso.example until it resolves: nothing changed`,
    );
    const rows = (await readTable(dataDir, 'CloudSyncAlert_CL')).filter(
      (r) => r.AlertId === alertId && r.Transition === 'acknowledged',
    );
    expect(rows).toHaveLength(1);

    const list = await cli(['ack', '--list'], offline());
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('1 open alert, 1 acknowledged');
    expect(list.stdout).toMatch(
      new RegExp(`${alertId} .*sync-errors.* by ops@contoso.example until it resolves`),
    );
  });
});
