import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dispatch, retryPending } from '../../src/notify/dispatch.js';
import { NOTIFY_STATE_SCOPE, notifyKey } from '../../src/notify/notifyState.js';
import { pendingKey, pendingName } from '../../src/notify/pending.js';
import { fitWorkflowsBody } from '../../src/notify/teamsPayload.js';
import { FaultyStateStore } from '../support/faultyStateStore.js';
import { TeamsWebhookServer } from '../support/teamsWebhookServer.js';
import { harness, message, type Harness } from './helpers.js';

/**
 * The Teams channel against a local Workflows webhook: retried on 429 honouring Retry-After, delivered
 * once, kept and delivered by retryPending on a later run after persistent 5xx, never sent twice, and
 * its signed URL in no log, report or state file.
 */
describe('Teams Workflows channel', () => {
  let h: Harness;
  let server: TeamsWebhookServer;

  beforeEach(async () => {
    h = await harness();
    server = await TeamsWebhookServer.start();
  });
  afterEach(async () => {
    await server.close();
    await h.cleanup();
  });

  const env = () => ({ TEAMS_WEBHOOK_URL: server.webhookUrl });
  /** The message ids of the cards the flow took, in the order it took them. */
  const shownIds = () => server.accepted.map((p) => /alert (m-\w+)/.exec(JSON.stringify(p.body))?.[1]);

  it('retries a 429 after its Retry-After and delivers the Workflows envelope once', async () => {
    server.failNext(1, { status: 429, retryAfterSeconds: 7 });
    const before = h.clock.now().getTime();
    const report = await dispatch(message('m-429'), h.deps(env()));

    const teams = report.channels.find((c) => c.channel === 'teams');
    expect(teams).toMatchObject({ outcome: 'delivered', transport: 'webhook', attempts: 2 });
    expect(h.clock.now().getTime() - before).toBe(7_000); // waited exactly Retry-After, on the injected clock
    expect(server.posts.map((p) => p.status)).toEqual([429, 202]);
    expect(server.accepted).toHaveLength(1);
    expect(server.accepted[0]?.body).toEqual(fitWorkflowsBody(message('m-429').teams.card));
    expect(server.accepted[0]?.body).toMatchObject({
      type: 'message',
      attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null }],
    });
  });

  it('sends a message id once, however often it is dispatched', async () => {
    const first = await dispatch(message('m-once'), h.deps(env()));
    const second = await dispatch(message('m-once'), h.deps(env()));
    const [a, b] = await Promise.all([
      dispatch(message('m-race'), h.deps(env())),
      dispatch(message('m-race'), h.deps(env())),
    ]);

    expect(first.channels.find((c) => c.channel === 'teams')?.outcome).toBe('delivered');
    expect(second.channels.find((c) => c.channel === 'teams')?.outcome).toBe('duplicate');
    const raced = [a, b].map((r) => r.channels.find((c) => c.channel === 'teams')?.outcome).sort();
    // The loser of the race reports the claim it found: 'in-progress' while the winner is still
    // sending, 'duplicate' once the winner has finished. Which one is timing; one delivery is not.
    expect(raced[0]).toBe('delivered');
    expect(['duplicate', 'in-progress']).toContain(raced[1]);
    expect(server.accepted).toHaveLength(2); // m-once and m-race, once each
  });

  it('keeps a message that keeps failing with 500 and delivers it on the next run', async () => {
    server.failNext(4, { status: 500 });
    const report = await dispatch(message('m-500'), h.deps(env()));
    const teams = report.channels.find((c) => c.channel === 'teams');
    expect(teams).toMatchObject({ outcome: 'pending', reason: 'server-error', attempts: 4 });
    expect(server.accepted).toHaveLength(0);

    // Same run: not due yet, nothing is sent.
    expect((await retryPending(h.deps(env()))).results).toEqual([]);

    // Next run, five minutes later: delivered, once.
    h.clock.advance(5 * 60_000);
    const retried = await retryPending(h.deps(env()));
    expect(retried.results.map((r) => [r.messageId, r.channel, r.outcome])).toEqual([
      ['m-500', 'teams', 'delivered'],
    ]);
    expect(retried.stillPending).toBe(0);
    expect(server.accepted).toHaveLength(1);

    h.clock.advance(5 * 60_000);
    expect((await retryPending(h.deps(env()))).results).toEqual([]);
    expect(
      (await dispatch(message('m-500'), h.deps(env()))).channels.find((c) => c.channel === 'teams')?.outcome,
    ).toBe('duplicate');
    expect(server.accepted).toHaveLength(1);
  });

  it('a message dispatched while an earlier one waits out its Retry-After inside its first send goes behind it', async () => {
    // The earlier message's send sleeps on this clock until the test lets it go on.
    let asleep!: () => void;
    const sleeping = new Promise<void>((resolve) => (asleep = resolve));
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    const clock = {
      ...h.clock,
      sleep: async (ms: number) => {
        asleep();
        await woken;
        h.clock.advance(ms);
      },
    };
    server.failNext(1, { status: 429, retryAfterSeconds: 5 });
    const firing = dispatch(message('m-fired'), h.deps(env(), { clock }));
    await sleeping;

    const resolved = await dispatch(
      message('m-resolved', { createdAt: '2026-03-02T03:06:00.000Z' }),
      h.deps(env(), { clock }),
    );
    expect(resolved.channels.find((c) => c.channel === 'teams')).toMatchObject({
      outcome: 'pending',
      reason: 'queued',
    });
    expect(server.accepted).toHaveLength(0);

    wake();
    expect((await firing).channels.find((c) => c.channel === 'teams')).toMatchObject({
      outcome: 'delivered',
      attempts: 2,
    });
    expect((await retryPending(h.deps(env()))).results.map((r) => [r.messageId, r.outcome])).toEqual([
      ['m-resolved', 'delivered'],
    ]);
    expect(shownIds()).toEqual(['m-fired', 'm-resolved']);
  });

  it('a lost answer to marking a retry costs nothing: the next run waits for the Retry-After and sends once', async () => {
    // The store takes the write that marks the first retry, then the answer is lost (a timeout, a reset).
    const name = pendingName('teams', 'm-lost');
    const state = new FaultyStateStore(h.state);
    const marksRetry = (value: unknown) => (value as { attempts?: number }).attempts === 1;
    state.fail({ op: 'write', prefix: name, times: 1, afterWriting: true, writing: marksRetry });
    server.failNext(1, { status: 429, retryAfterSeconds: 5 });
    server.failNext(1, { status: 429, retryAfterSeconds: 600 });
    const report = await dispatch(message('m-lost'), h.deps(env(), { state }));
    expect(state.failed).toEqual([`write ${name}`]);
    expect(report.channels.find((c) => c.channel === 'teams')).toMatchObject({
      outcome: 'pending',
      nextAttemptAt: new Date(h.clock.now().getTime() + 600_000).toISOString(),
    });

    h.clock.advance(5 * 60_000);
    expect((await retryPending(h.deps(env(), { state }))).results).toEqual([]); // not before its Retry-After
    h.clock.advance(5 * 60_000);
    expect((await retryPending(h.deps(env(), { state }))).results[0]?.outcome).toBe('delivered');
    expect(server.posts.map((p) => p.status)).toEqual([429, 429, 202]);
  });

  it('a pending message the state store cannot read holds its channel: the one behind it does not go first', async () => {
    server.failNext(1, { status: 429, retryAfterSeconds: 600 });
    await dispatch(message('m-first'), h.deps(env()));
    h.clock.advance(1_000); // queued a second later: queue order, not the listing's, decides below
    const queued = await dispatch(
      message('m-second', { createdAt: '2026-03-02T03:06:00.000Z' }),
      h.deps(env()),
    );
    expect(queued.channels.find((c) => c.channel === 'teams')).toMatchObject({ reason: 'queued' });
    h.clock.advance(11 * 60_000);

    const faulty = new FaultyStateStore(h.state);
    faulty.fail({ op: 'read', prefix: pendingName('teams', 'm-first'), times: 1 });
    const held = await retryPending(h.deps(env(), { state: faulty }));
    expect(held.results.filter((r) => r.channel === 'teams')).toEqual([]);
    expect(held.stillPending).toBe(2);
    expect(server.accepted).toHaveLength(0);

    const next = await retryPending(h.deps(env(), { state: faulty }));
    expect(next.results.map((r) => [r.messageId, r.outcome])).toEqual([
      ['m-first', 'delivered'],
      ['m-second', 'delivered'],
    ]);
    expect(shownIds()).toEqual(['m-first', 'm-second']);
  });

  it('defers to a later run when Retry-After is longer than a run may wait', async () => {
    server.failNext(1, { status: 429, retryAfterSeconds: 600 });
    const report = await dispatch(message('m-later'), h.deps(env()));
    const teams = report.channels.find((c) => c.channel === 'teams');
    expect(teams).toMatchObject({ outcome: 'pending', attempts: 1, reason: 'rate-limited' });
    expect(teams?.nextAttemptAt).toBe(new Date(h.clock.now().getTime() + 600_000).toISOString());

    h.clock.advance(5 * 60_000);
    expect((await retryPending(h.deps(env()))).results).toEqual([]); // not yet
    h.clock.advance(5 * 60_000);
    expect((await retryPending(h.deps(env()))).results[0]?.outcome).toBe('delivered');
    expect(server.accepted).toHaveLength(1);
  });

  it('records a permanent 4xx as failed and does not retry it', async () => {
    server.failNext(1, { status: 400 });
    const report = await dispatch(message('m-400'), h.deps(env()));
    expect(report.channels.find((c) => c.channel === 'teams')).toMatchObject({
      outcome: 'failed',
      reason: 'client-error',
      attempts: 1,
    });
    h.clock.advance(60 * 60_000);
    expect((await retryPending(h.deps(env()))).results).toEqual([]);
    expect(
      (await dispatch(message('m-400'), h.deps(env()))).channels.find((c) => c.channel === 'teams')?.outcome,
    ).toBe('duplicate');
    expect(server.posts).toHaveLength(1);
  });

  it('never posts a card twice when the flow takes it but answers after the timeout (issue 9, row 8)', async () => {
    server.failNext(3, { slowMs: 2_500 });
    const deps = h.deps({ ...env(), NOTIFY_TIMEOUT_SECONDS: '1', NOTIFY_MAX_ATTEMPTS: '3' });
    const report = await dispatch(message('m-slow'), deps);
    const again = await dispatch(message('m-slow'), deps);
    h.clock.advance(3600_000);
    await retryPending(deps);

    expect(report.channels.find((c) => c.channel === 'teams')).toMatchObject({
      outcome: 'unconfirmed',
      attempts: 1,
    });
    expect(again.channels.find((c) => c.channel === 'teams')?.outcome).toBe('duplicate');
    expect(server.posts).toHaveLength(1);
    expect(server.accepted).toHaveLength(1);
  });

  it('retries a webhook it could not reach: nothing was posted', async () => {
    const unreachable = new URL(server.webhookUrl);
    unreachable.port = '1';
    const report = await dispatch(
      message('m-down'),
      h.deps({ TEAMS_WEBHOOK_URL: unreachable.toString(), NOTIFY_MAX_ATTEMPTS: '2' }),
    );
    expect(report.channels.find((c) => c.channel === 'teams')).toMatchObject({
      outcome: 'pending',
      attempts: 2,
      reason: 'network',
    });
  });

  it('gives up on a message still failing after NOTIFY_PENDING_MAX_HOURS', async () => {
    server.failNext(1000, { status: 503 });
    const deps = h.deps({ ...env(), NOTIFY_PENDING_MAX_HOURS: '1', NOTIFY_MAX_ATTEMPTS: '1' });
    await dispatch(message('m-old'), deps);
    const outcomes: string[] = [];
    for (let run = 0; run < 20; run++) {
      h.clock.advance(5 * 60_000);
      for (const r of (await retryPending(deps)).results) outcomes.push(r.outcome);
    }
    expect(outcomes.at(-1)).toBe('failed');
    expect(outcomes.filter((o) => o === 'failed')).toHaveLength(1);
    expect(h.log.lines.some((l) => l.startsWith('error notification failed and will not be retried'))).toBe(
      true,
    );
  });

  it('never writes the webhook URL or its signature to logs, reports or state', async () => {
    server.failNext(4, { status: 500 });
    const report = await dispatch(message('m-secret'), h.deps(env()));
    // And a transport error, whose text comes from fetch: the server is gone.
    const url = server.webhookUrl;
    await server.close();
    h.clock.advance(5 * 60_000);
    const retried = await retryPending(h.deps({ TEAMS_WEBHOOK_URL: url }));
    expect(retried.results[0]).toMatchObject({ outcome: 'pending', reason: 'network' });

    const stateText = await readAll(path.join(h.dir, 'state'));
    const everything = [
      JSON.stringify(report),
      JSON.stringify(retried),
      h.log.lines.join('\n'),
      stateText,
    ].join('\n');
    expect(everything).not.toContain(server.signature);
    expect(everything).not.toContain('/workflows/');
    expect(everything).not.toContain('sig=');
    server = await TeamsWebhookServer.start(); // for afterEach
  });
});

async function readAll(dir: string): Promise<string> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out.push(await readFile(path.join(entry.parentPath, entry.name), 'utf8'));
  }
  return out.join('\n');
}

describe('corrupt delivery state never stops a channel (issue 9, row 10)', () => {
  let h: Harness;
  let server: TeamsWebhookServer;
  beforeEach(async () => {
    h = await harness();
    server = await TeamsWebhookServer.start();
  });
  afterEach(async () => {
    await server.close();
    await h.cleanup();
  });

  it('a corrupt ledger is set aside and the message is delivered', async () => {
    await h.state.write(notifyKey('ledger-teams'), { entries: 'garbage' }, { unconditional: true });
    const report = await dispatch(message('m-ledger'), h.deps({ TEAMS_WEBHOOK_URL: server.webhookUrl }));
    expect(report.channels.find((c) => c.channel === 'teams')?.outcome).toBe('delivered');
    expect(server.accepted).toHaveLength(1);
    expect(await h.state.list(NOTIFY_STATE_SCOPE, 'corrupt-ledger-teams')).toHaveLength(1);
  });

  it('a corrupt pending entry is set aside, and the same message can be queued and delivered again', async () => {
    await h.state.write(pendingKey('teams', 'm-pending'), { channel: 'teams' }, { unconditional: true });
    const deps = h.deps({ TEAMS_WEBHOOK_URL: server.webhookUrl });
    await retryPending(deps);
    const report = await dispatch(message('m-pending'), deps);
    expect(report.channels.find((c) => c.channel === 'teams')?.outcome).toBe('delivered');
    expect(server.accepted).toHaveLength(1);
  });
});
