import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliveryOutcomes } from '../../src/notify/deliveryHealthStore.js';
import { dispatch, retryPending } from '../../src/notify/dispatch.js';
import { expireUnsent } from '../../src/notify/expireUnsent.js';
import { findInLedger } from '../../src/notify/ledger.js';
import { pendingKey } from '../../src/notify/pending.js';
import { FaultyStateStore } from '../support/faultyStateStore.js';
import { TeamsWebhookServer } from '../support/teamsWebhookServer.js';
import { harness, message, type Harness } from './helpers.js';

/**
 * Giving a message up unsent writes the channel's ledger: when the state store fails there, that is the
 * store's trouble, not the channel's. Nothing is given up (the outbox offers the message again) and the
 * report is no delivery outcome, so a storage blip cannot make a working channel `failing`.
 */
let h: Harness;
let teams: TeamsWebhookServer;
beforeEach(async () => {
  h = await harness();
  teams = await TeamsWebhookServer.start();
});
afterEach(async () => {
  await teams.close();
  await h.cleanup();
});

const why = {
  error: 'given up unsent: teams gave up on an earlier message',
  waitingSince: '2026-03-01T00:00:00.000Z',
};
const ledgerOf = (state: FaultyStateStore, id: string) =>
  findInLedger(state, 'teams', id, { now: h.clock.now(), retentionMs: 7 * 24 * 3_600_000 });

describe('expireUnsent', () => {
  it('records the message as failed in the ledger: it is never sent later', async () => {
    const state = new FaultyStateStore(h.state);
    const deps = h.deps({ TEAMS_WEBHOOK_URL: teams.webhookUrl }, { state });
    const [report] = await expireUnsent('m2', ['teams'], why, deps);
    expect(report).toMatchObject({ outcome: 'failed', reason: 'expired', waitingSince: why.waitingSince });
    expect(await ledgerOf(state, 'm2')).toMatchObject({ outcome: 'failed' });
    expect((await dispatch(message('m2'), deps, ['teams'])).channels[0]).toMatchObject({
      outcome: 'duplicate',
    });
    expect(teams.accepted).toHaveLength(0);
  });

  it('the ledger cannot be written: deferred for the state, no outcome for the channel', async () => {
    const state = new FaultyStateStore(h.state);
    const deps = h.deps({ TEAMS_WEBHOOK_URL: teams.webhookUrl }, { state });
    state.fail({
      op: 'read',
      prefix: 'ledger-teams',
      times: 10,
      error: () => new Error('connect ETIMEDOUT'),
    });
    const reports = await expireUnsent('m2', ['teams'], why, deps);
    expect(reports).toEqual([expect.objectContaining({ outcome: 'deferred', reason: 'state' })]);
    expect(deliveryOutcomes(reports)).toEqual([]);
    state.heal();
    expect(await ledgerOf(state, 'm2')).toBeUndefined();
  });

  it('a waiting pending entry and a failing ledger: the entry is marked settled, so no run sends it', async () => {
    const state = new FaultyStateStore(h.state);
    const deps = h.deps({ TEAMS_WEBHOOK_URL: teams.webhookUrl }, { state });
    teams.failNext(1, { status: 404 });
    expect((await dispatch(message('m2'), deps, ['teams'])).channels[0]).toMatchObject({
      outcome: 'pending',
    });
    h.clock.advance(10 * 60_000); // past the send's claim

    // Every try of the ledger (settle.ts tries it three times) fails; the pending entry can be marked.
    state.fail({ op: 'read', prefix: 'ledger-teams', times: 3 });
    const [report] = await expireUnsent('m2', ['teams'], why, deps);
    expect(report).toMatchObject({ outcome: 'failed', reason: 'expired' });
    expect(report?.warning).toMatch(/ledger could not be written/);
    expect((await state.read(pendingKey('teams', 'm2')))?.value).toMatchObject({
      settled: { outcome: 'failed' },
    });

    // The store works again: the next retry records it and sends nothing.
    h.clock.advance(10 * 60_000);
    await retryPending(deps);
    expect(teams.accepted).toHaveLength(0);
    expect(await ledgerOf(state, 'm2')).toMatchObject({ outcome: 'failed' });
    expect(await state.read(pendingKey('teams', 'm2'))).toBeUndefined();
  });
});
