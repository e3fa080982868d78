import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { virtualClock, type VirtualClock } from '../../src/clock.js';
import { syntheticScenario } from '../../src/demo/scenario.js';
import { startDemoTenant, type DemoTenant } from '../../src/demo/server.js';
import { testCertificate } from '../support/tls.js';

const START = new Date('2026-11-22T06:00:00Z');
const HOUR = 3600_000;
const EVENTS = 1_200;

interface Page {
  value: { id: string; activityDateTime: string }[];
  '@odata.nextLink'?: string;
  '@odata.context': string;
}

let tenant: DemoTenant;
let clock: VirtualClock;

interface ErrorBody {
  error: { code: string; message: string; innerError: Record<string, string> };
}

async function get(url: string): Promise<{ status: number; body: Page & ErrorBody; headers: Headers }> {
  const response = await fetch(url.startsWith('https://') ? url : `${tenant.baseUrl}${url}`, {
    headers: { authorization: 'Bearer test-token' },
  });
  return {
    status: response.status,
    body: (await response.json()) as Page & ErrorBody,
    headers: response.headers,
  };
}

async function all(path: string): Promise<{ ids: string[]; times: number[]; pages: number }> {
  const ids: string[] = [];
  const times: number[] = [];
  let pages = 0;
  let next: string | undefined = path;
  while (next) {
    const { status, body } = await get(next);
    expect(status).toBe(200);
    const page = body as Page;
    pages++;
    for (const event of page.value) {
      ids.push(event.id);
      times.push(Date.parse(event.activityDateTime));
    }
    next = page['@odata.nextLink'];
    if (next) expect(next.startsWith(`${tenant.baseUrl}/v1.0/auditLogs/provisioning?$skiptoken=`)).toBe(true);
  }
  return { ids, times, pages };
}

beforeAll(async () => {
  clock = virtualClock(new Date(START.getTime() + 2 * HOUR));
  tenant = await startDemoTenant({
    clock,
    tls: testCertificate(),
    scenario: syntheticScenario({ start: START, events: EVENTS, spanMs: HOUR }),
    reportsRateLimit: false,
  });
});
afterAll(() => tenant.close());

describe('GET /v1.0/auditLogs/provisioning', () => {
  it('serves newest first by default, 100 per page, with an absolute https nextLink', async () => {
    const { status, body } = await get('/v1.0/auditLogs/provisioning');
    expect(status).toBe(200);
    expect(body['@odata.context']).toBe(`${tenant.baseUrl}/v1.0/$metadata#auditLogs/provisioning`);
    const times = (body as Page).value.map((e) => Date.parse(e.activityDateTime));
    expect(times).toHaveLength(100);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(body['@odata.nextLink']).toMatch(
      /^https:\/\/127\.0\.0\.1:\d+\/v1\.0\/auditLogs\/provisioning\?\$skiptoken=/,
    );
  });

  it('pages through every event exactly once, in either order', async () => {
    const ascending = await all('/v1.0/auditLogs/provisioning?$orderby=activityDateTime asc&$top=250');
    expect(ascending.ids).toHaveLength(EVENTS);
    expect(new Set(ascending.ids).size).toBe(EVENTS);
    expect(ascending.pages).toBe(5);
    expect([...ascending.times].sort((a, b) => a - b)).toEqual(ascending.times);

    const descending = await all('/v1.0/auditLogs/provisioning?$orderby=activityDateTime desc&$top=500');
    expect(descending.ids).toEqual([...ascending.ids].reverse());
  });

  it('applies activityDateTime filters as inclusive or exclusive bounds', async () => {
    const everything = await all('/v1.0/auditLogs/provisioning?$orderby=activityDateTime asc&$top=1000');
    const t10 = everything.times[10]!;
    const t20 = everything.times[20]!;
    const iso = (ms: number) => new Date(ms).toISOString();
    const gtLt = await all(
      `/v1.0/auditLogs/provisioning?$orderby=activityDateTime asc&$filter=activityDateTime gt ${iso(t10)} and activityDateTime lt ${iso(t20)}`,
    );
    expect(gtLt.ids).toEqual(everything.ids.slice(11, 20));
    const geLe = await all(
      `/v1.0/auditLogs/provisioning?$orderby=activityDateTime asc&$filter=activityDateTime ge ${iso(t10)} and activityDateTime le ${iso(t20)}`,
    );
    expect(geLe.ids).toEqual(everything.ids.slice(10, 21));
    // Seven-digit fractions, as Graph writes them, are accepted.
    const fractional = await all(
      `/v1.0/auditLogs/provisioning?$orderby=activityDateTime asc&$filter=activityDateTime ge ${iso(t10).replace('Z', '0001Z')}`,
    );
    expect(fractional.ids[0]).toBe(everything.ids[11]);
  });

  it('caps $top at maxPageSize', async () => {
    const { body } = await get('/v1.0/auditLogs/provisioning?$top=5000');
    expect((body as Page).value).toHaveLength(1000);
  });

  it.each([
    ["activityDateTime gt '2026-11-22T06:00:00Z'", /incompatible types/],
    ['jobId eq 1', /Invalid filter clause/],
    ['activityDateTime eq 2026-11-22T06:00:00Z', /not supported/],
    ['activityDateTime gt yesterday', /not a valid DateTimeOffset/],
  ])('refuses $filter=%s with 400 BadRequest', async (filter, message) => {
    const { status, body } = await get(`/v1.0/auditLogs/provisioning?$filter=${encodeURIComponent(filter)}`);
    expect(status).toBe(400);
    expect(body.error.code).toBe('BadRequest');
    expect(body.error.message).toMatch(message);
    expect(body.error.innerError['request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    ['$orderby=id', 'ordering'],
    ['$top=0', 'page size'],
    ['$skiptoken=bm90LWEtdG9rZW4', 'skip token'],
    ['$select=id', 'not supported'],
  ])('refuses %s with 400', async (query, message) => {
    const { status, body } = await get(`/v1.0/auditLogs/provisioning?${query}`);
    expect(status).toBe(400);
    expect(body.error.message.toLowerCase()).toContain(message);
  });

  it('keeps a cursor stable while new events arrive between pages', async () => {
    const late = virtualClock(new Date(START.getTime() + 20 * 60_000));
    const growing = await startDemoTenant({
      clock: late,
      tls: testCertificate(),
      scenario: syntheticScenario({ start: START, events: EVENTS, spanMs: HOUR }),
      reportsRateLimit: false,
    });
    try {
      const first = await fetch(
        `${growing.baseUrl}/v1.0/auditLogs/provisioning?$orderby=activityDateTime asc&$top=50`,
        {
          headers: { authorization: 'Bearer t' },
        },
      ).then((r) => r.json() as Promise<Page>);
      late.advance(30 * 60_000);
      const second = await fetch(first['@odata.nextLink']!, { headers: { authorization: 'Bearer t' } }).then(
        (r) => r.json() as Promise<Page>,
      );
      const lastOfFirst = first.value.at(-1)!;
      expect(Date.parse(second.value[0]!.activityDateTime)).toBeGreaterThanOrEqual(
        Date.parse(lastOfFirst.activityDateTime),
      );
      const seen = new Set(first.value.map((e) => e.id));
      expect(second.value.some((e) => seen.has(e.id))).toBe(false);
    } finally {
      await growing.close();
    }
  });

  it('shows events only after activityDateTime plus an ingestion latency of up to 4 minutes', async () => {
    const now = virtualClock(new Date(START.getTime() + 30 * 60_000));
    const live = await startDemoTenant({
      clock: now,
      tls: testCertificate(),
      scenario: syntheticScenario({ start: START, events: EVENTS, spanMs: HOUR }),
      reportsRateLimit: false,
    });
    try {
      const fetchAll = async () => {
        const ids = new Map<string, number>();
        let next: string | undefined = `${live.baseUrl}/v1.0/auditLogs/provisioning?$top=1000`;
        while (next) {
          const page: Page = await fetch(next, { headers: { authorization: 'Bearer t' } }).then(
            (r) => r.json() as Promise<Page>,
          );
          for (const e of page.value) ids.set(e.id, Date.parse(e.activityDateTime));
          next = page['@odata.nextLink'];
        }
        return ids;
      };
      const before = await fetchAll();
      const nowMs = now.now().getTime();
      expect([...before.values()].every((t) => t <= nowMs)).toBe(true);
      // Every event older than 4 minutes is there; some of the last 4 minutes are still in flight.
      const expectedOld = Math.floor(((nowMs - 4 * 60_000 - START.getTime()) / HOUR) * EVENTS);
      expect([...before.values()].filter((t) => t <= nowMs - 4 * 60_000).length).toBeGreaterThanOrEqual(
        expectedOld - 1,
      );
      const inWindow = Math.floor((4 * 60_000 * EVENTS) / HOUR);
      const recentVisible = [...before.values()].filter((t) => t > nowMs - 4 * 60_000).length;
      expect(recentVisible).toBeLessThan(inWindow);

      now.advance(5 * 60_000);
      const after = await fetchAll();
      const arrivedLate = [...after].filter(([id, t]) => !before.has(id) && t <= nowMs);
      expect(arrivedLate.length).toBeGreaterThan(0);
    } finally {
      await live.close();
    }
  });
});
