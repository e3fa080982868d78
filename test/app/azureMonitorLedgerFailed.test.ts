import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { acceptAzureMonitorAlert } from '../../src/app/azureMonitorAlert.js';
import { virtualClock, type VirtualClock } from '../../src/clock.js';
import { loadSettings } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import type { NotifyDependencies } from '../../src/notify/dispatch.js';
import { NdjsonSink } from '../../src/sinks/ndjsonSink.js';
import { FileStateStore } from '../../src/state/fileStateStore.js';
import { readTable } from '../support/collectHarness.js';
import { FaultyStateStore } from '../support/faultyStateStore.js';
import { azureMonitorFired } from '../support/azureMonitorFired.js';
import { TeamsWebhookServer } from '../support/teamsWebhookServer.js';

/**
 * A duplicate is what the ledger knew of the message, not a delivery: Teams refused an Azure Monitor
 * alert for good (400) while the email ledger could not be read, so Azure Monitor called again. Before,
 * the retried call found Teams' `failed` ledger entry, reported it as a duplicate and wrote a row saying
 * Teams had confirmed the alert.
 */
const TENANT = '8f3c2a10-5b7e-4c1d-9a2f-0e6b7d4c3b21';
let dir: string;
let clock: VirtualClock;
let teams: TeamsWebhookServer;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'review-dup-'));
  clock = virtualClock(new Date('2026-11-23T08:00:00.000Z'));
  teams = await TeamsWebhookServer.start();
});
afterEach(async () => {
  await teams.close();
  await rm(dir, { recursive: true, force: true });
});

it('Teams refused an Azure Monitor alert for good (400): the retried call does not count Teams as confirmed', async () => {
  const state = new FaultyStateStore(new FileStateStore(path.join(dir, 'state')));
  const all = loadSettings({}, { DATA_DIR: dir, TEAMS_WEBHOOK_URL: teams.webhookUrl });
  const notify: NotifyDependencies = { state, clock, log: silentLogger, settings: all.notify, dataDir: dir };
  const deps = { tenantId: TENANT, state, sink: new NdjsonSink(dir), clock, log: silentLogger, notify };
  // Teams refuses this card for good; the email ledger read meets a storage blip (email deferred).
  teams.failNext(1, { status: 400 });
  state.fail({ op: 'read', prefix: 'ledger-email', times: 1 });
  const alert = azureMonitorFired(clock.now());
  await expect(acceptAzureMonitorAlert(deps, alert)).rejects.toThrow(/could not be queued on email/);
  expect(teams.posts.map((p) => p.status)).toEqual([400]);
  clock.advance(60_000);
  // Azure Monitor calls again.
  expect(await acceptAzureMonitorAlert(deps, alert)).toMatchObject({ accepted: true });
  expect(teams.accepted).toHaveLength(0);
  const [row] = await readTable(dir, 'CloudSyncAlert_CL');
  // Teams never took it: it must not be among the channels that confirmed it.
  expect(row?.Channels).toEqual(['email']);
  expect((row?.Details as { delivery?: Record<string, string> }).delivery).toMatchObject({ teams: 'failed' });
});
