import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { virtualClock } from '../../src/clock.js';
import { loadSettings } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { dispatch, retryPending, type NotifyDependencies } from '../../src/notify/dispatch.js';
import type { OutboundMessage } from '../../src/notify/message.js';
import { notifyKey } from '../../src/notify/notifyState.js';
import { TableStateStore } from '../../src/state/tableStateStore.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { TeamsWebhookServer } from '../support/teamsWebhookServer.js';

/**
 * Fleet mode: every tenant's messages go through the deployment's channels, so a fleet-wide event has
 * many tenants' runs delivering at once. Each message must reach Teams once, also with a month of
 * deliveries recorded before (an upgrade from one ledger value per channel, 3000 ids), and an id that
 * old ledger holds is not sent again. Real Table Storage (Azurite) and the Teams stand-in over HTTPS.
 */
const START = new Date('2026-11-22T08:00:00Z');
let azurite: Azurite;
let teams: TeamsWebhookServer;
let dir: string;
beforeAll(async () => {
  azurite = await startAzurite();
  teams = await TeamsWebhookServer.start();
  dir = await mkdtemp(path.join(os.tmpdir(), 'ledger-contention-'));
});
afterAll(async () => {
  await teams?.close();
  await azurite?.stop();
  await rm(dir, { recursive: true, force: true });
});

function message(id: string, tenant: number): OutboundMessage {
  return {
    id,
    tenantId: `tenant-${tenant}`,
    kind: 'alerts',
    createdAt: START.toISOString(),
    email: { subject: id, html: `<p>${id}</p>`, plainText: id },
    teams: {
      card: {
        type: 'AdaptiveCard',
        version: '1.5',
        body: [{ type: 'TextBlock', text: `${id} ${'x'.repeat(2000)}`, wrap: true }],
      },
    },
  };
}

/** How often each id reached Teams. */
function postsById(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const post of teams.accepted) {
    const id = /"text":"(\S+) x/.exec(JSON.stringify(post.body))?.[1] ?? '?';
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

describe('fleet: concurrent deliveries on one channel', () => {
  it('48 tenants at once, twice, over a ledger of 3000 ids from before the upgrade: each message once', async () => {
    const clock = virtualClock(START);
    const state = TableStateStore.fromSettings({
      kind: 'connectionString',
      connectionString: azurite.connectionString,
      tableName: `state${randomUUID().replaceAll('-', '').slice(0, 16)}`,
    });
    const settings = loadSettings({}, { TEAMS_WEBHOOK_URL: teams.webhookUrl, DATA_DIR: dir });
    const notify: NotifyDependencies = {
      state,
      clock,
      log: silentLogger,
      settings: settings.notify,
      dataDir: dir,
    };
    // What a version with one ledger value per channel left after a month of fleet traffic.
    const old = Array.from({ length: 3000 }, (_, i) => ({
      id: `alerts-old-${i}-${'x'.repeat(60)}`,
      at: new Date(START.getTime() - (i % 29) * 24 * 3600_000).toISOString(),
      outcome: 'delivered' as const,
    }));
    await state.write(notifyKey('ledger-teams'), { entries: old }, { unconditional: true });

    const wave = (n: number) =>
      Promise.all(
        Array.from({ length: 48 }, (_, i) => dispatch(message(`alerts-w${n}-t${i}`, i), notify, ['teams'])),
      );
    const first = await wave(1);
    const second = await wave(2);
    // The next runs, after every claim (300 s) expired: nothing is sent again.
    clock.advance(6 * 60_000);
    await retryPending(notify);
    clock.advance(6 * 60_000);
    await retryPending(notify);
    // Delivered before the upgrade: known, not sent again.
    const again = await dispatch(message(old[1234]!.id, 0), notify, ['teams']);

    const counts = postsById();
    expect([...counts.values()].filter((n) => n > 1)).toEqual([]);
    expect(counts.size).toBe(96);
    expect(again.channels[0]?.outcome).toBe('duplicate');
    const outcomes = [...first, ...second].flatMap((r) => r.channels.map((c) => c.outcome));
    expect(outcomes.filter((o) => o !== 'delivered')).toEqual([]);
  }, 120_000);
});
