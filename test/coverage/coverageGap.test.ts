import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runMonitor } from '../../src/app/monitorRun.js';
import { buildDigest } from '../../src/digest/runDigest.js';
import { virtualClock, type VirtualClock } from '../../src/clock.js';
import { DemoDirectory } from '../../src/demo/directoryDelta.js';
import type { DemoTenant } from '../../src/demo/server.js';
import { syntheticScenario } from '../../src/demo/scenario.js';
import type { Scenario } from '../../src/demo/scenario.js';
import { dependencies, readTable, settingsFor, startTestTenant, tempDataDir } from '../support/collectHarness.js';
import { provisionedObjects as provisionedOf, type Provisioned } from '../support/provisionedObjects.js';

/**
 * Issue 15 item 1, through the real Graph client against the demo tenant: the directory's on-premises
 * objects (delta queries) against the objects Cloud Sync provisioned (the collected events). Objects
 * whose first provisioning event comes days later are a gap once the grace period has passed, and the
 * gap closes when Cloud Sync provisions them; objects no configuration provisions stay in the gap until
 * they leave on-premises sync. Connect Sync exporting the same objects is named. After the first run the
 * delta queries return only the changes.
 */
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const START = new Date('2026-11-02T08:00:00Z');

let tenant: DemoTenant;
let clock: VirtualClock;
let directory: DemoDirectory;
let scenario: Scenario;

/** The objects the scenario's log provisions (not skips), with their first event. */
const provisionedObjects = () => provisionedOf(scenario);

function addSynced(o: Provisioned, lastSync: string | null = null): void {
  directory.upsert(o.kind, {
    id: o.id,
    displayName: o.name,
    ...(o.kind === 'user' ? { userPrincipalName: `${o.id.slice(0, 8)}@northwind.com` } : {}),
    onPremisesSyncEnabled: true,
    onPremisesDomainName: 'northwind.com',
    ...(o.kind === 'user' ? { onPremisesDistinguishedName: `CN=${o.name},OU=Users,DC=northwind,DC=com` } : {}),
    onPremisesLastSyncDateTime: lastSync,
  });
}

const CONTRACTORS = ['Ada Contractor', 'Bo Contractor'].map((name, i) => ({
  id: `c0ffee0${i}-0000-4000-8000-000000000000`,
  name,
}));
const CONTACT_ID = 'd0d0d0d0-0000-4000-8000-000000000001';

beforeEach(async () => {
  clock = virtualClock(START);
  directory = new DemoDirectory();
  // Events from an hour before the first run over nine days: some objects are first provisioned days later.
  scenario = syntheticScenario({ start: new Date(START.getTime() - HOUR), events: 400, spanMs: 9 * DAY });
  tenant = await startTestTenant({ clock, scenario, directory, reportsRateLimit: false });
});
afterEach(async () => {
  await tenant.close();
});

async function setUp(overrides: Parameters<typeof settingsFor>[2] = {}) {
  const dataDir = await tempDataDir();
  const settings = settingsFor(tenant, dataDir, overrides);
  const deps = await dependencies(settings, clock);
  return { dataDir, deps, settings };
}

const coverageRows = async (dataDir: string) =>
  (await readTable(dataDir, 'CloudSyncAlert_CL')).filter((r) => r.Kind === 'coverage-gap');

describe('coverage-gap: on-premises objects no Cloud Sync configuration provisioned', () => {
  it('finds a gap after the grace period, writes a row per object per day, and resolves when they are covered', async () => {
    const objects = provisionedObjects();
    for (const o of objects.values()) addSynced(o);
    for (const c of CONTRACTORS) {
      directory.upsert('user', {
        id: c.id,
        displayName: c.name,
        userPrincipalName: `${c.name.split(' ')[0]!.toLowerCase()}@northwind.com`,
        onPremisesSyncEnabled: true,
        onPremisesDomainName: 'northwind.com',
        onPremisesDistinguishedName: `CN=${c.name},OU=Contractors,DC=northwind,DC=com`,
        onPremisesLastSyncDateTime: null,
      });
    }
    directory.upsert('contact', { id: CONTACT_ID, displayName: 'Supplier Desk', onPremisesSyncEnabled: true });
    // Cloud-only objects are not in scope of the check.
    directory.upsert('user', { id: 'aaaaaaaa-0000-4000-8000-00000000000a', displayName: 'Cloud Admin', onPremisesSyncEnabled: null });
    const { dataDir, deps, settings } = await setUp();

    // Day 0: no gap yet (grace period), whatever is missing.
    await runMonitor(deps, { trigger: 'test' });
    expect(await coverageRows(dataDir)).toEqual([]);
    expect(await readTable(dataDir, 'CloudSyncCoverage_CL')).toEqual([]);

    // Day 7 plus an hour, twice (a warning is told once it held ALERT_HOLD_DOWN_MINUTES).
    clock.set(new Date(START.getTime() + 7 * DAY + HOUR));
    await runMonitor(deps, { trigger: 'test' });
    clock.advance(15 * MIN);
    const told = await runMonitor(deps, { trigger: 'test' });
    const late = [...objects.values()].filter((o) => o.firstAt > clock.now().getTime());
    expect(late.length).toBeGreaterThan(5);

    const opened = (await coverageRows(dataDir)).filter((r) => r.Transition === 'new');
    expect(opened).toHaveLength(1);
    expect(told.transitions.some((t) => t.alert.kind === 'coverage-gap' && t.transition === 'new')).toBe(true);
    const details = (opened[0]!.Details as { facts: unknown }).facts as {
      gapObjects: number;
      syncedObjects: number;
      groups: { domain: string | null; organizationalUnit: string | null; objectCount: number; configurationName: string | null; examples: { displayName: string }[] }[];
    };
    const contractors = details.groups.find((g) => g.organizationalUnit === 'OU=Contractors,DC=northwind,DC=com');
    expect(contractors).toMatchObject({ domain: 'northwind.com', objectCount: 2, configurationName: 'northwind.com' });
    expect(contractors!.examples.map((e) => e.displayName).sort()).toEqual(['Ada Contractor', 'Bo Contractor']);
    expect(details.groups.find((g) => g.domain === null)?.objectCount).toBe(1); // the contact
    // Objects first provisioned after now are in the gap; those provisioned before it are not.
    const users = details.groups.find((g) => g.organizationalUnit === 'OU=Users,DC=northwind,DC=com');
    expect(users?.objectCount).toBeGreaterThanOrEqual(late.filter((o) => o.kind === 'user').length);
    expect(details.gapObjects).toBeLessThan(details.syncedObjects);

    // One row per object per day: the second run of the day wrote none.
    const rows = await readTable(dataDir, 'CloudSyncCoverage_CL');
    expect(rows.length).toBe(details.gapObjects);
    expect(new Set(rows.map((r) => r.ObjectId)).size).toBe(rows.length);
    expect(rows.find((r) => r.ObjectId === CONTRACTORS[0]!.id)).toMatchObject({
      ObjectType: 'user',
      OnPremisesDomainName: 'northwind.com',
      OrganizationalUnit: 'OU=Contractors,DC=northwind,DC=com',
      ConfigurationName: 'northwind.com',
      ConnectSyncExporting: false,
    });
    expect(rows.find((r) => r.ObjectId === CONTACT_ID)).toMatchObject({ ObjectType: 'contact', ConfigurationName: null });

    // The daily digest has a Scope coverage section with the same facts (from state, not Graph).
    const digest = await buildDigest({
      state: deps.state,
      tenantId: deps.tenantId,
      now: new Date(clock.now().getTime() + HOUR),
      settings,
    });
    const text = digest.message.email.plainText;
    expect(text).toContain('SCOPE COVERAGE');
    expect(text).toContain(`${details.gapObjects} objects not covered after 7 days`);
    expect(text).toMatch(/northwind\.com \/ OU=Contractors,DC=northwind,DC=com: 2 objects \(e\.g\. (Ada|Bo) Contractor/);
    expect(digest.message.email.html).toContain('Scope coverage');

    // The contractors leave on-premises sync (made cloud-managed), the contact is deleted, and Cloud Sync
    // provisions the rest as the days go by: the gap closes.
    for (const c of CONTRACTORS) {
      directory.upsert('user', { id: c.id, displayName: c.name, onPremisesSyncEnabled: false });
    }
    directory.remove('contact', CONTACT_ID);
    for (let day = 8; day <= 10; day++) {
      clock.set(new Date(START.getTime() + day * DAY + HOUR));
      await runMonitor(deps, { trigger: 'test' });
    }
    const all = await coverageRows(dataDir);
    expect(all.filter((r) => r.Transition === 'resolved')).toHaveLength(1);
    // Each later day wrote rows only for what was still in the gap.
    const later = (await readTable(dataDir, 'CloudSyncCoverage_CL')).slice(rows.length);
    expect(later.some((r) => r.ObjectId === CONTRACTORS[0]!.id)).toBe(false);
  });

  it('reads the directory with delta queries: after the first run only the changes come back', async () => {
    const objects = [...provisionedObjects().values()];
    for (const o of objects) addSynced(o);
    const { deps } = await setUp({ COVERAGE_CHECK_MINUTES: '0' }); // a check every run
    await runMonitor(deps, { trigger: 'test' });
    const first = { ...directory.objectsServed };
    expect(first.user + first.group).toBe(objects.length);
    const requests = { ...directory.requests };

    clock.advance(5 * MIN);
    await runMonitor(deps, { trigger: 'test' });
    expect(directory.objectsServed).toEqual(first); // nothing changed: nothing sent again
    expect(directory.requests.user).toBe(requests.user + 1); // one request per type, from the deltaLink

    const renamed = objects.find((o) => o.kind === 'user')!;
    addSynced({ ...renamed, name: 'Renamed User' });
    clock.advance(5 * MIN);
    await runMonitor(deps, { trigger: 'test' });
    expect(directory.objectsServed.user).toBe(first.user + 1);
    expect(directory.objectsServed.group).toBe(first.group);
  });

  it('names coexistence: Connect Sync still exporting objects Cloud Sync provisions', async () => {
    const objects = [...provisionedObjects().values()].filter((o) => o.firstAt < START.getTime() - 20 * MIN);
    expect(objects.length).toBeGreaterThan(0);
    // Connect Sync exported them again after Cloud Sync did, and the organization synced minutes ago.
    for (const o of objects) addSynced(o, START.toISOString());
    directory.upsert('user', {
      id: 'bbbbbbbb-0000-4000-8000-00000000000b',
      displayName: 'On-Premises Directory Synchronization Service Account',
      userPrincipalName: 'Sync_CONNECT01_4f1c2d3e4a5b@northwind.onmicrosoft.com',
      onPremisesSyncEnabled: null,
    });
    directory.organizationLastSyncAt = new Date(START.getTime() - 10 * MIN).toISOString();
    const { dataDir, deps } = await setUp();
    await runMonitor(deps, { trigger: 'test' });
    clock.advance(15 * MIN);
    await runMonitor(deps, { trigger: 'test' });

    const opened = (await coverageRows(dataDir)).filter((r) => r.Transition === 'new');
    expect(opened).toHaveLength(1);
    expect(opened[0]!.Summary).toMatch(/Connect Sync is still exporting/);
    expect((opened[0]!.Details as { facts: unknown }).facts).toMatchObject({
      gapObjects: 0,
      coexistence: { syncAccounts: ['Sync_CONNECT01_4f1c2d3e4a5b@northwind.onmicrosoft.com'] },
    });
    // Connect Sync goes to staging mode: the organization stops syncing; hours later the alert resolves.
    clock.advance(4 * HOUR);
    await runMonitor(deps, { trigger: 'test' });
    expect((await coverageRows(dataDir)).filter((r) => r.Transition === 'resolved')).toHaveLength(1);
  });
});
