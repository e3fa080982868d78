import { describe, expect, it } from 'vitest';
import { renderDigestHtml } from '../../src/render/digestEmail.js';
import { renderDigestText } from '../../src/render/digestText.js';
import type { ProvisioningRecord } from '../../src/tables/definitions.js';
import { HOUR, MINUTE, event, healthyRun, recordDay, tempStore } from './fixtures.js';
import { DAY_START, INTERVAL, PREVIOUS_DAY, modelOf } from './scenarios.js';

/** The digest's counts of failed objects and error codes, against what the day's events say. */
const fail = (at: Date, id: string) =>
  event(at, {
    job: 'contosoProvisioning',
    result: 'Failure',
    code: 'AzureDirectoryServiceAttributeValueMustBeUnique',
    category: 'DuplicateAttribute',
    objectId: id,
    name: `Obj ${id}`,
  });
const ok = (at: Date, id: string) =>
  event(at, { job: 'contosoProvisioning', objectId: id, name: `Obj ${id}` });

describe('"N other objects failed today and were fixed since"', () => {
  it('counts the objects fixed today, not (failed today) minus (failing now, some since yesterday)', async () => {
    const { store } = await tempStore();
    // Yesterday 22:05: objects y1..y3 start failing and are never retried (still failing at the end of today).
    await recordDay(
      store,
      PREVIOUS_DAY,
      (at, offset) => {
        const run = healthyRun(at);
        if (offset !== 22 * HOUR + 5 * MINUTE) return run;
        return { ...run, events: [...run.events!, fail(at, 'y1'), fail(at, 'y2'), fail(at, 'y3')] };
      },
      INTERVAL,
    );
    // Today: t1..t5 fail at 03:05 and are fixed at 04:05.
    await recordDay(
      store,
      DAY_START,
      (at, offset) => {
        const run = healthyRun(at);
        const extra: ProvisioningRecord[] = [];
        const ids = ['t1', 't2', 't3', 't4', 't5'];
        if (offset === 3 * HOUR + 5 * MINUTE) extra.push(...ids.map((id) => fail(at, id)));
        if (offset === 4 * HOUR + 5 * MINUTE) extra.push(...ids.map((id) => ok(at, id)));
        return { ...run, events: [...run.events!, ...extra] };
      },
      INTERVAL,
    );

    const text = renderDigestText(await modelOf(store));
    expect(text).toContain('3 objects failing to sync: contoso.com provisioning');
    // Five objects failed today and were fixed. Before, the digest said 2 (5 failed today - 3 failing now).
    expect(text).toContain('5 other objects failed today and were fixed since.');
  });
});

describe('the digest job section with more than 10 error codes', () => {
  it('"and N more error codes" counts every code of the day, not only the top 10', async () => {
    const { store } = await tempStore();
    await recordDay(
      store,
      DAY_START,
      (at, offset) => {
        const run = healthyRun(at);
        if (offset !== 55 * MINUTE) return run;
        // One run: 14 objects fail, each with its own error code.
        const failures = Array.from({ length: 14 }, (_, i) =>
          event(at, {
            job: 'contosoProvisioning',
            result: 'Failure',
            code: `ErrorCode${String(i).padStart(2, '0')}`,
            objectId: `o${i}`,
            name: `Object ${i}`,
          }),
        );
        return { ...run, events: [...run.events!, ...failures] };
      },
      INTERVAL,
    );
    const model = await modelOf(store);
    const html = renderDigestHtml(model);
    expect(html).toContain('14 failed events on 14 objects');
    // 5 codes are shown: 9 are left.
    expect(html).toContain('and 9 more error codes');
  });
});
