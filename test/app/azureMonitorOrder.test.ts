import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acceptAzureMonitorAlert } from '../../src/app/azureMonitorAlert.js';
import { virtualClock, type VirtualClock } from '../../src/clock.js';
import { loadSettings } from '../../src/config.js';
import type { CommonAlert } from '../../src/domain/commonAlert.js';
import { silentLogger } from '../../src/log.js';
import { dispatch, retryPending, type NotifyDependencies } from '../../src/notify/dispatch.js';
import { NdjsonSink } from '../../src/sinks/ndjsonSink.js';
import { FileStateStore } from '../../src/state/fileStateStore.js';
import { readTable } from '../support/collectHarness.js';
import { TeamsWebhookServer } from '../support/teamsWebhookServer.js';
import { message } from '../notify/helpers.js';

/**
 * Per receiver channel, messages reach people in the order they were queued, whichever path queued
 * them (a monitor run's outbox, a digest, an Azure Monitor alert, a fleet poison alert). Before, only
 * the alert book's outbox was ordered: an Azure Monitor FIRED waiting out a Teams 429 was overtaken by
 * its RESOLVED minutes later, and the last card in the channel said the alert was firing.
 */
const TENANT = '3f1b7c2a-9d4e-4a6b-8c1d-2e5f7a9b0c3d';
const MIN = 60_000;

let teams: TeamsWebhookServer;
let clock: VirtualClock;

beforeEach(async () => {
  clock = virtualClock(new Date('2026-03-02T12:00:00Z'));
  teams = await TeamsWebhookServer.start();
});
afterEach(async () => {
  await teams.close();
});

async function setUp() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'queue-order-'));
  const state = new FileStateStore(path.join(dir, 'state'));
  const all = loadSettings({}, { DATA_DIR: dir, TEAMS_WEBHOOK_URL: teams.webhookUrl });
  const notify: NotifyDependencies = { state, clock, log: silentLogger, settings: all.notify, dataDir: dir };
  const deps = { tenantId: TENANT, sink: new NdjsonSink(dir), state, clock, log: silentLogger, notify };
  return { dir, notify, deps };
}

function alert(condition: 'Fired' | 'Resolved'): CommonAlert {
  return {
    schemaId: 'azureMonitorCommonAlertSchema',
    data: {
      essentials: {
        alertId: '/subscriptions/x/providers/Microsoft.AlertsManagement/alerts/abc',
        alertRule: 'cloudsync-monitor-dead-mans-switch',
        severity: 'Sev1',
        monitorCondition: condition,
        firedDateTime: '2026-03-02T11:59:00Z',
        ...(condition === 'Resolved' ? { resolvedDateTime: '2026-03-02T12:10:00Z' } : {}),
      },
    },
  };
}

const shown = () =>
  teams.accepted.map((p) => (/RESOLVED|Resolved/.test(JSON.stringify(p.body)) ? 'RESOLVED' : 'FIRED'));

describe('one queue per receiver channel', () => {
  it('an Azure Monitor RESOLVED waits behind its FIRED held by a Teams 429: Teams shows FIRED, then RESOLVED', async () => {
    const { dir, notify, deps } = await setUp();
    teams.failNext(1, { status: 429, retryAfterSeconds: 600 });
    expect(await acceptAzureMonitorAlert(deps, alert('Fired'))).toMatchObject({ accepted: true });
    clock.advance(10 * MIN);
    // Teams works again, but the FIRED is still waiting for its Retry-After: the RESOLVED goes behind it.
    expect(await acceptAzureMonitorAlert(deps, alert('Resolved'))).toMatchObject({ accepted: true });
    expect(teams.accepted).toHaveLength(0);
    const rows = await readTable(dir, 'CloudSyncAlert_CL');
    expect(rows.map((r) => (r.Details as { delivery: Record<string, string> }).delivery.teams)).toEqual([
      'pending',
      'pending',
    ]);

    clock.advance(5 * MIN); // the next monitor run's deliver-pending stage
    const retried = await retryPending(notify);
    expect(retried.results.map((r) => r.outcome)).toEqual(['delivered', 'delivered']);
    expect(shown()).toEqual(['FIRED', 'RESOLVED']);
    expect(retried.stillPending).toBe(0);
  });

  it('retryPending keeps queue order per channel: a later message waits while the earlier one is not due', async () => {
    const { notify } = await setUp();
    teams.failNext(1, { status: 429, retryAfterSeconds: 1800 });
    await dispatch(message('first'), notify);
    clock.advance(MIN);
    const second = await dispatch(message('second'), notify);
    expect(second.channels.find((c) => c.channel === 'teams')).toMatchObject({
      outcome: 'pending',
      reason: 'queued',
    });
    clock.advance(5 * MIN);
    // The first waits for its 30-minute Retry-After; the second must not overtake it. (Email, the local
    // outbox here, took both at once: a channel's queue holds no other channel.)
    const early = await retryPending(notify);
    expect(early.results).toEqual([]);
    expect(early.stillPending).toBe(2);
    expect(teams.accepted).toHaveLength(0);

    clock.advance(30 * MIN);
    await retryPending(notify);
    const texts = teams.accepted.map((p) => JSON.stringify(p.body));
    expect(texts).toHaveLength(2);
    expect(texts[0]).toContain('alert first');
    expect(texts[1]).toContain('alert second');
  });
});
