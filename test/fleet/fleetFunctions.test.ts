import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InvocationContext, type Timer } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededTenantScenario } from '../../src/demo/fleetServer.js';
import type { Scenario } from '../../src/demo/scenario.js';
import { LEASE_NAME } from '../../src/app/underRunLease.js';
import { readDispatch } from '../../src/fleet/dispatchRecord.js';
import { acquireLease, releaseLease } from '../../src/state/lease.js';
import type { ReceivedMessage, TenantQueue } from '../../src/fleet/tenantQueue.js';
import { startFleetHarness, tenantCredentialFor, type FleetHarness } from './fleetHarness.js';
import { CONTOSO, FABRIKAM, fleetEntry } from './tenantEntries.js';

/**
 * Issue 13: the four fleet function files themselves (the handlers they register, loading their
 * settings from the environment as in Azure), against Azurite's queue and table services and the
 * multi-tenant demo Graph over HTTPS. Only the tenants' Graph credential is given (each demo tenant's
 * token, as the bench does); the Functions host's part (moving a message that failed
 * FLEET_MAX_DEQUEUE_COUNT times to `<queue>-poison`) is done here with the same queue protocol.
 *
 * What users see: the messages on the queue, each tenant's run and alert rows, and the emails (the
 * local outbox, one file per receiver channel) reaching the receivers the routing names.
 */
/** Registered, but its consent is gone: Graph refuses every token for it. */
const REVOKED = '3dead000-0000-4000-8000-000000000dea';

const ROUTES = {
  receivers: [
    { name: 'msp', email: 'servicedesk@msp.example' },
    { name: 'contoso', email: 'it@contoso.example' },
    { name: 'fabrikam', email: 'identity@fabrikam.example' },
  ],
  routes: [
    { match: { tenant: 'contoso' }, receivers: ['contoso'] },
    { match: { tenant: 'Fabrikam' }, receivers: ['fabrikam'] },
  ],
  defaultReceiver: 'msp',
  digestReceivers: ['msp'],
};

const timer: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: false },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
};

/** Contoso's password hash job is quarantined: its first run opens a critical alert. */
function quarantined(tenantId: string): Scenario {
  const base = seededTenantScenario({ tenantId, seed: 1 }, new Date(Date.now() - 24 * 3600_000), [50, 400]);
  const since = new Date(Date.now() - 3 * 3600_000).toISOString();
  return {
    ...base,
    jobs: (sp, at) =>
      base.jobs(sp, at)?.map((job) => ({
        ...job,
        status: {
          ...job.status,
          code: 'Quarantine' as const,
          quarantine: {
            currentBegan: since,
            nextAttempt: new Date(Date.now() + 3 * 3600_000).toISOString(),
            reason: 'EncounteredQuarantineException',
            seriesBegan: since,
            seriesCount: 1,
            error: null,
          },
        },
      })),
  };
}

interface Email {
  readonly file: string;
  readonly subject: string;
  readonly to: string[];
  readonly text: string;
}

describe('the fleet function files (handlers invoked directly)', () => {
  let h: FleetHarness;
  let work: TenantQueue;
  let poison: TenantQueue;
  const saved = { ...process.env };
  const lines: string[] = [];
  const context = (functionName: string, triggerMetadata?: Record<string, unknown>) =>
    new InvocationContext({
      functionName,
      ...(triggerMetadata ? { triggerMetadata } : {}),
      logHandler: (_level, ...args) => lines.push(args.map(String).join(' ')),
    });
  /** The emails in a tenant's outbox (undefined: the deployment's own, where the fleet digest goes). */
  const emails = async (tenantId?: string): Promise<Email[]> => {
    const dir = tenantId
      ? path.join(h.dataDir, 'tenants', tenantId, 'outbox')
      : path.join(h.dataDir, 'outbox');
    const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.includes('.email-'));
    return Promise.all(
      files.sort().map(async (file) => {
        const body = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as {
          content: { subject: string; plainText: string };
          recipients: { to: { address: string }[] };
        };
        return {
          file,
          subject: body.content.subject,
          to: body.recipients.to.map((r) => r.address),
          text: body.content.plainText,
        };
      }),
    );
  };
  const receiveAll = async (queue: TenantQueue): Promise<ReceivedMessage[]> => {
    const out: ReceivedMessage[] = [];
    for (let batch = await queue.receive(32, 120); batch.length > 0; batch = await queue.receive(32, 120))
      out.push(...batch);
    return out;
  };

  beforeAll(async () => {
    h = await startFleetHarness([
      { tenantId: CONTOSO, seed: 1, scenario: quarantined(CONTOSO) },
      { tenantId: FABRIKAM, seed: 2 },
    ]);
    Object.assign(process.env, h.env({ FLEET_MAX_DEQUEUE_COUNT: '2', ALERT_ROUTES: JSON.stringify(ROUTES) }));
    const adapters = h.adapters({ settings: h.settings({ ALERT_ROUTES: JSON.stringify(ROUTES) }) });
    await adapters.registry.put(fleetEntry(CONTOSO, 'Contoso Ltd', 'contoso'));
    await adapters.registry.put(fleetEntry(FABRIKAM, 'Fabrikam'));
    await adapters.registry.put(fleetEntry(REVOKED, 'Revoked Inc'));
    ({ work, poison } = h.queues(adapters));
    // The deployment (Bicep) creates both queues.
    await work.ensure();
    await poison.ensure();
  });
  afterAll(async () => {
    process.env = { ...saved };
    await h?.stop();
  });

  it('fleetFanOut queues one message per due tenant, not one whose run is in progress, and none twice', async () => {
    const { fleetFanOut } = await import('../../functions/fleetFanOut.js');
    // Fabrikam's run is working elsewhere (a CLI run holds its run lease).
    const { state, clock } = h.adapters();
    const lease = await acquireLease(
      state,
      { tenantId: FABRIKAM, name: LEASE_NAME },
      { owner: 'a-cli-run', now: clock.now(), ttlMs: 10 * 60_000 },
    );
    await fleetFanOut(timer, context('fleetFanOut'));
    expect(await work.approximateCount()).toBe(2);
    expect(lines.at(-1)).toBe('fleet: 2 tenants enqueued, 1 still running or queued, 0 failed');

    await releaseLease(state, lease);
    await fleetFanOut(timer, context('fleetFanOut'));
    expect(await work.approximateCount()).toBe(3);
    expect(lines.at(-1)).toBe('fleet: 1 tenants enqueued, 2 still running or queued, 0 failed');

    await fleetFanOut(timer, context('fleetFanOut'));
    expect(await work.approximateCount()).toBe(3);
    expect(lines.at(-1)).toBe('fleet: 0 tenants enqueued, 3 still running or queued, 0 failed');
  });

  it("fleetRun runs each tenant's monitor run; the alerts go to that tenant's receivers and name it", async () => {
    const { fleetRunHandler } = await import('../../functions/fleetRun.js');
    const fleetRun = fleetRunHandler({ graphCredential: tenantCredentialFor });
    const messages = await receiveAll(work);
    expect(messages.map((m) => (JSON.parse(m.text) as { tenantId: string }).tenantId).sort()).toEqual(
      [CONTOSO, FABRIKAM, REVOKED].sort(),
    );
    const failures: string[] = [];
    for (const message of messages) {
      const ctx = context('fleetRun', { id: message.messageId, dequeueCount: message.dequeueCount });
      try {
        // The Node worker hands a JSON queue message over parsed.
        await fleetRun(JSON.parse(message.text), ctx);
        await work.delete(message);
      } catch (error) {
        failures.push(String(error));
        await work.release(message, 0);
      }
    }
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/Revoked Inc/);

    for (const tenantId of [CONTOSO, FABRIKAM]) {
      const runs = await h.tableRows(tenantId, 'CloudSyncMonitorRun_CL');
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ AADTenantId: tenantId, Trigger: 'queue', Outcome: 'success' });
    }
    const alerts = await h.tableRows(CONTOSO, 'CloudSyncAlert_CL');
    expect(alerts.map((a) => [a.Kind, a.Transition])).toContainEqual(['job-quarantined', 'new']);
    expect(await h.tableRows(FABRIKAM, 'CloudSyncAlert_CL')).toEqual([]);

    // Contoso's alert reached Contoso's receiver (its routing label `contoso`), not the MSP's default.
    const contosoMail = await emails(CONTOSO);
    expect(contosoMail).toHaveLength(1);
    expect(contosoMail[0]!.file).toContain('-contoso.email-');
    expect(contosoMail[0]!.to).toEqual(['it@contoso.example']);
    expect(contosoMail[0]!.subject).toMatch(/^\[FIRING:1\] CRITICAL: .* · Cloud Sync · Contoso Ltd$/);
    expect(contosoMail[0]!.text).toContain(`Contoso Ltd (${CONTOSO})`);
    expect(await emails(FABRIKAM)).toEqual([]);
  });

  it('fleetPoison alerts the MSP once about a tenant whose run failed on every attempt', async () => {
    const { fleetRunHandler } = await import('../../functions/fleetRun.js');
    const fleetRun = fleetRunHandler({ graphCredential: tenantCredentialFor });
    // The host's part: the second failed attempt (FLEET_MAX_DEQUEUE_COUNT=2) moves it to the poison queue.
    const [again] = await work.receive(1, 120);
    expect(again?.dequeueCount).toBe(2);
    await expect(fleetRun(JSON.parse(again!.text), context('fleetRun'))).rejects.toThrow(/Revoked Inc/);
    await poison.send(again!.text);
    await work.delete(again!);

    const { fleetPoison } = await import('../../functions/fleetPoison.js');
    const [poisoned] = await poison.receive(1, 120);
    const meta = { id: poisoned!.messageId, insertionTime: poisoned!.insertedOn.toISOString() };
    await fleetPoison(JSON.parse(poisoned!.text), context('fleetPoison', meta));
    // Redelivered (the host's retry of the poison trigger): told once.
    await fleetPoison(JSON.parse(poisoned!.text), context('fleetPoison', meta));

    const alerts = await h.tableRows(REVOKED, 'CloudSyncAlert_CL');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ AADTenantId: REVOKED, Kind: 'monitor-degraded', Transition: 'new' });
    expect(String(alerts[0]!.Summary)).toMatch(/Revoked Inc .* failed 2 times/);
    // The MSP's trouble (consent, credential): the default receiver.
    const mail = await emails(REVOKED);
    expect(mail.map((m) => m.to)).toEqual([['servicedesk@msp.example']]);
    expect(mail[0]!.subject).toContain('Revoked Inc');

    // Its dispatch is closed, so the next interval's fan-out queues it again.
    expect((await readDispatch(h.adapters().state, REVOKED))?.outcome).toBe('poisoned');
  });

  it("fleetDigest sends each tenant's digest to its receivers and the fleet digest to the MSP; a failing tenant holds no other", async () => {
    const { fleetDigest } = await import('../../functions/fleetDigest.js');
    // Revoked Inc's digest cannot be written (its digest folder is a file): it fails, twice.
    const blocked = path.join(h.dataDir, 'tenants', REVOKED, 'digest');
    await mkdir(path.dirname(blocked), { recursive: true });
    await writeFile(blocked, 'not a folder');
    await expect(fleetDigest(timer, context('fleetDigest'))).rejects.toThrow(
      /the digest of Revoked Inc \(3dead000-.*\) could not be built or sent/,
    );

    const contoso = (await emails(CONTOSO)).filter((m) => m.file.includes('digest-'));
    expect(contoso.map((m) => m.to)).toEqual([['it@contoso.example']]);
    expect(contoso[0]!.subject).toContain('Contoso Ltd tenant');
    const fabrikam = (await emails(FABRIKAM)).filter((m) => m.file.includes('digest-'));
    expect(fabrikam.map((m) => m.to)).toEqual([['identity@fabrikam.example']]);
    expect(fabrikam[0]!.subject).toContain('Fabrikam tenant');

    const fleet = await emails();
    expect(fleet).toHaveLength(1);
    expect(fleet[0]!.file).toContain('-msp.email-fleet-digest-');
    expect(fleet[0]!.to).toEqual(['servicedesk@msp.example']);
    // Every tenant, worst first: Contoso's quarantine before the others; Revoked Inc's failure said.
    const body = fleet[0]!.text;
    expect(body.indexOf('Contoso Ltd')).toBeGreaterThan(-1);
    expect(body.indexOf('Contoso Ltd')).toBeLessThan(body.indexOf('Fabrikam'));
    expect(body).toMatch(/Revoked Inc.*could not be built/);

    // Fixed, the next firing sends Revoked Inc's digest (no route of its own: the digest receivers)
    // and nothing twice.
    await rm(blocked);
    await fleetDigest(timer, context('fleetDigest'));
    const revoked = (await emails(REVOKED)).filter((m) => m.file.includes('digest-'));
    expect(revoked.map((m) => m.to)).toEqual([['servicedesk@msp.example']]);
    expect(revoked[0]!.subject).toContain('Revoked Inc tenant');
    expect((await emails(CONTOSO)).filter((m) => m.file.includes('digest-'))).toHaveLength(1);
    expect((await emails(FABRIKAM)).filter((m) => m.file.includes('digest-'))).toHaveLength(1);
    expect(await emails()).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/tenant digests 1 sent, 2 already sent, 0 failed$/);
  });
});
