import { describe, expect, it } from 'vitest';
import { renderDigestText } from '../../src/render/digestText.js';
import { HOUR, event, healthyRun, recordDay, tempStore } from './fixtures.js';
import { DAY_START, INTERVAL, deletionTripStatus, modelOf } from './scenarios.js';

/*
 * A deletion-threshold trip the service retries stages the same objects again: the digest's count of
 * the day's StagedDelete events is then not how many objects are held, and must not read as if it were
 * (the alert gives the held count, per cycle). Found by a review: 600 held, retried once, the digest
 * said "1200 deletions staged today; the threshold is 500".
 */
describe('digest: staged deletions of a retried trip', () => {
  it('says the count includes the retries, with thousands separators', async () => {
    const { store } = await tempStore();
    await recordDay(
      store,
      DAY_START,
      (at, offset) => {
        const tripped = offset >= 9 * HOUR;
        const run = healthyRun(at, {
          fabrikamProvisioning: tripped ? deletionTripStatus(DAY_START) : {},
        });
        const events = [...(run.events ?? [])];
        // The trip's cycle at 09:00 and the service's retry at 15:00 stage the same 600 objects.
        for (const [hour, cycle] of [
          [9, 'cycle-trip'],
          [15, 'cycle-retry'],
        ] as const)
          if (offset >= hour * HOUR && offset < hour * HOUR + INTERVAL)
            for (let i = 0; i < 600; i++)
              events.push(
                event(at, {
                  job: 'fabrikamProvisioning',
                  action: 'StagedDelete',
                  result: 'Skipped',
                  cycle,
                  objectId: `obj-del-${i}`,
                }),
              );
        return { ...run, events };
      },
      INTERVAL,
    );
    const model = await modelOf(store);
    const trip = model.problems.find((p) => p.kind === 'deletion-threshold');
    expect(trip?.facts).toContain(
      '1,200 deletions staged (StagedDelete events) today, each retry of a held cycle counted again; the threshold is 500 per cycle.',
    );
    expect(renderDigestText(model)).not.toMatch(/\b1200\b/);
  });
});
