import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAlerting } from '../../src/alerts/alerting.js';
import { deliverOutbox } from '../../src/app/deliverOutbox.js';
import { runMonitor } from '../../src/app/monitorRun.js';
import { virtualClock, type VirtualClock } from '../../src/clock.js';
import { loadSettings } from '../../src/config.js';
import type { DemoTenant } from '../../src/demo/server.js';
import { syntheticScenario } from '../../src/demo/scenario.js';
import { silentLogger } from '../../src/log.js';
import { retryPending, type NotifyDependencies } from '../../src/notify/dispatch.js';
import { NdjsonSink } from '../../src/sinks/ndjsonSink.js';
import { FileStateStore } from '../../src/state/fileStateStore.js';
import type { StateStore } from '../../src/state/store.js';
import { HOUR, MIN, TENANT, at, job, observations, quarantinedJob, settings } from '../rules/fixtures.js';
import {
  dependencies,
  readTable,
  settingsFor,
  startTestTenant,
  tempDataDir,
} from '../support/collectHarness.js';
import { TeamsWebhookServer } from '../support/teamsWebhookServer.js';

/**
 * Issue 9, rows 7 and 9: the alert transitions and their message are committed together (the book's
 * outbox), so a crash after the commit loses no message; and a channel gets its messages in commit
 * order, even while an earlier one waits for a long Retry-After.
 */
let dir: string;
let teams: TeamsWebhookServer;
let clock: VirtualClock;
const tenants: DemoTenant[] = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'outbox-'));
  teams = await TeamsWebhookServer.start();
});
afterEach(async () => {
  await teams.close();
  await Promise.all(tenants.splice(0).map((t) => t.close()));
  await rm(dir, { recursive: true, force: true });
});

describe('notifications: a transactional outbox, in order per channel', () => {
  it('a channel waiting for a 2-hour Retry-After gets NEW before RESOLVED, each once (row 9)', async () => {
    clock = virtualClock(at(0));
    const state = new FileStateStore(path.join(dir, 'state'));
    const sink = new NdjsonSink(dir);
    const all = loadSettings({}, { TEAMS_WEBHOOK_URL: teams.webhookUrl, DATA_DIR: dir });
    const notify: NotifyDependencies = {
      state,
      clock,
      log: silentLogger,
      settings: all.notify,
      dataDir: dir,
    };
    const alerting = { state, sink, clock, tenantId: TENANT, settings: settings() };
    const quarantined = quarantinedJob();
    teams.failNext(1, { status: 429, retryAfterSeconds: 7200 });

    const opened = await runAlerting(alerting, observations({ jobs: [quarantined] }), {
      id: 'm-new',
      createdAt: clock.now().toISOString(),
    });
    await deliverOutbox({ tenantId: TENANT, notify, ack: all.alerts.ack }, opened.outbox);
    clock.advance(5 * MIN);
    const recent = new Date(clock.now().getTime() - 2 * MIN).toISOString();
    const healthy = job({ LastExecutionEnded: recent, LastSuccessfulExecutionEnded: recent });
    const resolved = await runAlerting(alerting, observations({ jobs: [healthy] }), {
      id: 'm-resolved',
      createdAt: clock.now().toISOString(),
    });
    expect(resolved.transitions.map((t) => t.transition)).toEqual(['resolved']);
    const waiting = await deliverOutbox({ tenantId: TENANT, notify, ack: all.alerts.ack }, resolved.outbox);

    // While NEW waits for its Retry-After, RESOLVED is not posted either.
    expect(teams.accepted).toHaveLength(0);
    expect(waiting.waiting).toBe(2);

    clock.advance(2 * HOUR);
    await retryPending(notify);
    const book = await runAlerting(alerting, observations({ jobs: [healthy] }));
    const done = await deliverOutbox({ tenantId: TENANT, notify, ack: all.alerts.ack }, book.outbox);

    expect(done.waiting).toBe(0);
    expect(teams.accepted).toHaveLength(2);
    const [first, second] = teams.accepted.map((p) => JSON.stringify(p.body));
    expect(first).toMatch(/quarantin/i);
    expect(first).not.toMatch(/RESOLVED/);
    expect(second).toMatch(/RESOLVED/);
  });

  it('a run killed right after committing its transitions still gets its message out, once (row 7)', async () => {
    clock = virtualClock(new Date('2026-11-22T08:00:00Z'));
    const tenant = await startTestTenant({
      clock,
      scenario: syntheticScenario({ start: new Date('2026-11-22T06:00:00Z'), events: 400, spanMs: HOUR }),
    });
    tenants.push(tenant);
    const dataDir = await tempDataDir();
    // No hold-down: the first run opens its alerts, so it is that run which dies with a message to send.
    const settingsWithTeams = settingsFor(tenant, dataDir, {
      TEAMS_WEBHOOK_URL: teams.webhookUrl,
      ALERT_HOLD_DOWN_MINUTES: '0',
    });
    const deps = await dependencies(settingsWithTeams, clock);
    // The process dies at its first step after the commit: queueing the message for delivery. The
    // test goes on the moment it gets there (no sleep: under load a run may take any time to get there).
    let died: () => void = () => undefined;
    const death = new Promise<void>((resolve) => (died = resolve));
    const dying: StateStore = {
      read: (key) => deps.state.read(key),
      list: (tenantId, prefix) => deps.state.list(tenantId, prefix),
      delete: (key, condition) => deps.state.delete(key, condition),
      write: (key, value, condition) => {
        if (!key.name.startsWith('pending-')) return deps.state.write(key, value, condition);
        died();
        return new Promise<string>(() => undefined);
      },
    };
    const killed = runMonitor(
      { ...deps, state: dying, notify: { ...deps.notify, state: dying } },
      { trigger: 'test' },
    ).then(() => {
      throw new Error('the run finished without queueing its message');
    });
    await Promise.race([death, killed]);
    expect(teams.posts).toHaveLength(0);

    clock.advance(11 * MIN);
    const next = await runMonitor(deps, { trigger: 'test' });
    clock.advance(5 * MIN);
    await runMonitor(deps, { trigger: 'test' });

    expect(next.delivery?.reports.size).toBeGreaterThanOrEqual(1);
    const alertRows = await readTable(dataDir, 'CloudSyncAlert_CL');
    const opened = alertRows.filter((r) => r.Transition === 'new');
    expect(opened.length).toBeGreaterThan(0);
    // Every opened alert reached Teams exactly once, in the first message.
    expect(teams.accepted).toHaveLength(1);
    const card = JSON.stringify(teams.accepted[0]?.body);
    for (const row of opened) expect(card).toContain(String(row.Kind).split('-')[0]);
    expect(opened.every((r) => Array.isArray(r.Channels) && r.Channels.includes('teams'))).toBe(true);
  });
});
