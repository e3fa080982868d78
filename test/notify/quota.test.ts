import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Channel } from '../../src/notify/channel.js';
import { dispatch, retryPending } from '../../src/notify/dispatch.js';
import { AcsEmailServer } from '../support/acsEmailServer.js';
import { harness, message, type Harness } from './helpers.js';

/**
 * ACS quotas (30/min and 100/h on custom domains, 5/min and 10/h on Azure-managed domains) are counted
 * in the state store; messages beyond them wait in the pending queue instead of being throttled or lost.
 */
describe('email quota', () => {
  let h: Harness;
  let acs: AcsEmailServer;

  beforeEach(async () => {
    h = await harness();
    acs = await AcsEmailServer.start({ now: () => h.clock.now() });
  });
  afterEach(async () => {
    await acs.close();
    await h.cleanup();
  });

  const env = (perMinute: string, perHour: string) => ({
    ALERT_EMAIL_CONNECTION_STRING: acs.connectionString,
    ALERT_EMAIL_SENDER: 'DoNotReply@contoso.example',
    ALERT_EMAIL_TO: 'ops@contoso.example',
    EMAIL_MAX_PER_MINUTE: perMinute,
    EMAIL_MAX_PER_HOUR: perHour,
  });

  it('holds sends beyond the per-minute limit in pending and sends them when the window frees', async () => {
    const deps = h.deps(env('2', '100'));
    const outcomes = [];
    for (const id of ['q-1', 'q-2', 'q-3']) {
      const report = await dispatch(message(id), deps);
      outcomes.push(report.channels.find((c) => c.channel === 'email'));
    }
    expect(outcomes.map((o) => o?.outcome)).toEqual(['delivered', 'delivered', 'pending']);
    expect(outcomes[2]).toMatchObject({ reason: 'quota', attempts: 0 });
    expect(outcomes[2]?.nextAttemptAt).toBe(new Date(h.clock.now().getTime() + 60_000).toISOString());
    expect(acs.sends).toHaveLength(2);

    expect((await retryPending(deps)).results).toEqual([]); // still inside the minute
    h.clock.advance(61_000);
    const retried = await retryPending(deps);
    expect(retried.results).toMatchObject([{ messageId: 'q-3', outcome: 'delivered' }]);
    expect(acs.sends.map((s) => s.message.content)).toHaveLength(3);
  });

  it('applies the hourly limit across runs (Azure-managed domain: 5/min, 10/h)', async () => {
    const deps = h.deps(env('5', '10'));
    const delivered: string[] = [];
    for (let run = 0; run < 4; run++) {
      for (let i = 0; i < 4; i++) {
        const id = `h-${run}-${i}`;
        const email = (await dispatch(message(id), deps)).channels.find((c) => c.channel === 'email');
        if (email?.outcome === 'delivered') delivered.push(id);
      }
      h.clock.advance(5 * 60_000);
      for (const r of (await retryPending(deps)).results)
        if (r.outcome === 'delivered') delivered.push(r.messageId);
    }
    expect(delivered).toHaveLength(10);
    expect(acs.sends).toHaveLength(10);
    // An hour later the hourly window is free again, but still only 5 a minute go out.
    h.clock.advance(60 * 60_000);
    const retried = await retryPending(deps);
    expect(retried.results.filter((r) => r.outcome === 'delivered')).toHaveLength(5);
    expect(retried.stillPending).toBe(1);
    h.clock.advance(61_000);
    expect((await retryPending(deps)).results.map((r) => r.outcome)).toEqual(['delivered']);
    expect(acs.sends).toHaveLength(16);
  });

  it('shares one quota between concurrent dispatches', async () => {
    let sent = 0;
    const channel: Channel = {
      name: 'email',
      transport: 'acs',
      quota: { perMinute: 3, perHour: 100 },
      send: () => {
        sent++;
        return Promise.resolve();
      },
    };
    const deps = h.deps({}, { channels: { email: channel } });
    const reports = await Promise.all(Array.from({ length: 8 }, (_, i) => dispatch(message(`c-${i}`), deps)));
    const outcomes = reports.map((r) => r.channels.find((c) => c.channel === 'email')?.outcome);
    expect(outcomes.filter((o) => o === 'delivered')).toHaveLength(3);
    expect(outcomes.filter((o) => o === 'pending')).toHaveLength(5);
    expect(sent).toBe(3);
  });
});
