import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { tenantsCommand } from '../../src/commands/tenantsCommand.js';
import { silentLogger } from '../../src/log.js';
import { startFleetHarness, tenantCredentialFor, type FleetHarness } from './fleetHarness.js';

const READY = 'aaaaaaaa-1111-4111-8111-111111111111';
const NO_AUDIT = 'bbbbbbbb-2222-4222-8222-222222222222';
const UNCONSENTED = 'cccccccc-3333-4333-8333-333333333333';
const APP = '0a0a0a0a-0000-4000-8000-000000000001';

async function cli(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('cloudsync-monitor tenants', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tenants-cli-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('adds, lists and removes tenants in DATA_DIR/state/_fleet', async () => {
    const added = await cli([
      'tenants',
      'add',
      READY,
      '--name',
      'Contoso',
      '--auth',
      'federated',
      '--client-id',
      APP,
      '--routing-tenant',
      'contoso-group',
      '--data-dir',
      dir,
    ]);
    expect(added.code).toBe(0);
    expect(added.out[0]).toBe(`added Contoso (${READY})`);
    const kv = await cli([
      'tenants',
      'add',
      NO_AUDIT,
      '--name',
      'Fabrikam',
      '--auth',
      'keyVaultSecret',
      '--client-id',
      APP,
      '--secret-uri',
      'https://msp-vault.vault.azure.net/secrets/fabrikam',
      '--data-dir',
      dir,
    ]);
    expect(kv.code).toBe(0);
    const list = await cli(['tenants', 'list', '--json', '--data-dir', dir]);
    const listed = JSON.parse(list.out[0] ?? '{}') as {
      tenants: { tenantId: string; auth: { kind: string } }[];
    };
    expect(listed.tenants.map((t) => [t.tenantId, t.auth.kind])).toEqual([
      [READY, 'federated'],
      [NO_AUDIT, 'keyVaultSecret'],
    ]);
    const removed = await cli(['tenants', 'remove', NO_AUDIT, '--data-dir', dir]);
    expect(removed.code).toBe(0);
    expect((await cli(['tenants', 'remove', NO_AUDIT, '--data-dir', dir])).code).toBe(1);
  });

  it('refuses a bad entry with the usage, storing nothing', async () => {
    const bad = await cli([
      'tenants',
      'add',
      'not-a-guid',
      '--name',
      'X',
      '--auth',
      'federated',
      '--client-id',
      APP,
      '--data-dir',
      dir,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.err.join('\n')).toMatch(/tenantId must be a GUID/);
    const secretless = await cli([
      'tenants',
      'add',
      UNCONSENTED,
      '--name',
      'X',
      '--auth',
      'keyVaultSecret',
      '--client-id',
      APP,
      '--data-dir',
      dir,
    ]);
    expect(secretless.code).toBe(2);
    const list = await cli(['tenants', 'list', '--json', '--data-dir', dir]);
    expect((JSON.parse(list.out[0] ?? '{}') as { tenants: unknown[] }).tenants).toHaveLength(1);
  });

  it('has per-command help', async () => {
    const help = await cli(['tenants', '--help']);
    expect(help.code).toBe(0);
    expect(help.out.join('\n')).toMatch(/tenants test TENANT_ID/);
  });
});

describe('cloudsync-monitor tenants test', () => {
  let h: FleetHarness;
  beforeAll(async () => {
    h = await startFleetHarness([
      { tenantId: READY, seed: 1 },
      { tenantId: NO_AUDIT, seed: 2 },
    ]);
    const { registry } = h.adapters();
    for (const [tenantId, displayName] of [
      [READY, 'Contoso'],
      [NO_AUDIT, 'Fabrikam'],
      [UNCONSENTED, 'Tailspin'],
    ] as const) {
      await registry.put({
        tenantId,
        displayName,
        auth: { kind: 'federated', clientId: APP },
        addedAt: new Date().toISOString(),
      });
    }
  });
  afterAll(async () => h?.stop());

  const test = async (tenantId: string, credential = tenantCredentialFor) => {
    const out: string[] = [];
    const code = await tenantsCommand(h.settings(), silentLogger, {
      action: 'test',
      id: tenantId,
      print: (l) => out.push(l),
      graphCredential: credential,
    });
    return { code, out: out.join('\n') };
  };

  it('reads jobs, provisioning logs and agents of a consented tenant', async () => {
    const { code, out } = await test(READY);
    expect(out).toMatch(/ok\s+jobs:/);
    expect(out).toMatch(/ok\s+provisioning:/);
    expect(out).toMatch(/ok\s+agents:/);
    expect(out).toMatch(/ready: the monitor can read this tenant/);
    expect(code).toBe(0);
  });

  it('names a permission that is not granted and prints the admin-consent URL', async () => {
    h.graph.tenant(NO_AUDIT)?.injectFault({ kind: 'status', route: 'provisioning', status: 403 });
    const { code, out } = await test(NO_AUDIT);
    expect(out).toMatch(/MISSING provisioning: 403 .*AuditLog\.Read\.All is not granted/);
    expect(out).toContain(`https://login.microsoftonline.com/${NO_AUDIT}/adminconsent?client_id=${APP}`);
    expect(code).toBe(1);
  });

  it('tells a tenant where no administrator consented yet (the token request fails with AADSTS700016)', async () => {
    // What @azure/identity rejects with when the app has no service principal in the tenant.
    const unconsented = () => ({
      getToken: () =>
        Promise.reject(
          new Error(
            `AADSTS700016: Application with identifier '${APP}' was not found in the directory 'Tailspin'. This can happen if the application has not been installed by the administrator of the tenant.`,
          ),
        ),
    });
    const { code, out } = await test(UNCONSENTED, unconsented);
    expect(out).toMatch(/MISSING token: the app is not known in this tenant \(AADSTS700016\)/);
    expect(out).toContain(`https://login.microsoftonline.com/${UNCONSENTED}/adminconsent?client_id=${APP}`);
    expect(code).toBe(1);
  });
});
