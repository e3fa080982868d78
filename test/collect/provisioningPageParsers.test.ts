import { describe, expect, it } from 'vitest';
import { readProvisioningPage, type ProvisioningPage } from '../../src/collect/provisioningPage.js';
import { PageWorkerPool, ProvisioningPageParsers } from '../../src/collect/provisioningPageParsers.js';
import { GraphRequestError } from '../../src/graph/errors.js';

/**
 * Pages read on worker threads must come back exactly as the main thread reads them, and a worker that
 * fails (here: one given a heap too small for a page, so V8 stops it) must cost no page.
 */
const context = {
  tenantId: '11111111-2222-3333-4444-555555555555',
  names: new Map([['sp-1', 'contoso.com']]),
  cloudSyncServicePrincipalIds: new Set(['sp-1']),
};
const PATH = '/auditLogs/provisioning?$top=999';

function event(i: number, overrides: Record<string, unknown> = {}) {
  return {
    id: `evt-${i}`,
    activityDateTime: new Date(Date.UTC(2026, 10, 22, 9) + i * 1000).toISOString(),
    jobId: 'AD2AADProvisioning.0123456789abcdef0123456789abcdef.4c0b5d5e-1111-2222-3333-444444444444',
    cycleId: 'cycle-1',
    provisioningAction: i % 7 === 0 ? 'somethingNew' : 'update',
    provisioningStatusInfo:
      i % 5 === 0
        ? {
            status: 'failure',
            errorInformation: { errorCode: 'AzureActiveDirectoryConflict', reason: `<b>${i}</b> "quoted"` },
          }
        : { status: 'success' },
    modifiedProperties: [{ displayName: 'department', oldValue: 'Sales', newValue: `Étage ${i} ☃` }],
    servicePrincipal: { id: 'sp-1', displayName: 'contoso.com' },
    sourceIdentity: { id: `ad-${i}`, displayName: `User ${i}`, identityType: 'User' },
    targetIdentity: { id: `aad-${i}`, displayName: `User ${i}`, identityType: 'User' },
    ...overrides,
  };
}

function pageBody(from: number, count: number): Buffer {
  const value: unknown[] = Array.from({ length: count }, (_, k) => event(from + k));
  value[3] = { ...event(from + 3), activityDateTime: 'not a time' };
  value[4] = { ...event(from + 4), jobId: 'SomeOtherApp.1', servicePrincipal: { id: 'sp-other' } };
  return Buffer.from(
    JSON.stringify({ value, '@odata.nextLink': `https://graph.microsoft.com/v1.0/x?skip=${from + count}` }),
  );
}

/** What the collector takes from a page, comparable across threads (typed arrays as plain arrays). */
function comparable(page: ProvisioningPage) {
  return {
    ...page,
    times: [...page.times],
    rowEnds: [...page.rowEnds],
    rows: Buffer.from(page.rows).toString(),
  };
}

describe('provisioning pages read on worker threads', () => {
  it('come back exactly as the main thread reads them, in the order asked for', async () => {
    const bodies = Array.from({ length: 6 }, (_, p) => pageBody(p * 300, 300));
    const fallbacks: string[] = [];
    const parsers = new ProvisioningPageParsers(context, 2, (reason) => fallbacks.push(reason));
    try {
      const pages = await Promise.all(bodies.map((body) => parsers.parse(body, PATH)));
      for (const [p, page] of pages.entries()) {
        expect(comparable(page)).toEqual(comparable(readProvisioningPage(bodies[p]!, PATH, context)));
      }
      expect(pages[1]!.ids[0]).toBe('evt-300');
      expect(pages[1]!.invalid).toBe(1);
      expect(pages[1]!.ignored).toBe(1);
      // Each unknown value names its event (an index into ids), so only written events count it.
      const unknown = pages[1]!.unknown;
      expect(unknown).toHaveLength(43);
      expect(new Set(unknown.map((u) => `${u.field}=${u.value}`))).toEqual(
        new Set(['provisioningAction=somethingNew']),
      );
      for (const u of unknown) expect(Number(pages[1]!.ids[u.event]!.slice(4)) % 7).toBe(0);
      expect(fallbacks).toEqual([]);
    } finally {
      await parsers.close();
    }
  });

  it('pages share memory with the workers and reuse it once released, never while a page is held', async () => {
    // The collector's way: read a page, copy its rows, release it; pages of other sizes in between.
    const pool = new PageWorkerPool(1);
    const parsers = new ProvisioningPageParsers(context, 1, () => undefined, pool);
    const text = (page: ProvisioningPage) => Buffer.from(page.rows).toString();
    const inline = (body: Buffer) => text(readProvisioningPage(body, PATH, context));
    try {
      await parsers.parse(pageBody(0, 10), PATH); // the first page is read on the main thread
      const bodyA = pageBody(100, 200);
      const a = await parsers.parse(bodyA, PATH);
      const rowsOfA = text(a);
      expect(rowsOfA).toBe(inline(bodyA));
      // A is held: B must not be written where A's rows are.
      const b = await parsers.parse(pageBody(1_000, 200), PATH);
      expect(text(a)).toBe(rowsOfA);
      parsers.release(a);
      parsers.release(b);
      expect(pool.freeSlots).toBe(2);
      // Released twice is released once.
      parsers.release(a);
      expect(pool.freeSlots).toBe(2);
      const sizes = [150, 400, 30, 999, 5, 700, 700, 64];
      for (const [k, size] of sizes.entries()) {
        const body = pageBody(10_000 * (k + 1), size);
        const page = await parsers.parse(body, PATH);
        expect(text(page)).toBe(inline(body));
        expect(page.ids[0]).toBe(`evt-${10_000 * (k + 1)}`);
        parsers.release(page);
      }
      // One slot carried them all, in turn; the other stayed free.
      expect(pool.freeSlots).toBe(2);
    } finally {
      await parsers.close();
      await pool.close();
    }
  });

  it('a worker that runs out of memory costs no page: its pages are read on the main thread, and that is said once', async () => {
    const bodies = Array.from({ length: 5 }, (_, p) => pageBody(p * 2000, 2000));
    const fallbacks: string[] = [];
    // A heap far too small for a 2,000-event page: V8 stops the worker, out of memory.
    const pool = new PageWorkerPool(2, { maxOldGenerationSizeMb: 2, maxYoungGenerationSizeMb: 1 });
    const parsers = new ProvisioningPageParsers(context, 2, (reason) => fallbacks.push(reason), pool);
    try {
      const pages = await Promise.all(bodies.map((body) => parsers.parse(body, PATH)));
      expect(pages.map((page) => page.ids.length)).toEqual([1998, 1998, 1998, 1998, 1998]);
      expect(pages.map((page) => page.ids[0])).toEqual([
        'evt-0',
        'evt-2000',
        'evt-4000',
        'evt-6000',
        'evt-8000',
      ]);
      expect(fallbacks).toHaveLength(1);
      expect(fallbacks[0]).toMatch(/page worker (failed|stopped)/);
      // The rest go straight to the main thread.
      const later = await parsers.parse(pageBody(10_000, 10), PATH);
      expect(later.ids).toHaveLength(8);
      // A page its worker did not answer keeps its slot out of reuse: the worker may still be writing there.
      for (const page of pages) parsers.release(page);
      expect(pool.freeSlots).toBe(0);
    } finally {
      await parsers.close();
      await pool.close();
    }
  });

  it('every listing of the process shares the same threads: 8 at once use 2, and they stop when idle', async () => {
    // Fleet mode runs many tenants at once in one process; threads per listing would be 16 here.
    const pool = new PageWorkerPool(2, undefined, 200);
    const listings = Array.from({ length: 8 }, (_, l) => ({
      parsers: new ProvisioningPageParsers({ ...context, tenantId: `tenant-${l}` }, 2, () => undefined, pool),
      bodies: Array.from({ length: 4 }, (_, p) => pageBody(l * 10_000 + p * 200, 200)),
    }));
    let most = 0;
    try {
      const read = await Promise.all(
        listings.map(({ parsers, bodies }) =>
          Promise.all(
            bodies.map((body) => {
              const page = parsers.parse(body, PATH);
              most = Math.max(most, pool.threads);
              return page;
            }),
          ),
        ),
      );
      expect(most).toBe(2);
      // Each page as the main thread reads it, with its own tenant's context (rows carry the tenant).
      for (const [l, pages] of read.entries()) {
        const own = { ...context, tenantId: `tenant-${l}` };
        for (const [p, page] of pages.entries()) {
          expect(comparable(page)).toEqual(
            comparable(readProvisioningPage(listings[l]!.bodies[p]!, PATH, own)),
          );
        }
      }
      await Promise.all(listings.map(({ parsers }) => parsers.close()));
      await expect.poll(() => pool.threads, { timeout: 5_000 }).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it('once closed, takes no page and starts no thread (a page read ahead may arrive after the listing stopped)', async () => {
    const parsers = new ProvisioningPageParsers(context, 2);
    await parsers.parse(pageBody(0, 10), PATH);
    await parsers.close();
    await expect(parsers.parse(pageBody(10, 10), PATH)).rejects.toThrow('the listing was stopped');
  });

  it('a page that is no collection fails as it does on the main thread', async () => {
    const parsers = new ProvisioningPageParsers(context, 1);
    try {
      await parsers.parse(pageBody(0, 10), PATH);
      const bad = parsers.parse(Buffer.from('{"value": 12}'), PATH);
      await expect(bad).rejects.toBeInstanceOf(GraphRequestError);
      await expect(bad).rejects.toMatchObject({ code: 'NotACollection' });
      const truncated = parsers.parse(Buffer.from('{"value": [{"id": "a"'), PATH);
      await expect(truncated).rejects.toMatchObject({ code: 'InvalidJson' });
    } finally {
      await parsers.close();
    }
  });
});
