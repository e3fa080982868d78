import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applySilences, windowSilences, type Silence } from '../../src/alerts/silences.js';
import { runMonitor } from '../../src/app/monitorRun.js';
import { buildDigest } from '../../src/digest/runDigest.js';
import { main } from '../../src/cli.js';
import { virtualClock, type VirtualClock } from '../../src/clock.js';
import { localStatus } from '../../src/commands/localStatus.js';
import type { DemoTenant } from '../../src/demo/server.js';
import { syntheticScenario } from '../../src/demo/scenario.js';
import { silentLogger } from '../../src/log.js';
import {
  dependencies,
  readTable,
  settingsFor,
  startTestTenant,
  tempDataDir,
} from '../support/collectHarness.js';
import { TeamsWebhookServer } from '../support/teamsWebhookServer.js';
import { candidate } from '../alerts/lifecycle.js';
import { advance } from '../../src/alerts/advance.js';
import { emptyAlertBook } from '../../src/alerts/book.js';
import { defaultAlertSettings } from '../../src/alerts/settings.js';
import { fullCoverage } from '../../src/rules/coverage.js';

/**
 * Issue 11 item 3: silences by matchers and a time window, created with the CLI (and the recurring
 * MAINTENANCE_WINDOWS setting). Silenced alerts record their transitions and show in `status`, but
 * nothing reaches Teams; an alert still firing when its silence ends is told then, once.
 */
const MIN = 60_000;
const HOUR = 60 * MIN;
const START = new Date('2026-11-21T08:00:00Z'); // a Saturday

let teams: TeamsWebhookServer;
let tenant: DemoTenant;
let clock: VirtualClock;
const saved = { ...process.env };

beforeEach(async () => {
  clock = virtualClock(START);
  teams = await TeamsWebhookServer.start();
  tenant = await startTestTenant({
    clock,
    scenario: syntheticScenario({ start: new Date(START.getTime() - 2 * HOUR), events: 300, spanMs: HOUR }),
  });
});
afterEach(async () => {
  process.env = { ...saved };
  await Promise.all([teams.close(), tenant.close()]);
});

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('silences', () => {
  it('a CLI silence mutes the alerts (recorded, in status, not notified); when it ends while they fire, they are told', async () => {
    const dataDir = await tempDataDir();
    // No hold-down: these tests are about silences, and want the alerts of the first run.
    const settings = settingsFor(tenant, dataDir, {
      TEAMS_WEBHOOK_URL: teams.webhookUrl,
      ALERT_HOLD_DOWN_MINUTES: '0',
    });
    const deps = await dependencies(settings, clock);
    Object.assign(process.env, { TENANT_ID: tenant.tenantId, DATA_DIR: dataDir });

    const added = await cli([
      'silence',
      'add',
      '--match',
      `tenant=${tenant.tenantId}`,
      '--for',
      '1h',
      '--comment',
      'agent patch night',
      '--by',
      'Ops on call',
      '--now',
      START.toISOString(),
    ]);
    expect(added.err).toBe('');
    expect(added.code).toBe(0);
    const id = /silence (s-[0-9a-f]+) added/.exec(added.out)?.[1];
    expect(id).toBeDefined();

    await runMonitor(deps, { trigger: 'test' });
    const rows = await readTable(dataDir, 'CloudSyncAlert_CL');
    expect(rows.filter((r) => r.Transition === 'new').length).toBeGreaterThan(0);
    expect(rows.every((r) => (r.Details as Record<string, unknown>).silencedBy === id)).toBe(true);
    expect(rows.every((r) => (r.Details as Record<string, unknown>).notified === false)).toBe(true);
    expect(teams.posts).toHaveLength(0);
    const status = await localStatus(settings, clock, silentLogger, clock.now());
    expect(status.openAlerts.length).toBeGreaterThan(0);
    // Shown as silenced, by whom and until when: in the JSON and the text of `status`.
    const until = new Date(START.getTime() + HOUR).toISOString();
    expect(status.openAlerts.every((a) => a.silenced?.id === id)).toBe(true);
    expect(status.openAlerts[0]!.silenced).toEqual({
      id,
      by: 'Ops on call',
      until,
      comment: 'agent patch night',
    });
    const text = await cli(['status', '--now', clock.now().toISOString()]);
    expect(text.out).toContain(`(silenced by Ops on call until ${until}: agent patch night; silence ${id})`);
    const json = JSON.parse((await cli(['status', '--json', '--now', clock.now().toISOString()])).out);
    expect(json.openAlerts[0].silenced).toMatchObject({ by: 'Ops on call', until });
    // The digest labels them silenced too.
    const digest = await buildDigest({
      state: deps.state,
      tenantId: tenant.tenantId,
      now: new Date(START.getTime() + HOUR),
      settings,
    });
    expect(digest.message.email.plainText).toContain(`silenced (${id})`);
    expect(digest.message.email.html).toContain(`silenced (${id})`);

    const listed = await cli(['silence', 'list', '--json', '--now', clock.now().toISOString()]);
    expect(JSON.parse(listed.out).silences).toEqual([
      expect.objectContaining({ id, active: true, createdBy: 'Ops on call', comment: 'agent patch night' }),
    ]);

    // Still firing 70 minutes later, the silence over: told now, once, as NEW.
    clock.advance(70 * MIN);
    await runMonitor(deps, { trigger: 'test' });
    clock.advance(5 * MIN);
    await runMonitor(deps, { trigger: 'test' });
    expect(teams.accepted).toHaveLength(1);
    expect(JSON.stringify(teams.accepted[0]!.body)).toMatch(/NEW/);
  }, 120_000);

  it('silence expire ends a silence early; bad matchers are usage errors', async () => {
    const dataDir = await tempDataDir();
    Object.assign(process.env, { TENANT_ID: tenant.tenantId, DATA_DIR: dataDir });
    const bad = await cli(['silence', 'add', '--match', 'colour=blue', '--for', '1h', '--comment', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/colour=blue/);
    const added = await cli([
      'silence',
      'add',
      '--match',
      'kind=agent-offline',
      '--for',
      '2h',
      '--comment',
      'patching',
    ]);
    const id = /silence (s-[0-9a-f]+) added/.exec(added.out)![1]!;
    const expired = await cli(['silence', 'expire', id]);
    expect(expired.code).toBe(0);
    const listed = JSON.parse((await cli(['silence', 'list', '--json'])).out);
    expect(listed.silences[0]).toMatchObject({ id, active: false });
    expect((await cli(['silence', 'expire', 's-nope'])).code).toBe(1);
  });

  it('a recurring MAINTENANCE_WINDOWS window mutes what matches, only while it is open', async () => {
    const dataDir = await tempDataDir();
    const settings = settingsFor(tenant, dataDir, {
      ALERT_HOLD_DOWN_MINUTES: '0',
      TEAMS_WEBHOOK_URL: teams.webhookUrl,
      MAINTENANCE_WINDOWS: JSON.stringify([
        {
          name: 'saturday',
          matchers: { tenant: tenant.tenantId },
          days: ['sat'],
          start: '07:30',
          durationMinutes: 60,
        },
      ]),
    });
    const deps = await dependencies(settings, clock);
    await runMonitor(deps, { trigger: 'test' });
    expect(teams.posts).toHaveLength(0);
    const rows = await readTable(dataDir, 'CloudSyncAlert_CL');
    expect(rows.length).toBeGreaterThan(0);
    expect((rows[0]!.Details as Record<string, unknown>).silencedBy).toBe('window:saturday');
    clock.advance(40 * MIN); // 08:40: the window closed at 08:30
    await runMonitor(deps, { trigger: 'test' });
    expect(teams.accepted).toHaveLength(1);
  }, 120_000);

  it('windows are UTC, on their days only, and may cross midnight', () => {
    const w = [
      {
        name: 'n',
        matchers: { kind: 'agent-offline' },
        days: ['fri' as const],
        start: '23:00',
        durationMinutes: 120,
        comment: '',
      },
    ];
    expect(windowSilences(w, new Date('2026-11-20T23:30:00Z'))).toHaveLength(1); // Friday
    expect(windowSilences(w, new Date('2026-11-21T00:30:00Z'))).toHaveLength(1); // after midnight
    expect(windowSilences(w, new Date('2026-11-21T01:30:00Z'))).toHaveLength(0);
    expect(windowSilences(w, new Date('2026-11-21T23:30:00Z'))).toHaveLength(0); // Saturday
  });

  it('matchers: every label must match, any case; a resolve while silenced is recorded only', () => {
    const now = new Date('2026-11-21T08:00:00Z');
    const open = candidate('job-quarantined', { severity: 'critical' });
    const { book, transitions } = advance(emptyAlertBook(), [open], fullCoverage, now, defaultAlertSettings);
    const silence = (matchers: Silence['matchers']): Silence => ({
      id: 's-1',
      matchers,
      startsAt: now.toISOString(),
      endsAt: new Date(now.getTime() + HOUR).toISOString(),
      createdBy: 'x',
      comment: 'y',
      createdAt: now.toISOString(),
    });
    const muted = applySilences(
      book.alerts,
      transitions,
      [silence({ kind: 'JOB-QUARANTINED', severity: 'critical' })],
      now,
    );
    expect(muted.transitions.every((t) => t.recordOnly && t.silencedBy === 's-1')).toBe(true);
    const other = applySilences(
      book.alerts,
      transitions,
      [silence({ kind: 'job-quarantined', severity: 'warning' })],
      now,
    );
    expect(other.transitions.some((t) => t.recordOnly)).toBe(false);
  });
});
