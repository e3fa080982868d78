import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertNotFoundError, acknowledge } from '../../src/alerts/ack.js';
import {
  AlertBookConflictError,
  runAlerting as commitAlerting,
  writeAlertRows,
  type AlertingDependencies,
} from '../../src/alerts/alerting.js';
import { ALERT_BOOK_KEY, alertBook } from '../../src/alerts/book.js';
import { virtualClock, type VirtualClock } from '../../src/clock.js';
import type { Observations } from '../../src/rules/observations.js';
import { NdjsonSink } from '../../src/sinks/ndjsonSink.js';
import type { RecordSink } from '../../src/sinks/sink.js';
import { FileStateStore } from '../../src/state/fileStateStore.js';
import type { StateStore } from '../../src/state/store.js';
import type { AlertRecord } from '../../src/tables/definitions.js';
import { HOUR, MIN, TENANT, at, iso, job, observations, settings } from '../rules/fixtures.js';

const quarantinedJob = job({
  StatusCode: 'Quarantine',
  QuarantineReason: 'EncounteredQuarantineException',
  QuarantineSince: iso(-HOUR),
  QuarantineSeriesBegan: iso(-HOUR),
  QuarantineErrorCode: 'AzureActiveDirectoryInvalidCredential',
});
const firing = (): Observations => observations({ jobs: [quarantinedJob] });
/** A healthy job as of the test clock (its last successful cycle 2 minutes ago). */
const healthy = (): Observations => {
  const recent = new Date(clock.now().getTime() - 2 * MIN).toISOString();
  return observations({ jobs: [job({ LastExecutionEnded: recent, LastSuccessfulExecutionEnded: recent })] });
};

let dir: string;
let store: FileStateStore;
let sink: NdjsonSink;
let clock: VirtualClock;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'alerting-'));
  store = new FileStateStore(path.join(dir, 'state'));
  sink = new NdjsonSink(dir);
  clock = virtualClock(at(0));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const deps = (overrides: Partial<AlertingDependencies> = {}): AlertingDependencies => ({
  state: store,
  sink,
  clock,
  tenantId: TENANT,
  settings: settings(),
  channels: ['outbox'],
  ...overrides,
});

/** The file store with some methods replaced (a class instance cannot simply be spread). */
function storeWith(overrides: Partial<StateStore>): StateStore {
  return {
    read: (key) => store.read(key),
    write: (key, value, condition) => store.write(key, value, condition),
    delete: (key, condition) => store.delete(key, condition),
    list: (tenantId, prefix) => store.list(tenantId, prefix),
    ...overrides,
  };
}

async function alertRows(): Promise<AlertRecord[]> {
  try {
    const text = await readFile(sink.filePath('CloudSyncAlert_CL'), 'utf8');
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as AlertRecord);
  } catch {
    return [];
  }
}

/** The run's evaluate stage, then its write-alert-rows stage. */
async function runAlerting(d: AlertingDependencies, observations: Parameters<typeof commitAlerting>[1]) {
  const result = await commitAlerting(d, observations);
  const rowIssues = await writeAlertRows(d, new Map());
  return { ...result, issues: [...result.issues, ...rowIssues] };
}

describe('runAlerting', () => {
  it('commits transitions, writes one CloudSyncAlert_CL row each, and is idempotent at the same instant', async () => {
    const first = await runAlerting(deps(), firing());
    expect(first.transitions.map((t) => `${t.transition} ${t.alert.kind}`)).toEqual(['new job-quarantined']);
    expect(first.active).toHaveLength(1);
    const rows = await alertRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      AADTenantId: TENANT,
      AlertId: first.transitions[0]?.alert.id,
      Kind: 'job-quarantined',
      Severity: 'critical',
      State: 'open',
      Transition: 'new',
      JobId: quarantinedJob.JobId,
      ServicePrincipalId: quarantinedJob.ServicePrincipalId,
      // No notify stage ran here: no channel confirmed it, and the row says it does not know.
      Channels: [],
    });
    expect((rows[0]?.Details as { delivery?: unknown }).delivery).toEqual({ outbox: 'unknown' });
    expect((rows[0]?.Details as { facts: { quarantine: { reason: string } } }).facts.quarantine.reason).toBe(
      'EncounteredQuarantineException',
    );

    const again = await runAlerting(deps(), firing());
    expect(again.transitions).toEqual([]);
    expect(await alertRows()).toHaveLength(1);
    const stored = alertBook.parse((await store.read({ tenantId: TENANT, name: ALERT_BOOK_KEY }))?.value);
    expect(stored.pendingRows).toEqual([]);
  });

  it('resolves once the job is healthy again, exactly once', async () => {
    await runAlerting(deps(), firing());
    clock.advance(5 * MIN);
    const resolved = await runAlerting(deps(), healthy());
    expect(resolved.transitions.map((t) => t.transition)).toEqual(['resolved']);
    expect(resolved.active).toEqual([]);
    clock.advance(5 * MIN);
    expect((await runAlerting(deps(), healthy())).transitions).toEqual([]);
    expect((await alertRows()).map((r) => r.Transition)).toEqual(['new', 'resolved']);
  });

  it('two racing runs: exactly one commits and writes transitions, the other throws and sends nothing', async () => {
    // Both read the book before either writes: a barrier on the second read.
    let reads = 0;
    let release: () => void = () => undefined;
    const bothRead = new Promise<void>((resolve) => (release = resolve));
    const racing = storeWith({
      read: async (key) => {
        const value = await store.read(key);
        if (key.name === ALERT_BOOK_KEY && ++reads === 2) release();
        if (key.name === ALERT_BOOK_KEY) await bothRead;
        return value;
      },
    });
    const results = await Promise.allSettled([
      runAlerting(deps({ state: racing }), firing()),
      runAlerting(deps({ state: racing }), firing()),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(AlertBookConflictError);
    expect((await alertRows()).map((r) => r.Transition)).toEqual(['new']);
  });

  it('the same race on an existing book (ifMatch): one winner', async () => {
    await runAlerting(deps(), healthy());
    clock.advance(5 * MIN);
    let reads = 0;
    let release: () => void = () => undefined;
    const bothRead = new Promise<void>((resolve) => (release = resolve));
    const racing = storeWith({
      read: async (key) => {
        const value = await store.read(key);
        if (++reads === 2) release();
        await bothRead;
        return value;
      },
    });
    const results = await Promise.allSettled([
      runAlerting(deps({ state: racing }), firing()),
      runAlerting(deps({ state: racing }), firing()),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(await alertRows()).toHaveLength(1);
  });

  it('keeps rows the sink refused and writes them on the next run', async () => {
    const failing: RecordSink = { write: () => Promise.reject(new Error('429 Too Many Requests')) };
    const first = await runAlerting(deps({ sink: failing }), firing());
    expect(first.transitions).toHaveLength(1);
    expect(first.issues.map((i) => [i.signal, i.severity])).toEqual([['sink', 'error']]);
    expect(await alertRows()).toEqual([]);

    clock.advance(5 * MIN);
    const second = await runAlerting(deps(), firing());
    expect(second.transitions).toEqual([]);
    expect((await alertRows()).map((r) => r.Transition)).toEqual(['new']);
  });

  it('replaces a corrupt book (reported) rather than never alerting again', async () => {
    await store.write(
      { tenantId: TENANT, name: ALERT_BOOK_KEY },
      { alerts: 'garbage' },
      { unconditional: true },
    );
    const result = await runAlerting(deps(), firing());
    expect(result.issues.map((i) => i.code)).toEqual(['CorruptState']);
    expect(result.transitions.map((t) => t.transition)).toEqual(['new']);
  });

  it('remembers rule memory across runs (monitor-degraded after 3 failed runs, told after its 10-minute hold-down)', async () => {
    const failingRun = observations({
      issues: [{ signal: 'provisioning', severity: 'error', code: 'ServiceUnavailable', message: '503' }],
    });
    const kinds: string[][] = [];
    for (let i = 0; i < 5; i++) {
      kinds.push((await runAlerting(deps(), failingRun)).transitions.map((t) => t.alert.kind));
      clock.advance(5 * MIN);
    }
    expect(kinds).toEqual([[], [], [], [], ['monitor-degraded']]);
  });
});

describe('acknowledge', () => {
  it('silences repeats until resolve; the transition and row come back for the caller to write', async () => {
    const first = await runAlerting(deps(), firing());
    const alertId = first.transitions[0]?.alert.id ?? '';
    clock.advance(10 * MIN);
    const { transition, row } = await acknowledge(store, {
      tenantId: TENANT,
      alertId,
      until: 'resolve',
      by: 'ops@contoso.com',
      now: clock.now(),
    });
    expect(transition.transition).toBe('acknowledged');
    expect(transition.alert).toMatchObject({
      state: 'acknowledged',
      silencedUntil: 'resolve',
      acknowledgedBy: 'ops@contoso.com',
    });
    expect(row).toMatchObject({ AlertId: alertId, Transition: 'acknowledged', State: 'acknowledged' });

    clock.advance(5 * HOUR);
    expect((await runAlerting(deps(), firing())).transitions).toEqual([]);
    clock.advance(5 * MIN);
    const resolved = await runAlerting(deps(), healthy());
    expect(resolved.transitions.map((t) => [t.transition, Boolean(t.recordOnly)])).toEqual([
      ['resolved', false],
    ]);
  });

  it('re-applies itself when a run commits in between (ETag)', async () => {
    const first = await runAlerting(deps(), firing());
    const alertId = first.transitions[0]?.alert.id ?? '';
    let interfered = false;
    const busy = storeWith({
      write: async (key, value, condition) => {
        if (!interfered) {
          interfered = true;
          clock.advance(MIN);
          await runAlerting(deps(), firing()); // a run commits between the ack's read and write
        }
        return store.write(key, value, condition);
      },
    });
    await acknowledge(busy, { tenantId: TENANT, alertId, until: at(8 * HOUR), by: 'cli', now: clock.now() });
    const stored = alertBook.parse((await store.read({ tenantId: TENANT, name: ALERT_BOOK_KEY }))?.value);
    expect(stored.alerts[0]).toMatchObject({
      state: 'acknowledged',
      silencedUntil: at(8 * HOUR).toISOString(),
    });
  });

  it.each([{ title: 'unknown alert', alertId: 'ffffffffffffffff', reason: 'unknown' }])(
    'refuses: $title',
    async ({ alertId, reason }) => {
      await runAlerting(deps(), firing());
      await expect(
        acknowledge(store, { tenantId: TENANT, alertId, until: 'resolve', by: 'x', now: clock.now() }),
      ).rejects.toMatchObject({ name: 'AlertNotFoundError', reason });
    },
  );

  it('refuses a resolved alert and an acknowledgement that ends in the past', async () => {
    const first = await runAlerting(deps(), firing());
    const alertId = first.transitions[0]?.alert.id ?? '';
    await expect(
      acknowledge(store, { tenantId: TENANT, alertId, until: at(-HOUR), by: 'x', now: clock.now() }),
    ).rejects.toBeInstanceOf(RangeError);
    clock.advance(5 * MIN);
    await runAlerting(deps(), healthy());
    await expect(
      acknowledge(store, { tenantId: TENANT, alertId, until: 'resolve', by: 'x', now: clock.now() }),
    ).rejects.toBeInstanceOf(AlertNotFoundError);
  });
});
