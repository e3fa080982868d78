import { describe, expect, it } from 'vitest';
import { renderDigestCard } from '../../src/render/digestCard.js';
import { renderDigestHtml } from '../../src/render/digestEmail.js';
import { renderDigestText } from '../../src/render/digestText.js';
import type { ProvisioningRecord } from '../../src/tables/definitions.js';
import { HOUR, MINUTE, TENANT, event, healthyRun, recordDay, recordSpec, tempStore } from './fixtures.js';
import { DAY_START, INTERVAL, PREVIOUS_DAY, modelOf } from './scenarios.js';

/**
 * The digest counts events by the hour of the run that collected them. After a gap in collection the
 * catch-up run brings events of the day before into today's window: they stay counted (no event goes
 * uncounted), and the digest says how many they are and how old, where it counts them.
 */

const minutesFrom = (start: Date, minutes: number) => new Date(start.getTime() + minutes * MINUTE);

/** One event per job every 10 minutes over [from, to): what the tenant did while nobody collected. */
function eventsBetween(from: Date, to: Date): ProvisioningRecord[] {
  const events: ProvisioningRecord[] = [];
  for (let t = from.getTime(); t < to.getTime(); t += 10 * MINUTE) {
    events.push(event(new Date(t), { job: 'contosoProvisioning' }));
    events.push(event(new Date(t + MINUTE), { job: 'fabrikamProvisioning', action: 'Create' }));
  }
  return events;
}

describe('events collected after the window they happened in', () => {
  it('a catch-up after an outage across midnight: counted today, and the digest says how many and how old', async () => {
    const { store } = await tempStore();
    // The day before: collected until 20:00, then the monitor was down until 02:05 today.
    await recordDay(
      store,
      PREVIOUS_DAY,
      (at, offset) => (offset < 20 * HOUR ? healthyRun(at) : null),
      INTERVAL,
    );
    const outageFrom = new Date(PREVIOUS_DAY.getTime() + 20 * HOUR);
    const catchUp = minutesFrom(DAY_START, 125);
    const caughtUp = eventsBetween(outageFrom, catchUp); // 20:00 yesterday to 02:05 today
    const beforeWindow = caughtUp.filter((e) => e.TimeGenerated < DAY_START.toISOString());
    await recordSpec(store, catchUp, { ...healthyRun(catchUp), events: caughtUp });
    await recordDay(
      store,
      DAY_START,
      (at, offset) => (offset > 125 * MINUTE ? healthyRun(at) : null),
      INTERVAL,
    );

    const model = await modelOf(store);
    const jobs = model.configurations.flatMap((c) => c.jobs);
    const contoso = jobs.find((j) => j.configurationName === 'contoso.com' && j.eventTotal > 0)!;
    const perJob = beforeWindow.length / 2; // 24 events per job: 20:00-23:50, one every 10 minutes

    expect(perJob).toBe(24);
    expect(contoso.collectedLate).toEqual({ events: perJob, oldest: '2026-11-21T20:00:00.000Z' });
    expect(model.totals.collectedLate).toEqual({
      events: beforeWindow.length,
      oldest: '2026-11-21T20:00:00.000Z',
    });
    // Nothing dropped: the window counts every event its runs collected.
    const healthyEvents = jobs.reduce((n, j) => n + j.eventTotal, 0) - caughtUp.length;
    expect(healthyEvents).toBeGreaterThan(0);
    expect(model.totals.events).toBe(caughtUp.length + healthyEvents);

    const text = renderDigestText(model);
    expect(text).toContain(
      `${model.totals.events.toLocaleString('en-US')} provisioning events (48 from before 22 Nov 00:00)`,
    );
    expect(text).toContain(
      '24 of these events happened before 22 Nov 00:00 (the oldest 21 Nov 20:00) and were collected after it: no earlier digest counted them.',
    );
    const html = renderDigestHtml(model);
    expect(html).toContain('24 of these events happened before 22 Nov 00:00 (the oldest 21 Nov 20:00)');
    expect(html).toContain('(48 from before 22 Nov 00:00)');
    const card = JSON.stringify(renderDigestCard(model));
    expect(card).toContain('(48 from before 22 Nov 00:00)');
    expect(card).toContain('events (24 from before 22 Nov 00:00)');
  });

  it('says nothing of the logs ordinary reach back: the overlap and the late sweep', async () => {
    const { store } = await tempStore();
    await recordDay(store, PREVIOUS_DAY, (at) => healthyRun(at), INTERVAL);
    // Re-read by the overlap, and found by the late sweep (by default it reaches 2 h 30 min back).
    const late = [
      event(minutesFrom(DAY_START, -6), { job: 'contosoProvisioning' }),
      event(minutesFrom(DAY_START, -150), { job: 'fabrikamProvisioning' }),
    ];
    await recordDay(
      store,
      DAY_START,
      (at, offset) =>
        offset === INTERVAL / 2
          ? { ...healthyRun(at), events: [...healthyRun(at).events!, ...late] }
          : healthyRun(at),
      INTERVAL,
    );

    const model = await modelOf(store);
    expect(model.totals.collectedLate).toBeNull();
    expect(model.configurations.flatMap((c) => c.jobs).every((j) => j.collectedLate === null)).toBe(true);
    expect(renderDigestText(model)).not.toContain('happened before');
    // Still counted: the window's runs collected it.
    const quiet = await modelOf(await withoutLateEvent());
    expect(model.totals.events).toBe(quiet.totals.events + 2);
  });

  it('the day counts the events of every job from before the window, also those of a job too recent to be told', async () => {
    const { store } = await tempStore();
    const at = minutesFrom(DAY_START, 5);
    const old = Array.from({ length: 5 }, () =>
      event(minutesFrom(DAY_START, -4 * 60), { job: 'contosoProvisioning' }),
    );
    const recent = Array.from({ length: 40 }, () =>
      event(minutesFrom(DAY_START, -50), { job: 'fabrikamProvisioning' }),
    );
    await recordSpec(store, at, { ...healthyRun(at), events: [...old, ...recent] });

    const model = await modelOf(store);
    const jobs = model.configurations.flatMap((c) => c.jobs);
    expect(
      jobs.find((j) => j.configurationName === 'contoso.com' && j.eventTotal > 0)!.collectedLate,
    ).toEqual({
      events: 5,
      oldest: '2026-11-21T20:00:00.000Z',
    });
    expect(jobs.find((j) => j.configurationName === 'fabrikam.local')!.collectedLate).toBeNull();
    expect(model.totals.collectedLate).toEqual({ events: 45, oldest: '2026-11-21T20:00:00.000Z' });
  });

  it('events days old (a long outage) are folded into one hour of the rollup and still told exactly', async () => {
    const { store } = await tempStore();
    const at = minutesFrom(DAY_START, 9 * 60 + 5);
    const threeDaysAgo = new Date(DAY_START.getTime() - 3 * 24 * HOUR);
    const old = eventsBetween(threeDaysAgo, new Date(threeDaysAgo.getTime() + 30 * HOUR));
    await recordSpec(store, at, { ...healthyRun(at), events: old });

    const stored = await store.read({ tenantId: TENANT, name: 'digest-rollup-2026-11-22T09' });
    const rollup = stored!.value as {
      provisioning: Record<string, { earlier?: { byEventHour: Record<string, number>; oldest: string } }>;
    };
    const earlier = Object.values(rollup.provisioning).map((p) => p.earlier!);
    // 30 hours of events, all older than a day before the hour: one entry each, under the oldest hour.
    for (const e of earlier) expect(Object.keys(e.byEventHour)).toEqual(['2026-11-19T00']);

    const model = await modelOf(store);
    expect(model.totals.collectedLate).toEqual({ events: old.length, oldest: '2026-11-19T00:00:00.000Z' });
    expect(renderDigestText(model)).toContain('(the oldest 19 Nov 00:00)');
  });
});

/** The same days as the delay test, without its one late event. */
async function withoutLateEvent() {
  const { store } = await tempStore();
  await recordDay(store, PREVIOUS_DAY, (at) => healthyRun(at), INTERVAL);
  await recordDay(store, DAY_START, (at) => healthyRun(at), INTERVAL);
  return store;
}
